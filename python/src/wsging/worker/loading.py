"""Finding the application ("module:attr" in an app directory) and running its lifespan."""

from __future__ import annotations

import importlib
import inspect
import sys
from typing import Any, Optional

__all__ = ["LoadError", "load_app", "is_async_app", "Lifespan"]


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
        raise LoadError(spec, _describe(exc)) from exc
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


def is_async_app(app: Any) -> bool:
    """An app is async when it, or its __call__, is a coroutine function (the API's rule)."""
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(
        getattr(app, "__call__", None)
    )


class Lifespan:
    """The app's optional `lifespan`: a callable returning a sync or async context manager,
    entered before serving and exited at shutdown, on the serving loop."""

    def __init__(self, app: Any, spec: str = "app") -> None:
        self._factory = getattr(app, "lifespan", None)
        self._spec = spec
        self._manager: Any = None
        self._is_async = False

    async def startup(self) -> None:
        """Enter the context manager; LoadError when it fails (the worker cannot start)."""
        if self._factory is None:
            return
        try:
            manager = self._factory()
            if hasattr(manager, "__aenter__"):
                self._is_async = True
                await manager.__aenter__()
            elif hasattr(manager, "__enter__"):
                manager.__enter__()
            else:
                raise TypeError(
                    f"lifespan() returned {type(manager).__name__}, not a context manager"
                )
        except Exception as exc:
            raise LoadError(self._spec, f"lifespan startup failed: {_describe(exc)}") from exc
        self._manager = manager

    async def shutdown(self) -> None:
        """Exit the context manager (errors are raised to the caller, which logs them)."""
        manager, self._manager = self._manager, None
        if manager is None:
            return
        if self._is_async:
            await manager.__aexit__(None, None, None)
        else:
            manager.__exit__(None, None, None)
