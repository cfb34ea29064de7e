"""The thread pool behind sync applications."""

import asyncio
import threading

from wsging.worker import dispatch
from wsging.worker.dispatch import ThreadPool


def test_runs_jobs_and_never_exceeds_max_threads():
    pool = ThreadPool(3)
    lock = threading.Lock()
    running = {"now": 0, "max": 0}
    gate = threading.Barrier(3, timeout=10)
    done = threading.Semaphore(0)

    def job(i):
        with lock:
            running["now"] += 1
            running["max"] = max(running["max"], running["now"])
        if i < 3:
            gate.wait()  # the first three must run at the same time
        with lock:
            running["now"] -= 1
        done.release()

    for i in range(20):
        pool.submit(job, i)
    for _ in range(20):
        assert done.acquire(timeout=10)
    assert running["max"] == 3
    names = {t.name for t in threading.enumerate() if t.name.startswith("wsging-app")}
    assert 1 <= len(names) <= 3
    pool.shutdown()


def test_threads_are_daemons():
    pool = ThreadPool(1, name="wsging-daemon-check")
    seen = []
    event = threading.Event()
    pool.submit(lambda: (seen.append(threading.current_thread().daemon), event.set()))
    assert event.wait(10)
    assert seen == [True]
    pool.shutdown()


def _run_on_loop(pool, submit_jobs, timeout=10):
    """Submit from the loop's thread (as the worker does) and wait for the jobs' report."""
    loop = asyncio.new_event_loop()
    try:
        pool.bind_loop(loop)

        async def main():
            finished = asyncio.Event()
            submit_jobs(lambda: loop.call_soon_threadsafe(finished.set))
            await asyncio.wait_for(finished.wait(), timeout)

        loop.run_until_complete(main())
    finally:
        pool.shutdown()
        loop.close()


def test_jobs_that_wait_for_each_other_get_threads_with_a_loop_bound():
    # One awake thread would take them one by one and wait at the barrier forever: the stall
    # check must wake a thread for each queued job.
    pool = ThreadPool(4, name="wsging-stall-check")
    gate = threading.Barrier(3, timeout=10)
    passed = []

    def submit_jobs(report):
        def job():
            gate.wait()
            passed.append(1)
            if len(passed) == 3:
                report()

        for _ in range(3):
            pool.submit(job)

    _run_on_loop(pool, submit_jobs)
    assert len(passed) == 3


def test_a_burst_of_jobs_that_do_not_block_wakes_one_thread(monkeypatch):
    monkeypatch.setattr(dispatch, "STALL_SECONDS", 60.0)  # no stall check during the test
    pool = ThreadPool(8, name="wsging-burst-check")
    threads = set()
    count = []

    def submit_jobs(report):
        def job():
            threads.add(threading.get_ident())
            count.append(1)
            if len(count) == 50:
                report()

        for _ in range(50):
            pool.submit(job)

    _run_on_loop(pool, submit_jobs)
    assert len(threads) == 1


# -- a sync producer's hand-over (Exchange.send_if_room / send_sync) -----------------------


class _Session:
    """The little of a link session an exchange needs; calls from threads run at once."""

    def __init__(self):
        import threading as _threading

        self.loop = None
        self.loop_thread = _threading.get_ident()
        self.peer_max_frame = 1 << 20
        self.peer_file_bodies = 0
        self.initial_window = 1 << 16
        self.writing_paused = False
        self.body_memory = None
        self.sync_pool = None
        self.written = []

    def write(self, data):
        self.written.append(bytes(data))

    def call_from_thread(self, fn, *args):
        fn(*args)

    def resume_later(self, exchange):
        pass

    def stream_completed(self, exchange):
        pass


def _streaming_exchange(window):
    from wsging import Response
    from wsging.worker.exchange import Exchange
    from wsging.worker.streams import Stream

    session = _Session()
    exchange = Exchange(session, Stream(1, window, 1 << 16, True), False, 0)
    exchange.start(Response(iter([b""])))  # the head; the body streams
    return session, exchange


def test_a_producer_past_the_window_is_parked_and_resumed_once_it_is_all_sent():
    session, exchange = _streaming_exchange(window=10)
    resumed = []
    assert exchange.send_if_room(b"12345")  # fits: handed over, sent
    assert not exchange.send_if_room(b"abcdefghijkl")  # 12 > the 5 left: nothing handed over
    assert exchange.send_sync(b"abcdefghijkl", lambda: resumed.append(1)) is False  # parked
    assert resumed == []  # 7 bytes of it wait for credit
    exchange.on_window(3)
    assert resumed == []  # still 4 bytes unsent
    exchange.on_window(10)
    assert resumed == [1]  # all sent: the producer gets a thread again, once
    exchange.on_window(10)
    assert resumed == [1]
    body = b"".join(session.written[2::2])  # after the head: frame header, payload, ...
    assert body == b"12345abcdefghijkl"


def test_a_parked_producer_is_resumed_when_the_stream_is_reset():
    session, exchange = _streaming_exchange(window=4)
    resumed = []
    assert exchange.send_sync(b"123456", lambda: resumed.append(1)) is False
    exchange.on_reset(8)
    assert resumed == [1]  # to see `stopped` and close its body
    assert exchange.stopped
    assert exchange.send_if_room(b"more")  # stopped: nothing is handed over, the loop stops


# -- sync jobs that may read a request body get a thread only when there is something to read --


class _RecordingPool(ThreadPool):
    """A pool that runs nothing: the test runs each submitted job itself."""

    def __init__(self):
        super().__init__(1)
        self.jobs = []

    def submit(self, fn, *args):
        self.jobs.append((fn, args))

    def run_next(self):
        fn, args = self.jobs.pop(0)
        fn(*args)


class _LoopSession(_Session):
    """Calls from threads wait in a queue, as they wait for the loop; run_calls() runs them."""

    def __init__(self):
        super().__init__()
        self.loop_thread = -1
        self.calls = []

    def call_from_thread(self, fn, *args):
        self.calls.append((fn, args))

    def run_calls(self):
        while self.calls:
            fn, args = self.calls.pop(0)
            fn(*args)


def _body_exchange(expect_continue=False, body_ended=False):
    """An exchange whose request body is still open; the test thread plays the loop and, for
    body reads, a pool thread (the session's loop thread is none)."""
    import contextvars

    from wsging.worker.exchange import Exchange
    from wsging.worker.streams import Stream

    session = _LoopSession()
    exchange = Exchange(session, Stream(1, 1 << 16, 1 << 16, body_ended), expect_continue, 0)
    exchange.context = contextvars.copy_context()
    return session, exchange


def _dispatcher(app, pool):
    loop = asyncio.new_event_loop()
    return dispatch.Dispatcher(app, is_async=False, pool=pool, loop=loop), loop


def test_wait_readable_keeps_the_job_until_a_chunk_arrives():
    session, exchange = _body_exchange()
    woken = []
    assert exchange.wait_readable(lambda: woken.append("chunk"))
    assert woken == []
    exchange.on_data(b"x", False)
    assert woken == ["chunk"]
    exchange.on_data(b"y", False)
    assert woken == ["chunk"]  # once
    assert not exchange.wait_readable(woken.append)  # chunks are here: take a thread now


def test_wait_readable_wakes_the_job_when_the_body_ends_or_the_client_leaves():
    _, ended = _body_exchange()
    woken = []
    assert ended.wait_readable(lambda: woken.append("end"))
    ended.on_data(b"", True)
    assert woken == ["end"]
    assert not ended.wait_readable(woken.append)  # the end is here: a read returns at once
    _, left = _body_exchange()
    assert left.wait_readable(lambda: woken.append("reset"))
    left.on_reset(8)
    assert woken == ["end", "reset"]
    assert not left.wait_readable(woken.append)  # a read raises ClientDisconnected at once


def test_wait_readable_never_waits_for_a_body_that_waits_for_100_continue():
    # The window is 0 until the first read (spec 6.4): no chunk would ever come.
    _, exchange = _body_exchange(expect_continue=True)
    assert not exchange.wait_readable(lambda: None)
    _, complete = _body_exchange(body_ended=True)
    assert not complete.wait_readable(lambda: None)


def test_wait_readable_grants_what_was_read_before_it_waits():
    # A read below the grant batch leaves credit unsent; a job that waited for more without
    # sending it could wait for ever on a front end with no window left.
    session, exchange = _body_exchange()
    exchange.on_data(b"abc", False)
    assert exchange.take() == b"abc"
    assert session.written == []  # 3 bytes: below a quarter window, not granted yet
    assert exchange.wait_readable(lambda: None)
    session.run_calls()
    from wsging.worker import link

    assert session.written == [link.encode_window(1, 3)]


def test_a_sync_app_whose_body_has_not_started_is_called_when_a_chunk_arrives():
    from wsging import Response

    pool = _RecordingPool()
    calls = []

    def app(request):
        calls.append(request.path)
        return Response("ok")

    dispatcher, loop = _dispatcher(app, pool)
    try:
        session, exchange = _body_exchange()
        from types import SimpleNamespace

        dispatcher.start(exchange, SimpleNamespace(_method="POST", method="POST", path="/a"))
        assert pool.jobs == []  # no thread while there is nothing to read
        exchange.on_data(b"a", False)
        assert len(pool.jobs) == 1
        pool.run_next()
        session.run_calls()
        assert calls == ["/a"]
        # A complete body, or one that waits for 100 Continue, is called at once.
        for expect_continue, body_ended in ((False, True), (True, False)):
            _, other = _body_exchange(expect_continue, body_ended)
            dispatcher.start(other, SimpleNamespace(_method="POST", method="POST", path="/b"))
            assert len(pool.jobs) == 1
            pool.run_next()
        assert calls == ["/a", "/b", "/b"]
    finally:
        loop.close()


def test_each_pull_of_a_sync_producer_that_reads_the_body_waits_for_a_chunk_without_a_thread():
    from wsging import Response
    from wsging.worker import link

    pool = _RecordingPool()
    dispatcher, loop = _dispatcher(lambda request: None, pool)
    try:
        session, exchange = _body_exchange()
        pulls = []

        def echo():
            while True:
                chunk = exchange.take()
                pulls.append(chunk)
                if chunk is None:
                    return
                yield chunk

        response = Response(echo())
        exchange.start(response)
        dispatcher._produce_sync(exchange, None, response, None)  # the thread the app ran in
        assert pulls == [] and pool.jobs == []  # nothing to read: the thread went back
        exchange.on_data(b"ab", False)
        pool.run_next()
        session.run_calls()
        assert pulls == [b"ab"] and pool.jobs == []  # echoed, then back to waiting
        exchange.on_data(b"cd", False)
        exchange.on_data(b"", True)
        pool.run_next()
        session.run_calls()
        assert pulls == [b"ab", b"cd", None]
        assert exchange.stopped and pool.jobs == []
        frames = list(link.FrameDecoder().feed(b"".join(session.written)))
        data = b"".join(f.data for f in frames if isinstance(f, link.DataFrame))
        assert data == b"abcd"
    finally:
        loop.close()


def test_a_file_producer_does_not_wait_for_the_request_body(tmp_path):
    from wsging import FileResponse

    pool = _RecordingPool()
    dispatcher, loop = _dispatcher(lambda request: None, pool)
    try:
        path = tmp_path / "f.bin"
        path.write_bytes(b"file bytes")
        session, exchange = _body_exchange()
        response = FileResponse(str(path))
        exchange.start(response)
        dispatcher._produce_sync(exchange, None, response, None)
        session.run_calls()
        assert exchange.stopped and pool.jobs == []  # sent whole, the body never read
    finally:
        loop.close()
