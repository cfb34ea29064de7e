"""A front end for WebSocket tests at the link level: a real WorkerSession on a private loop,
fed frames encoded by the link codec, its output decoded by it (spec A.2 *WebSocket*)."""

import asyncio
import time

from wsging.testing.memory_link import MemoryTransport
from wsging.worker import link
from wsging.worker.dispatch import Dispatcher, ThreadPool
from wsging.worker.loading import is_async_app
from wsging.worker.session import WorkerSession

OFFER_FIELDS = [
    (b"Host", b"example.com"),
    (b"Upgrade", b"websocket"),
    (b"Connection", b"Upgrade"),
    (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    (b"Sec-WebSocket-Version", b"13"),
]
WEBSOCKET_BIT = 0x08


class WsLink:
    """The worker's side runs for real; the test plays the front end, frame by frame."""

    def __init__(
        self,
        app,
        *,
        peer_window=65536,
        peer_max_frame=65536,
        initial_window=65536,
        max_frame=65536,
        ws_sync_sessions=256,
        close_timeout=5.0,
    ):
        self.loop = asyncio.new_event_loop()
        self.pool = ThreadPool(4)
        self.dispatcher = Dispatcher(
            app,
            is_async=is_async_app(app),
            pool=self.pool,
            loop=self.loop,
            ws_sync_sessions=ws_sync_sessions,
        )
        self.dispatcher.websockets.close_timeout = close_timeout
        self.session = WorkerSession(
            self.dispatcher,
            loop=self.loop,
            worker_id=1,
            max_streams=16,
            initial_window=initial_window,
            max_frame=max_frame,
            shared_bodies=False,
        )
        self.out = []
        self.decoder = link.FrameDecoder()
        self.received = []
        self.transport = MemoryTransport(self.loop, self.session, self.out.append)
        self.session.connection_made(self.transport)
        self.hello = self.take(link.HelloFrame)
        self.send(
            link.encode_hello(
                (
                    (link.SETTING_INITIAL_WINDOW, peer_window),
                    (link.SETTING_MAX_FRAME, peer_max_frame),
                )
            )
        )

    # -- front end -> worker ---------------------------------------------------------------

    def send(self, *chunks):
        async def feed():  # a real transport calls data_received from the running loop
            for chunk in chunks:
                self.session.data_received(chunk)

        self.loop.run_until_complete(feed())

    def request(self, stream, *, flags=link.END_STREAM, headers=(), capabilities=WEBSOCKET_BIT,
                http_version="1.1", method=b"GET", path=b"/ws"):
        frame = link.RequestFrame(
            stream, flags, http_version, b"http", method, path, b"", b"127.0.0.1", 40000, b"127.0.0.1",
            8000, 0, capabilities, list(headers),
        )
        self.send(link.encode_request(frame))

    def offer(self, stream, *, fields=(), **kwargs):
        """A REQUEST flagged WEBSOCKET, as the front end sends a valid offer (A.2)."""
        self.request(
            stream, flags=link.END_STREAM | link.WEBSOCKET, headers=OFFER_FIELDS + list(fields),
            **kwargs,
        )

    def open(self, stream, extensions=""):
        """Offer, expect WS_ACCEPT, answer WS_OPEN: the session starts."""
        self.offer(stream)
        accept = self.take(link.WsAcceptFrame, stream)
        self.send(link.encode_ws_open(stream, extensions))
        return accept

    def message(self, stream, data, flags=0):
        self.send(link.encode_ws_message(stream, data, flags))

    def text(self, stream, text):
        self.message(stream, text.encode("utf-8"), link.WS_TEXT)

    def close_from_client(self, stream, code=1000, reason=""):
        self.send(link.encode_ws_close(stream, code, reason))

    # -- worker -> front end ---------------------------------------------------------------

    def _pump(self, seconds):
        self.loop.run_until_complete(asyncio.sleep(seconds))
        data = b"".join(self.out)
        self.out.clear()
        self.received += self.decoder.feed(data)

    def take(self, cls, stream=None, timeout=5.0):
        """The first frame of type `cls` (on `stream`) the worker wrote, waiting for it; frames
        of other kinds stay for later."""
        deadline = time.monotonic() + timeout
        while True:
            for i, frame in enumerate(self.received):
                if isinstance(frame, cls) and (stream is None or frame.stream == stream):
                    return self.received.pop(i)
            if time.monotonic() > deadline:
                raise AssertionError(f"no {cls.__name__} on {stream}; got {self.received}")
            self._pump(0.002)

    def drain(self, seconds=0.05):
        """Everything the worker writes within `seconds`, taken."""
        self._pump(seconds)
        frames, self.received = self.received, []
        return frames

    def until(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("condition not reached")
            self._pump(0.002)

    def close(self):
        if not self.transport.is_closing():
            self.transport.close()  # the link goes: open sessions see 1006 and end
            self._pump(0.01)
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        if tasks:
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.pool.shutdown()
        self.loop.close()


def of(frames, cls):
    return [frame for frame in frames if isinstance(frame, cls)]
