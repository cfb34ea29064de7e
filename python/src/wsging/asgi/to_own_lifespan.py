"""The lifespan `to_asgi` enters on its own when the host runs no lifespan protocol (daphne,
`uvicorn --lifespan off`): spec 11.4 asks for the context to be entered before the first
request, whatever the host does.

The first http or websocket scope of a process that has seen no lifespan scope enters it,
once; requests that arrive meanwhile wait for it, and none is served when entering failed
(MUST-LIFE-2: the host cannot be stopped from here, so each request is answered 500). The
exit happens when the process ends: a sync context in the thread that entered it, from an
`atexit` handler; an async one in the task that entered it, when the host's loop cancels its
tasks on the way out (`asyncio.run`) or, when the host only stopped its loop (daphne's
Twisted reactor), from an `atexit` handler that runs the loop until the exit is done. A loop
already closed without cancelling the task leaves an async context unexited (logged).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import threading
from typing import Any, Callable, Optional

from ..worker.loading import find_lifespan

__all__ = ["OwnLifespan", "EXIT_TIMEOUT"]

logger = logging.getLogger("wsging.asgi")

EXIT_TIMEOUT = 30.0  # seconds the process waits at its end for the context to exit


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class OwnLifespan:
    """One per `to_asgi` application. `host_runs_it()` when a lifespan scope arrives;
    `await ready()` before serving a request: False when the lifespan could not be entered."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._host_runs = False
        self._entered: Optional[bool] = None  # None until an entry by to_asgi has ended
        self._entry: "Optional[asyncio.Task[bool]]" = None
        self._exit: Optional[Callable[[], None]] = None  # run at process exit
        self.failure: Optional[str] = None  # why entering failed

    @property
    def entered_itself(self) -> bool:
        return self._entry is not None

    def host_runs_it(self) -> None:
        self._host_runs = True

    async def ready(self) -> bool:
        if self._host_runs or self._entered:
            return True
        if self._entered is False:
            return False
        if self._entry is None:
            # A task of its own: a first request cancelled by its client leaving does not
            # cancel the entry the others wait for.
            self._entry = asyncio.get_running_loop().create_task(self._enter())
        return await asyncio.shield(self._entry)

    async def _enter(self) -> bool:
        factory = find_lifespan(self._app)
        if factory is None:
            self._entered = True
            return True
        try:
            # Called on the loop (MUST-LIFE-4), as the reference worker calls it.
            manager = factory()
            if hasattr(manager, "__aenter__"):
                await self._enter_async(manager)
            elif hasattr(manager, "__enter__"):
                await self._enter_sync(manager)
            else:
                raise TypeError(f"lifespan() returned {type(manager).__name__}, not a context manager")
        except Exception as exc:
            self.failure = f"lifespan startup failed: {_describe(exc)}"
            logger.error("the host ran no lifespan protocol and entering the lifespan failed: "
                         "no request is served (spec 11.4)", exc_info=exc)
            self._entered = False
            return False
        atexit.register(self._exit_at_process_end)
        self._entered = True
        return True

    async def _enter_async(self, manager: Any) -> None:
        """The context lives in a task of its own, entered and exited there (a cancel scope
        opened in `__aenter__` must be closed by the same task)."""
        loop = asyncio.get_running_loop()
        entered: "asyncio.Future[None]" = loop.create_future()
        stop = asyncio.Event()
        task = loop.create_task(_hold_async(manager, entered, stop))
        await entered

        def leave() -> None:
            if task.done():
                return
            if loop.is_closed():
                logger.warning("the application's async lifespan was not exited: its event "
                               "loop was closed before the process ended")
                return
            if loop.is_running():
                logger.warning("the application's async lifespan was not exited: its event "
                               "loop still runs in another thread")
                return
            stop.set()
            try:
                loop.run_until_complete(asyncio.wait_for(task, EXIT_TIMEOUT))
            except Exception as exc:
                logger.error("error leaving the lifespan", exc_info=exc)

        self._exit = leave

    async def _enter_sync(self, manager: Any) -> None:
        """One thread enters, waits and exits (MUST-LIFE-4): the pools of the host and of
        `concurrent.futures` are shut down before `atexit` handlers run, this thread is not."""
        entered: "concurrent.futures.Future[None]" = concurrent.futures.Future()
        stop = threading.Event()
        thread = threading.Thread(target=_hold_sync, args=(manager, entered, stop),
                                  name="wsging-lifespan", daemon=True)
        thread.start()
        await asyncio.wrap_future(entered)

        def leave() -> None:
            stop.set()
            thread.join(EXIT_TIMEOUT)
            if thread.is_alive():
                logger.warning("the application's lifespan did not exit within %.0f s", EXIT_TIMEOUT)

        self._exit = leave

    def _exit_at_process_end(self) -> None:
        leave, self._exit = self._exit, None
        if leave is not None:
            leave()


async def _hold_async(manager: Any, entered: "asyncio.Future[None]", stop: asyncio.Event) -> None:
    try:
        await manager.__aenter__()
    except asyncio.CancelledError:
        entered.cancel()
        raise
    except BaseException as exc:  # noqa: B902 - handed to the request that waits for it
        entered.set_exception(exc)
        return
    entered.set_result(None)
    try:
        await stop.wait()
    finally:
        # Also when the host's loop cancels this task as it ends (asyncio.run): the exit runs.
        try:
            await manager.__aexit__(None, None, None)
        except Exception as exc:
            logger.error("error leaving the lifespan", exc_info=exc)


def _hold_sync(manager: Any, entered: "concurrent.futures.Future[None]", stop: threading.Event) -> None:
    try:
        manager.__enter__()
    except BaseException as exc:  # noqa: B902 - handed to the request that waits for it
        entered.set_exception(exc)
        return
    entered.set_result(None)
    stop.wait()
    try:
        manager.__exit__(None, None, None)
    except Exception as exc:
        logger.error("error leaving the lifespan", exc_info=exc)
