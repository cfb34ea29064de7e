"""A real `python -m wsging.worker` process against a tiny front end written here."""

import os
import sys
import textwrap
import threading

import pytest

from link_frontend import FrontEnd
from wsging.worker import link

APP = textwrap.dedent(
    '''
    import contextlib, os, threading
    from wsging import ClientDisconnected, Response

    state = {"produced": 0}
    progress = threading.Condition()
    closed = threading.Event()
    release = threading.Event()
    disconnected = threading.Event()

    def app(request):
        path = request.path
        if path == "/":
            return Response("Hello, world!")
        if path == "/pid":
            return Response(str(os.getpid()))
        if path == "/echo":
            def echo():
                for chunk in request.body:
                    yield chunk
            return Response(echo())
        if path == "/stream":
            def gen():
                try:
                    while True:
                        with progress:
                            state["produced"] += 1
                            progress.notify_all()
                        yield b"x" * 100
                finally:
                    closed.set()
            return Response(gen())
        if path == "/produced":
            # Wait until the producer reached ?N chunks, then report how far it is.
            wanted = int(request.query_string or 0)
            with progress:
                progress.wait_for(lambda: state["produced"] >= wanted, 20)
                return Response(str(state["produced"]))
        if path == "/wait-closed":
            return Response(str(closed.wait(20)))
        if path == "/block":
            release.wait(20)
            return Response(b"released")
        if path == "/release":
            release.set()
            return Response(b"ok")
        if path == "/read":
            try:
                request.body.read()
            except ClientDisconnected:
                disconnected.set()
            return Response(b"")
        if path == "/was-disconnected":
            return Response(str(disconnected.wait(20)))
        if path == "/read-where":
            body = request.body.read()
            place = "loop" if threading.current_thread() is threading.main_thread() else "pool"
            return Response(place.encode() + b":" + body)
        if path == "/boom":
            raise KeyError("boom")
        return Response(b"", 404)

    @contextlib.contextmanager
    def lifespan():
        yield
        with open(os.path.join(os.path.dirname(__file__), "shutdown.txt"), "w") as f:
            f.write("shutdown")

    app.lifespan = lifespan
    '''
)


@pytest.fixture
def app_dir(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


@pytest.fixture
def front():
    front = FrontEnd()
    yield front
    front.close()


def handshake(front, app_dir, window=65536, max_frame=65536, **kwargs):
    front.start_worker(app_dir, **kwargs)
    front.accept()
    hello = front.next_frame()
    assert isinstance(hello, link.HelloFrame)
    front.send(
        link.encode_hello(((link.SETTING_INITIAL_WINDOW, window), (link.SETTING_MAX_FRAME, max_frame)))
    )
    return dict(hello.settings)


def get(front, stream, path):
    front.request(stream, path=path)
    return front.response(stream)


def test_hello_request_ping_goaway_and_lifespan(front, app_dir):
    settings = handshake(front, app_dir, threads=4)
    assert settings[link.SETTING_WORKER_ID] == 7
    assert settings[link.SETTING_PID] == front.process.pid
    assert settings[link.SETTING_INITIAL_WINDOW] == 256 * 1024
    # not threads * 2: a sync producer waiting for credit holds no thread (spec 7.4)
    assert settings[link.SETTING_MAX_STREAMS] == 1024
    assert settings[link.SETTING_MAX_FRAME] == 65536

    status, headers, body, last = get(front, 1, b"/")
    assert (status, body) == (200, b"Hello, world!")
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert last.flags & link.END_STREAM

    front.send(link.encode_ping(b"abcdefgh"))
    assert front.next_frame() == link.PingFrame(b"abcdefgh", link.ACK)

    front.send(link.encode_goaway(0, "bye"))
    front.request(3, path=b"/")  # after GOAWAY: refused, the app is not run
    assert front.next_frame() == link.ResetFrame(3, link.REFUSED)
    front.sock.close()
    front.sock = None
    assert front.process.wait(20) == 0
    assert (app_dir / "shutdown.txt").read_text() == "shutdown"


def test_ping_answered_while_a_sync_app_blocks(front, app_dir):
    handshake(front, app_dir)
    front.request(1, path=b"/block")
    front.send(link.encode_ping(b"pingpong"))
    assert front.next_frame() == link.PingFrame(b"pingpong", link.ACK)
    assert get(front, 3, b"/release")[2] == b"ok"
    assert front.response(1)[2] == b"released"


def test_500_and_debug(front, app_dir):
    handshake(front, app_dir, debug=True)
    status, _, body, _ = get(front, 1, b"/boom")
    assert status == 500 and body.startswith(b"Internal Server Error\n\nTraceback")


def produced(front, stream, at_least):
    front.request(stream, path=b"/produced", query=str(at_least).encode())
    return int(front.response(stream)[2])


def test_flow_control_stalls_the_producer(front, app_dir):
    # The front end grants 100 bytes per stream and nothing more. The generator yields 100-byte
    # chunks; it may pull the chunk after the last one sent (that is its turn to wait), never
    # more. /produced?N waits until N chunks were pulled, so each check below is reached only
    # once the producer had every chance to run ahead.
    handshake(front, app_dir, window=100)
    front.request(1, path=b"/stream")
    head = front.next_on(1, grant=False)
    assert isinstance(head, link.ResponseFrame) and head.status == 200
    assert front.next_on(1, grant=False) == link.DataFrame(1, b"x" * 100)
    assert produced(front, 3, 2) == 2
    front.send(link.encode_ping(b"12345678"))
    assert front.next_frame() == link.PingFrame(b"12345678", link.ACK)
    assert produced(front, 5, 0) == 2

    front.send(link.encode_window(1, 50))
    assert front.next_on(1, grant=False) == link.DataFrame(1, b"x" * 50)
    assert produced(front, 7, 0) == 2  # chunk 2 is only half sent
    front.send(link.encode_window(1, 50))
    assert front.next_on(1, grant=False) == link.DataFrame(1, b"x" * 50)
    assert produced(front, 9, 3) == 3
    assert produced(front, 11, 0) == 3

    # RESET CANCEL: the producer stops and its generator is closed.
    front.send(link.encode_reset(1, link.CANCEL))
    assert get(front, 13, b"/wait-closed")[2] == b"True"


def test_reset_cancel_interrupts_a_pending_body_read(front, app_dir):
    handshake(front, app_dir)
    front.request(1, method=b"POST", path=b"/read", end=False)
    front.send(link.encode_data(1, b"some"))
    front.send(link.encode_reset(1, link.CANCEL))
    assert get(front, 3, b"/was-disconnected")[2] == b"True"


def test_data_beyond_the_window_is_a_stream_error(front, app_dir):
    handshake(front, app_dir)
    # /block never reads its body, so the worker never grants more than its initial window.
    front.request(1, method=b"POST", path=b"/block", end=False, flags=link.EXPECT_CONTINUE)
    front.send(link.encode_data(1, b"x"))  # A.5: with EXPECT_CONTINUE the window starts at 0
    assert front.next_on(1) == link.ResetFrame(1, link.PROTOCOL_ERROR)

    front.request(3, method=b"POST", path=b"/block", end=False)
    front.send(link.encode_data(3, b"x" * 65536) * 4)  # exactly the 256 KiB window: accepted
    front.send(link.encode_data(3, b"x"))
    assert front.next_on(3) == link.ResetFrame(3, link.PROTOCOL_ERROR)
    assert get(front, 5, b"/release")[2] == b"ok"


def test_link_error_sends_goaway_and_exits(front, app_dir):
    handshake(front, app_dir)
    front.send(link.encode_hello(()))  # HELLO twice (A.7)
    frame = front.next_frame()
    assert isinstance(frame, link.GoawayFrame) and frame.code == link.GOAWAY_PROTOCOL_ERROR
    assert front.process.wait(20) == 1


def test_unexpected_close_exits(front, app_dir):
    handshake(front, app_dir)
    front.sock.close()
    front.sock = None
    assert front.process.wait(20) == 1


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_100mb_streaming_echo_keeps_memory_flat(front, app_dir):
    handshake(front, app_dir)
    assert get(front, 1, b"/")[0] == 200  # warm up: everything imported
    before = vm_hwm_kib(front.process.pid)

    total = 100 * 1024 * 1024
    chunk = b"\xab" * 65536
    credit = {"left": 256 * 1024}
    cond = threading.Condition()
    errors = []

    def sender():
        try:
            sent = 0
            while sent < total:
                with cond:
                    while credit["left"] <= 0:
                        if not cond.wait(20):
                            raise TimeoutError("no WINDOW from the worker")
                    size = min(credit["left"], len(chunk), total - sent)
                    credit["left"] -= size
                end = sent + size == total
                front.send(link.encode_data(3, chunk[:size], link.END_STREAM if end else 0))
                sent += size
        except Exception as exc:  # reported by the main thread
            errors.append(exc)

    front.request(3, method=b"POST", path=b"/echo", end=False, content_length=total)
    thread = threading.Thread(target=sender)
    thread.start()
    received = 0
    while True:
        frame = front.next_frame()
        if isinstance(frame, link.WindowFrame):
            with cond:
                credit["left"] += frame.increment
                cond.notify()
        elif isinstance(frame, link.DataFrame):
            received += len(frame.data)
            if frame.flags & link.END_STREAM:
                break
            if frame.data:
                front.send(link.encode_window(3, len(frame.data)))
        elif isinstance(frame, link.ResetFrame):
            raise AssertionError(f"stream reset: {frame}")
    thread.join(20)
    assert not errors
    assert received == total
    growth_mib = (vm_hwm_kib(front.process.pid) - before) / 1024
    assert growth_mib < 16, f"worker peak RSS grew by {growth_mib:.1f} MiB"


@pytest.mark.parametrize(
    "spec, files, reason",
    [
        ("no_colon", {}, "expected MODULE:ATTR, for example 'hello:app'"),
        ("missing_mod:app", {}, "No module named 'missing_mod'"),
        ("broken:app", {"broken.py": "import nonexistent_dependency\n"},
         "No module named 'nonexistent_dependency' (the workers run {python}, which cannot import"
         " it: pass the interpreter of the virtualenv your project uses with --python, such as"
         " --python venv/bin/python)"),
        ("project:app", {"project.py": "import settings_local\n", "settings_local": ""},
         "No module named 'settings_local'"),
        ("raises:app", {"raises.py": "raise RuntimeError('bad\\nconfig')\n"},
         "RuntimeError: bad config"),
        ("good:nope", {"good.py": "app = 1\n"}, "module 'good' has no attribute 'nope'"),
        ("good:app", {"good.py": "app = 1\n"}, "'app' is not callable (it is int)"),
        ("life:app", {"life.py": (
            "def app(request): pass\n"
            "def lifespan():\n    raise OSError('db down')\n"
            "app.lifespan = lifespan\n")},
         "lifespan startup failed: OSError: db down"),
    ],
)
def test_load_failure_exits_3_with_one_line(front, tmp_path, spec, files, reason):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    process = front.start_worker(tmp_path, app=spec)
    assert process.wait(20) == 3
    stderr = process.stderr.read().decode()
    reason = reason.format(python=sys.executable)
    assert stderr == f"wsging: cannot load app '{spec}': {reason}\n"


def test_the_hint_names_the_virtualenv_in_the_app_directory(front, tmp_path):
    (tmp_path / "app.py").write_text("import framework_only_in_the_projects_venv\n")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    process = front.start_worker(tmp_path)
    assert process.wait(20) == 3
    assert f"such as --python {python})" in process.stderr.read().decode()


@pytest.mark.parametrize(
    "interface, source, reason",
    [
        ("ng", "def app(environ, start_response): pass\n",
         "--interface ng calls it with 1 argument (request) and it does not take that, which"
         " looks like a WSGI application; serve it with --interface wsgi"),
        ("ng", "async def app(scope, receive, send): pass\n",
         "--interface ng calls it with 1 argument (request) and it does not take that, which"
         " looks like an ASGI application; serve it with --interface asgi"),
        ("wsgi", "def app(request): pass\n",
         "--interface wsgi calls it with 2 arguments (environ, start_response) and it does not"
         " take them, which looks like a WSGI-NG application; serve it with --interface ng"),
        ("auto", "def app(*args): pass\n",
         "it can be called as a WSGI-NG application or as a WSGI application; pass --interface"
         " ng or wsgi"),
        ("auto", "def app(): pass\n",
         "it takes none of (request), (environ, start_response) or async (scope, receive, send),"
         " so --interface auto cannot tell what it is"),
    ],
)
def test_an_application_of_another_interface_is_named_at_start_up(front, tmp_path, interface, source, reason):
    (tmp_path / "app.py").write_text(source)
    process = front.start_worker(tmp_path, extra_env={"WSGING_INTERFACE": interface})
    assert process.wait(20) == 3
    assert process.stderr.read().decode() == f"wsging: cannot load app 'app:app': {reason}\n"


def test_an_inline_sync_call_reads_its_complete_body_on_the_loop_thread(front, app_dir):
    # With --inline-sync a request whose body arrives in the same read as its REQUEST runs on
    # the loop's thread, where a sync body read is allowed because it cannot wait.
    handshake(front, app_dir, extra_env={"WSGING_INLINE_SYNC": "1"})
    frame = link.RequestFrame(
        1, 0, "1.1", b"http", b"POST", b"/read-where", b"", b"127.0.0.1", 40001, b"127.0.0.1",
        8000, 5, 0x03, [(b"Host", b"localhost")],
    )
    front.send(link.encode_request(frame) + link.encode_data(1, b"hello", link.END_STREAM))
    status, _, body, _ = front.response(1)
    assert (status, body) == (200, b"loop:hello")
