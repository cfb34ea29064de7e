"""`request.priority`: the client's Extensible Priorities signal (RFC 9218), parsed.

The `priority` field (and HTTP/2's PRIORITY_UPDATE frame) holds a Structured Field Dictionary
(RFC 8941 §3.2) with two parameters that matter here: `u` (urgency, an Integer 0..7, default 3)
and `i` (incremental, a Boolean, default false). RFC 9218 §4 and §5 say what to ignore: a field
that is not a valid Dictionary is ignored whole; a member of the wrong type or range is ignored
alone (its default stands); unknown members are ignored. When a key repeats, the last one wins
(RFC 8941 §3.2).
"""

from __future__ import annotations

from typing import Dict, Iterable, NamedTuple, Optional, Tuple, Union

__all__ = ["Priority", "parse_priority", "DEFAULT_PRIORITY"]


class Priority(NamedTuple):
    """Urgency 0 (most urgent) .. 7 (least), and whether the response may be sent interleaved
    with others of the same urgency (RFC 9218 §4.1, §4.2). Immutable."""

    urgency: int = 3
    incremental: bool = False


DEFAULT_PRIORITY = Priority()

_LCALPHA = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_KEY_FIRST = frozenset(_LCALPHA + "*")
_KEY_REST = frozenset(_LCALPHA + _DIGITS + "_-.*")
_TOKEN_FIRST = frozenset(_LCALPHA + _LCALPHA.upper() + "*")
_TOKEN_REST = frozenset(_LCALPHA + _LCALPHA.upper() + _DIGITS + ":/!#$%&'*+-.^_`|~")
_BASE64 = frozenset(_LCALPHA + _LCALPHA.upper() + _DIGITS + "+/=")

# A parsed bare item: what the two members of interest need from it (type, value).
_Item = Tuple[str, object]


class _Invalid(Exception):
    """The field is not a valid Structured Field Dictionary: RFC 9218 ignores all of it."""


class _Parser:
    """RFC 8941 §4.2, for a Dictionary: each step consumes input or raises _Invalid."""

    __slots__ = ("text", "pos")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip(self, chars: str) -> None:
        while self.peek() != "" and self.peek() in chars:
            self.pos += 1

    def dictionary(self) -> Dict[str, _Item]:
        members: Dict[str, _Item] = {}
        self.skip(" ")
        if self.peek() == "":
            return members  # an empty field is an empty Dictionary
        while True:
            key = self.key()
            if self.peek() == "=":
                self.pos += 1
                if self.peek() == "(":
                    self.inner_list()
                    value: _Item = ("inner-list", None)
                else:
                    value = self.bare_item()
            else:
                value = ("boolean", True)
            self.parameters()
            members.pop(key, None)  # the last of a repeated key wins, in its position
            members[key] = value
            self.skip(" \t")
            if self.peek() == "":
                return members
            if self.peek() != ",":
                raise _Invalid()
            self.pos += 1
            self.skip(" \t")
            if self.peek() == "":
                raise _Invalid()  # a trailing comma

    def key(self) -> str:
        start = self.pos
        if self.peek() == "" or self.peek() not in _KEY_FIRST:
            raise _Invalid()
        self.pos += 1
        while self.peek() != "" and self.peek() in _KEY_REST:
            self.pos += 1
        return self.text[start : self.pos]

    def parameters(self) -> None:
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            self.key()
            if self.peek() == "=":
                self.pos += 1
                self.bare_item()

    def inner_list(self) -> None:
        self.pos += 1  # "("
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return
            self.bare_item()
            self.parameters()
            if self.peek() not in (" ", ")"):
                raise _Invalid()

    def bare_item(self) -> _Item:
        c = self.peek()
        if c == "-" or (c != "" and c in _DIGITS):
            return self.number()
        if c == '"':
            return self.string()
        if c == ":":
            return self.byte_sequence()
        if c == "?":
            return self.boolean()
        if c != "" and c in _TOKEN_FIRST:
            start = self.pos
            while self.peek() != "" and self.peek() in _TOKEN_REST:
                self.pos += 1
            return ("token", self.text[start : self.pos])
        raise _Invalid()

    def number(self) -> _Item:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        digits_start = self.pos
        while self.peek() != "" and self.peek() in _DIGITS:
            self.pos += 1
        integer_digits = self.pos - digits_start
        if integer_digits == 0:
            raise _Invalid()
        if self.peek() != ".":
            if integer_digits > 15:
                raise _Invalid()
            return ("integer", int(self.text[start : self.pos]))
        if integer_digits > 12:
            raise _Invalid()
        self.pos += 1
        fraction_start = self.pos
        while self.peek() != "" and self.peek() in _DIGITS:
            self.pos += 1
        if not 1 <= self.pos - fraction_start <= 3:
            raise _Invalid()
        return ("decimal", float(self.text[start : self.pos]))

    def string(self) -> _Item:
        self.pos += 1
        out = []
        while True:
            c = self.peek()
            if c == "":
                raise _Invalid()
            self.pos += 1
            if c == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\") or escaped == "":
                    raise _Invalid()
                self.pos += 1
                out.append(escaped)
            elif c == '"':
                return ("string", "".join(out))
            elif not " " <= c <= "~":
                raise _Invalid()
            else:
                out.append(c)

    def byte_sequence(self) -> _Item:
        self.pos += 1
        end = self.text.find(":", self.pos)
        if end < 0 or not set(self.text[self.pos : end]) <= _BASE64:
            raise _Invalid()
        self.pos = end + 1
        return ("bytes", None)

    def boolean(self) -> _Item:
        self.pos += 1
        c = self.peek()
        if c not in ("0", "1") or c == "":
            raise _Invalid()
        self.pos += 1
        return ("boolean", c == "1")


def parse_priority(field: Union[str, bytes, Iterable[Union[str, bytes]], None]) -> Priority:
    """The priority a `priority` field value (or its field lines, joined with commas as
    RFC 9110 §5.3 allows) signals; the defaults for what RFC 9218 says to ignore."""
    if field is None:
        return DEFAULT_PRIORITY
    if isinstance(field, (str, bytes)):
        lines = [field]
    else:
        lines = list(field)
        if not lines:
            return DEFAULT_PRIORITY
    text = ", ".join(
        line.decode("latin-1") if isinstance(line, bytes) else line for line in lines
    )
    try:
        members = _Parser(text.strip(" \t")).dictionary()
    except _Invalid:
        return DEFAULT_PRIORITY
    urgency = DEFAULT_PRIORITY.urgency
    incremental = DEFAULT_PRIORITY.incremental
    u: Optional[_Item] = members.get("u")
    if u is not None and u[0] == "integer" and 0 <= u[1] <= 7:  # type: ignore[operator]
        urgency = int(u[1])  # type: ignore[call-overload]
    i: Optional[_Item] = members.get("i")
    if i is not None and i[0] == "boolean":
        incremental = bool(i[1])
    if urgency == 3 and not incremental:
        return DEFAULT_PRIORITY
    return Priority(urgency, incremental)
