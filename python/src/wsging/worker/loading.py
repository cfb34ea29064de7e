"""Finding the application ("module:attr" in an app directory) and running its lifespan."""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import os
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional

__all__ = ["LoadError", "load_app", "is_async_app", "find_lifespan", "Lifespan"]


class LoadError(Exception):
    """The application cannot be loaded; `str()` is the one-line reason (spec A.3)."""

    def __init__(self, spec: str, reason: str) -> None:
        # One line, whatever the exception said.
        reason = " ".join(reason.split()) or "unknown error"
        super().__init__(f"cannot load app {spec!r}: {reason}")
        self.spec = spec
        self.reason = reason


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ModuleNotFoundError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _missing_package_hint(exc: BaseException, module_name: str, app_dir: Optional[str]) -> str:
    """For a package the application imports but the worker's interpreter lacks (its framework,
    most often): which interpreter the workers run, and the option that points them at the
    project's own virtualenv. A module of the project itself (in the app directory) that is
    missing (the application's own module among them) is a different mistake: no hint."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return ""
    top = exc.name.split(".")[0]
    if top == module_name.split(".")[0]:
        return ""
    base = os.path.join(app_dir or os.getcwd(), top)
    if os.path.exists(base) or os.path.exists(base + ".py"):
        return ""
    return (
        f" (the workers run {sys.executable}, which cannot import it: pass the interpreter of "
        f"the virtualenv your project uses with --python, such as --python {_project_python(app_dir)})"
    )


def _project_python(app_dir: Optional[str]) -> str:
    """The interpreter of a virtualenv in the app directory (`.venv` or `venv`) when there is
    one, else the usual place of one."""
    for name in (".venv", "venv"):
        candidate = os.path.join(app_dir or os.getcwd(), name, "bin", "python")
        if os.path.exists(candidate):
            return candidate
    return "venv/bin/python"


def load_app(spec: str, app_dir: Optional[str] = None) -> Any:
    """Import MODULE and return its ATTR (dotted attributes allowed), which must be callable."""
    module_name, sep, attr_path = spec.partition(":")
    if not sep or not module_name.strip() or not attr_path.strip():
        raise LoadError(spec, "expected MODULE:ATTR, for example 'hello:app'")
    if app_dir is not None and app_dir not in sys.path:
        sys.path.insert(0, app_dir)
    try:
        obj: Any = importlib.import_module(module_name)
    except BaseException as exc:  # SystemExit in module code is a load failure too
        raise LoadError(spec, _describe(exc) + _missing_package_hint(exc, module_name, app_dir)) from exc
    for name in attr_path.split("."):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            raise LoadError(
                spec, f"module {module_name!r} has no attribute {attr_path!r}"
            ) from None
    if not callable(obj):
        raise LoadError(spec, f"{attr_path!r} is not callable (it is {type(obj).__name__})")
    return obj


# Links of __wrapped__/partial followed at most: a cycle or an absurd chain ends the search.
_MAX_WRAPPERS = 100


def _unwrap_function(obj: Any) -> Any:
    """What a plain function made by functools.wraps (or a functools.partial) stands for.

    Only functions and partials are looked through: an object with a `__call__` of its own
    decides its kind by that method, even when it records what it wraps (asgiref's
    `async_to_sync` does, and must be called off the loop)."""
    for _ in range(_MAX_WRAPPERS):
        if isinstance(obj, functools.partial):
            obj = obj.func
        elif isinstance(obj, types.FunctionType) and hasattr(obj, "__wrapped__"):
            obj = obj.__wrapped__
        else:
            break
    return obj


def is_async_app(app: Any) -> bool:
    """An app is async when it, or its __call__, is a coroutine function (spec 4.1), looking
    through functools.partial and the `__wrapped__` of functools.wraps on plain functions: a
    sync `def` wrapper made with functools.wraps around an `async def` app returns its
    coroutine, so it is called on the loop like the function it wraps."""
    if inspect.iscoroutinefunction(app):
        return True
    if inspect.iscoroutinefunction(getattr(app, "__call__", None)):
        return True
    inner = _unwrap_function(app)
    return inner is not app and inspect.iscoroutinefunction(inner)


def find_lifespan(app: Any) -> Any:
    """The `lifespan` the host enters for `app` (spec 11.4): the app's own attribute, else the
    first found along the chain of `__wrapped__` attributes middleware layers leave (set by
    functools.wraps, or by a class layer as `self.__wrapped__ = inner`); None when none has one.
    A layer with a lifespan of its own is found first and enters the inner one itself."""
    obj = app
    for _ in range(_MAX_WRAPPERS):
        lifespan = getattr(obj, "lifespan", None)
        if lifespan is not None:
            return lifespan
        inner = getattr(obj, "__wrapped__", None)
        if inner is None or inner is obj:
            return None
        obj = inner
    return None


class Lifespan:
    """The app's optional `lifespan` (found by `find_lifespan`): a callable returning a sync or
    async context manager, entered before serving and exited at shutdown. An async one is
    entered and exited on the serving loop; a sync one on one thread of its own, off the loop,
    so sync code in it (Django's ORM) does not see a running loop and finds at exit the
    thread-local state it made at entry."""

    def __init__(self, app: Any, spec: str = "app") -> None:
        self._factory = find_lifespan(app)
        self._spec = spec
        self._manager: Any = None
        self._is_async = False
        self._thread: Optional[ThreadPoolExecutor] = None

    async def _off_loop(self, fn: Callable[[], Any]) -> Any:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="wsging-lifespan")
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn)

    def _stop_thread(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.shutdown(wait=False)

    async def startup(self) -> None:
        """Enter the context manager; LoadError when it fails (the worker cannot start)."""
        if self._factory is None:
            return
        try:
            # Called here, on the loop: an async manager may need the running loop when it is
            # made, and a contextmanager function runs none of its body until __enter__.
            manager = self._factory()
            if hasattr(manager, "__aenter__"):
                self._is_async = True
                await manager.__aenter__()
            elif hasattr(manager, "__enter__"):
                await self._off_loop(manager.__enter__)
            else:
                raise TypeError(
                    f"lifespan() returned {type(manager).__name__}, not a context manager"
                )
        except Exception as exc:
            self._stop_thread()
            raise LoadError(self._spec, f"lifespan startup failed: {_describe(exc)}") from exc
        if self._is_async:
            self._stop_thread()
        self._manager = manager

    async def shutdown(self) -> None:
        """Exit the context manager (errors are raised to the caller, which logs them)."""
        manager, self._manager = self._manager, None
        if manager is None:
            return
        try:
            if self._is_async:
                await manager.__aexit__(None, None, None)
            else:
                await self._off_loop(lambda: manager.__exit__(None, None, None))
        finally:
            self._stop_thread()

