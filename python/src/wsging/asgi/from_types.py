"""The shapes ASGI 3 gives its callables (asgiref's specification: scopes and messages are
dictionaries; `receive` and `send` are coroutine functions)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Coroutine, Dict, MutableMapping

__all__ = ["ASGIApp", "Message", "Receive", "Scope", "Send"]

Scope = Dict[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]
