"""What kind of callable the worker loaded (`--interface`), and the shim that makes it a
WSGI-NG application (spec 15): a PEP 3333 application goes through `from_wsgi`, an ASGI 3
application through `from_asgi`.

The kinds are told apart by how many positional arguments the callable takes: one (`request`),
two (`environ, start_response`) or three (`scope, receive, send`, and a coroutine function).
A callable that could take more than one of these (`*args`, defaults) cannot be told apart and
needs `--interface` spelled out."""

from __future__ import annotations

import inspect
from typing import Any, List, Optional

from .loading import LoadError, is_async_app

__all__ = ["INTERFACES", "adapt", "detect"]

INTERFACES = ("ng", "wsgi", "asgi", "auto")

_ARGUMENTS = {"ng": 1, "wsgi": 2, "asgi": 3}
_SHAPES = {
    "ng": "request",
    "wsgi": "environ, start_response",
    "asgi": "scope, receive, send",
}
_NAMES = {"ng": "a WSGI-NG application", "wsgi": "a WSGI application", "asgi": "an ASGI application"}


def _takes(app: Any, count: int) -> Optional[bool]:
    """Whether `app` can be called with `count` positional arguments; None when its signature
    cannot be read (some builtins and C extensions)."""
    try:
        signature = inspect.signature(app)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*([None] * count))
    except TypeError:
        return False
    return True


def _kinds(app: Any) -> Optional[List[str]]:
    """The kinds `app`'s signature fits, or None when it cannot be read."""
    kinds = []
    for kind, count in _ARGUMENTS.items():
        takes = _takes(app, count)
        if takes is None:
            return None
        # ASGI applications are coroutine functions; a sync three-argument callable is not one.
        if takes and (kind != "asgi" or is_async_app(app)):
            kinds.append(kind)
    return kinds


def detect(app: Any, spec: str) -> str:
    """The one kind `app` fits (--interface auto); LoadError when it fits none or several."""
    if inspect.isclass(app):
        raise LoadError(
            spec,
            f"{spec.partition(':')[2]!r} is a class; --interface auto cannot tell what calling it "
            "makes: pass --interface ng, wsgi or asgi, or name an instance",
        )
    kinds = _kinds(app)
    if kinds is None:
        raise LoadError(spec, "its call signature cannot be read; pass --interface ng, wsgi or asgi")
    if len(kinds) == 1:
        return kinds[0]
    if not kinds:
        raise LoadError(
            spec,
            "it takes none of (request), (environ, start_response) or async (scope, receive, "
            "send), so --interface auto cannot tell what it is",
        )
    raise LoadError(
        spec,
        f"it can be called as {' or as '.join(_NAMES[k] for k in kinds)}; pass --interface "
        + " or ".join(kinds),
    )


def _check(app: Any, interface: str, spec: str) -> None:
    """A callable that cannot be called as `interface` says, at start-up, what it looks like
    instead; otherwise every request would fail the same way (a WSGI application served as
    WSGI-NG answers each with a 500 for its missing `start_response`). Only the number of
    arguments is checked: an explicit `asgi` also takes a plain callable that returns an
    awaitable (some middleware is written so)."""
    if _takes(app, _ARGUMENTS[interface]) is not False:
        return
    kinds = _kinds(app) or []
    hint = f"; serve it with --interface {kinds[0]}" if len(kinds) == 1 else ""
    looks = f", which looks like {_NAMES[kinds[0]]}" if len(kinds) == 1 else ""
    count = _ARGUMENTS[interface]
    raise LoadError(
        spec,
        f"--interface {interface} calls it with {count} argument{'s' if count > 1 else ''} "
        f"({_SHAPES[interface]}) and it does not take "
        f"{'them' if count > 1 else 'that'}{looks}{hint}",
    )


def adapt(app: Any, interface: str, spec: str) -> Any:
    """The WSGI-NG application that serves `app` loaded as `interface`."""
    if interface not in INTERFACES:
        raise LoadError(spec, f"unknown interface {interface!r}; expected one of {', '.join(INTERFACES)}")
    if interface == "auto":
        interface = detect(app, spec)
    else:
        _check(app, interface, spec)
    if interface == "wsgi":
        from ..wsgi import from_wsgi

        return from_wsgi(app)
    if interface == "asgi":
        from ..asgi import from_asgi

        return from_asgi(app)
    return app
