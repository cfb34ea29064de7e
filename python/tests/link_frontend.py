"""A tiny front end for tests: a Unix socket listener speaking the link with wsging's codec."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from wsging.worker import link

SRC = Path(__file__).resolve().parents[1] / "src"


class FrontEnd:
    def __init__(self, timeout=20.0):
        # AF_UNIX paths are short (108 bytes): keep the directory near the root.
        self.dir = tempfile.mkdtemp(prefix="wsg-", dir="/tmp")
        os.chmod(self.dir, 0o700)
        self.path = os.path.join(self.dir, "link.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(1)
        self.listener.settimeout(timeout)
        self.timeout = timeout
        self.sock = None
        self.decoder = link.FrameDecoder()
        self.frames = []
        self.process = None
        self._send_lock = threading.Lock()  # frames from two threads must not interleave

    def start_worker(self, app_dir, app="app:app", threads=4, debug=False, extra_env=None):
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(SRC),
            WSGING_LINK=self.path,
            WSGING_WORKER_ID="7",
            WSGING_APP=app,
            WSGING_APP_DIR=str(app_dir),
            WSGING_THREADS=str(threads),
            WSGING_DEBUG="1" if debug else "0",
        )
        env.update(extra_env or {})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wsging.worker"],
            cwd=str(app_dir),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        return self.process

    def accept(self):
        self.sock, _ = self.listener.accept()
        self.sock.settimeout(self.timeout)

    def send(self, data):
        with self._send_lock:
            self.sock.sendall(data)

    def next_frame(self):
        while not self.frames:
            data = self.sock.recv(1 << 20)
            if not data:
                raise ConnectionError("worker closed the link")
            self.frames += self.decoder.feed(data)
        return self.frames.pop(0)

    def next_on(self, stream, grant=True):
        """The next frame of `stream`; link frames in between are kept for next_link()."""
        skipped = []
        try:
            while True:
                frame = self.next_frame()
                if frame.stream == stream:
                    if grant and isinstance(frame, link.DataFrame) and frame.data and not (
                        frame.flags & link.END_STREAM
                    ):
                        self.send(link.encode_window(stream, len(frame.data)))
                    return frame
                skipped.append(frame)
        finally:
            self.frames[:0] = skipped

    def response(self, stream, grant=True):
        """(status, headers dict, body, ending frame) of a complete response."""
        head = self.next_on(stream, grant)
        while isinstance(head, link.InformationalFrame):
            head = self.next_on(stream, grant)
        assert isinstance(head, link.ResponseFrame), head
        body = []
        last = head
        while not last.flags & link.END_STREAM:
            last = self.next_on(stream, grant)
            if isinstance(last, link.DataFrame):
                body.append(last.data)
            else:
                assert isinstance(last, (link.TrailersFrame, link.ResetFrame)), last
                break
        return head.status, {k.decode(): v.decode() for k, v in head.headers}, b"".join(body), last

    def request(self, stream, method=b"GET", path=b"/", *, end=True, headers=(), flags=0,
                content_length=-1, capabilities=0x03, query=b""):
        frame = link.RequestFrame(
            stream, flags | (link.END_STREAM if end else 0), "1.1", b"http", method, path, query,
            b"127.0.0.1", 40000 + stream, b"127.0.0.1", 8000, content_length, capabilities,
            [(b"Host", b"localhost")] + list(headers),
        )
        self.send(link.encode_request(frame))

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.listener.close()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(self.timeout)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
