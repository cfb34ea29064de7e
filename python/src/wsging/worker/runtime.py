"""The worker process: load the app, enter its lifespan, connect the link, serve, exit.

Exit status: 0 after a graceful shutdown (GOAWAY, then the front end closed the link), 1 when
the link failed, 2 for a bad environment, 3 when the application cannot be loaded (spec A.3).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from .dispatch import Dispatcher, ThreadPool
from .interfaces import INTERFACES, adapt
from .loading import Lifespan, LoadError, is_async_app, load_app
from .session import WorkerSession
from .websocket_host import DEFAULT_SYNC_SESSIONS

__all__ = ["WorkerConfig", "main", "new_event_loop", "serve"]

logger = logging.getLogger("wsging.worker")

EXIT_OK = 0
EXIT_LINK_FAILED = 1
EXIT_BAD_ENVIRONMENT = 2
EXIT_CANNOT_LOAD = 3
ASYNC_MAX_STREAMS = 1024
# How long a worker whose link closed waits for its WebSocket sessions to return (each has
# seen its close, 1006) before it exits, so their cleanup runs.
SESSION_DRAIN_SECONDS = 5.0


@dataclass(frozen=True)
class WorkerConfig:
    """Everything the front end tells a worker, read once from the environment."""

    link: str
    worker_id: int
    app: str
    app_dir: str
    threads: int = 32
    debug: bool = False
    inline_sync: bool = False
    root_path: str = ""
    ws_sync_sessions: int = DEFAULT_SYNC_SESSIONS  # sync WebSocket sessions at once (spec 9.3)
    interface: str = "ng"  # what kind of callable `app` names (--interface)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "WorkerConfig":
        """Raises ValueError naming the variable that is missing or wrong."""

        def number(name: str, default: Optional[int]) -> int:
            text = env.get(name)
            if text is None or text == "":
                if default is None:
                    raise ValueError(f"{name} is not set")
                return default
            try:
                value = int(text)
            except ValueError:
                raise ValueError(f"{name} must be an integer, not {text!r}") from None
            if value < 0 or (name == "WSGING_THREADS" and value < 1):
                raise ValueError(f"{name} is out of range: {value}")
            return value

        link = env.get("WSGING_LINK")
        if not link:
            raise ValueError("WSGING_LINK is not set")
        app = env.get("WSGING_APP")
        if not app:
            raise ValueError("WSGING_APP is not set")
        interface = env.get("WSGING_INTERFACE") or "ng"
        if interface not in INTERFACES:
            raise ValueError(f"WSGING_INTERFACE must be one of {', '.join(INTERFACES)}, not {interface!r}")
        root_path = env.get("WSGING_ROOT_PATH", "")
        if root_path and (root_path[0] != "/" or root_path[-1] == "/"):
            raise ValueError(f"WSGING_ROOT_PATH must start with '/' and not end with it: {root_path!r}")
        return cls(
            link=link,
            worker_id=number("WSGING_WORKER_ID", 0),
            app=app,
            app_dir=env.get("WSGING_APP_DIR") or os.getcwd(),
            threads=number("WSGING_THREADS", 32),
            debug=env.get("WSGING_DEBUG", "") == "1",
            inline_sync=env.get("WSGING_INLINE_SYNC", "") == "1",
            root_path=root_path,
            ws_sync_sessions=number("WSGING_WS_SYNC_SESSIONS", DEFAULT_SYNC_SESSIONS),
            interface=interface,
        )


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when it is installed (faster), the standard loop otherwise."""
    try:
        import uvloop  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


class LineFormatter(logging.Formatter):
    """The server's one line format, which the front end copies to its standard error:
    `wsging: worker N: MESSAGE`, and `wsging: error: worker N: MESSAGE` for errors (a traceback,
    when there is one, follows on the next lines)."""

    def __init__(self, worker_id: int) -> None:
        super().__init__("%(message)s")
        self._line = f"wsging: worker {worker_id}: "
        self._error = f"wsging: error: worker {worker_id}: "

    def format(self, record: logging.LogRecord) -> str:
        prefix = self._error if record.levelno >= logging.ERROR else self._line
        return prefix + super().format(record)


def _configure_logging(worker_id: int) -> None:
    log = logging.getLogger("wsging")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(LineFormatter(worker_id))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


async def serve(app: Any, config: WorkerConfig) -> int:
    """Run the lifespan and one link until it closes; returns the exit status."""
    loop = asyncio.get_running_loop()
    lifespan = Lifespan(app, config.app)
    try:
        await lifespan.startup()
    except LoadError as exc:
        print(f"wsging: {exc}", file=sys.stderr, flush=True)
        return EXIT_CANNOT_LOAD
    is_async = is_async_app(app)
    pool = ThreadPool(config.threads)
    dispatcher = Dispatcher(
        app,
        is_async=is_async,
        pool=pool,
        loop=loop,
        debug=config.debug,
        inline_sync=config.inline_sync,
        ws_sync_sessions=config.ws_sync_sessions,
    )
    # A sync worker's streams are not bounded by its threads either: a producer waiting for a
    # client's credit gives its thread back (dispatch.Dispatcher._produce_sync), and with
    # threads * 2 slots as many clients that read nothing would lock every other request out.
    max_streams = ASYNC_MAX_STREAMS if is_async else max(config.threads * 2, ASYNC_MAX_STREAMS)
    status = EXIT_LINK_FAILED
    try:
        _, session = await loop.create_unix_connection(
            lambda: WorkerSession(
                dispatcher,
                loop=loop,
                worker_id=config.worker_id,
                max_streams=max_streams,
                root_path=config.root_path,
            ),
            config.link,
        )
    except OSError as exc:
        logger.error("cannot connect to the link %s: %s", config.link, exc)
    else:
        if await session.closed:
            status = EXIT_OK
        else:
            logger.error("the link closed unexpectedly; exiting")
    await dispatcher.websockets.drain(SESSION_DRAIN_SECONDS)
    await dispatcher.cancel_all()
    pool.shutdown()
    try:
        await lifespan.shutdown()
    except Exception:
        logger.exception("lifespan shutdown failed")
    return status


def main(env: Optional[Mapping[str, str]] = None) -> int:
    env = os.environ if env is None else env
    try:
        config = WorkerConfig.from_env(env)
    except ValueError as exc:
        print(f"wsging: bad worker environment: {exc}", file=sys.stderr, flush=True)
        return EXIT_BAD_ENVIRONMENT
    # Ctrl-C in a terminal, systemd's KillMode=control-group, `timeout` and `kill -- -PGID`
    # signal the whole process group; the front end owns shutdown and tells this worker through
    # GOAWAY (its requests finish first), so the worker itself ignores SIGINT and SIGTERM. The
    # front end ends a worker that outstays its shutdown with SIGKILL.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        app = adapt(load_app(config.app, config.app_dir), config.interface, config.app)
    except LoadError as exc:
        print(f"wsging: {exc}", file=sys.stderr, flush=True)
        return EXIT_CANNOT_LOAD
    _configure_logging(config.worker_id)
    loop = new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(serve(app, config))
    finally:
        loop.close()
