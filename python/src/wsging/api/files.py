"""`file_response(request, path)`: a file served as clients expect of a static file server,
with validators, conditional requests and single byte ranges (spec 7.1; RFC 9110 sections 8.8,
13 and 14).

The decisions are made by `select`, a pure function of the request's method and fields and the
file's validators, so they are tested without files or servers; `file_response` opens the file,
asks `select`, and builds the response: 200 with the whole file, 206 with one range, 304, 412 or
416. The body is a FileResponse slice, so a host that sends files by itself (zero copy) sends
the range the same way.
"""

from __future__ import annotations

import time
from email.utils import formatdate, mktime_tz, parsedate_tz
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple

from .headers import HeadersInput, MutableHeaders
from .request import Request
from .response import FileResponse, Response  # first: it imports .file_response when complete
from .file_response import PathInput, open_regular

__all__ = ["file_response", "select", "Selection", "parse_entity_tags", "parse_range"]

# RFC 9110 section 15.4.5: the fields a 304 carries from the 200 it stands for.
_NOT_MODIFIED_FIELDS = (
    "cache-control",
    "content-location",
    "date",
    "etag",
    "expires",
    "last-modified",
    "vary",
)
# Fields this module computes; an application's own are dropped rather than contradicted.
_OWN_FIELDS = ("content-length", "content-range", "accept-ranges")
_HUGE = 1 << 63  # a byte position with more digits than any file can have


class Selection(NamedTuple):
    """What to answer: `status` 200 (the whole file), 206 (`offset`, `length`), 304, 412 or 416."""

    status: int
    offset: int = 0
    length: int = 0


# `select`'s view of the request's fields: name -> every value of that field.
FieldsGetter = Callable[[str], List[str]]


def file_response(
    request: Request,
    path: PathInput,
    headers: Optional[HeadersInput] = None,
    *,
    content_type: Optional[str] = None,
) -> Response:
    """The response to `request` for the file at `path` (opened here: a missing file raises
    FileNotFoundError in the caller).

    200, 206 and 304 carry `ETag` (strong, from the file's size and modification time) and
    `Last-Modified`; an `etag` or `last-modified` in `headers` is used instead of the computed
    one (a content hash, say). `headers` may add other fields (`cache-control`,
    `content-disposition`, ...); `content-type` is chosen as by FileResponse. Preconditions
    are evaluated in the order of RFC 9110 section 13.2.2: `If-Match`, `If-Unmodified-Since`
    (412), `If-None-Match`, `If-Modified-Since` (304). A GET with a single byte `Range` gets
    206 with `Content-Range`, or 416 when it cannot be satisfied; `If-Range` that does not
    match turns it back into 200. A `Range` of several ranges is answered with the whole file
    (200), which RFC 9110 section 14.2 allows."""
    file, info = open_regular(path)
    try:
        hdrs = MutableHeaders(headers) if type(headers) is not MutableHeaders else headers
        for name in _OWN_FIELDS:
            if name in hdrs:
                del hdrs[name]
        size = info.st_size
        etag = hdrs.get("etag")
        if etag is None:
            etag = '"%x-%x"' % (size, info.st_mtime_ns)
            hdrs.add("etag", etag)
        else:
            tags = parse_entity_tags(etag)
            if len(tags) != 1 or tags[0][1] == "*":
                raise ValueError(f"etag {etag!r} is not one entity-tag (RFC 9110 section 8.8.3)")
        modified = hdrs.get("last-modified")
        if modified is None:
            last_modified: Optional[int] = int(info.st_mtime)
            hdrs.add("last-modified", formatdate(last_modified, usegmt=True))
        else:
            last_modified = _date(modified)
        choice = select(request.method, request.headers.get_all, etag, last_modified, size)
        status = choice.status
        if status == 200 or status == 206:
            hdrs.add("accept-ranges", "bytes")
            if status == 206:
                last = choice.offset + choice.length - 1
                hdrs.add("content-range", "bytes %d-%d/%d" % (choice.offset, last, size))
            return FileResponse._of_open_file(
                path,
                file,
                info,
                status,
                hdrs,
                content_type,
                choice.offset,
                choice.length if status == 206 else None,
            )
        file.close()
        if status == 304:
            kept = [(n, v) for n, v in hdrs.raw if n.lower().decode("latin-1") in _NOT_MODIFIED_FIELDS]
            return Response(b"", 304, kept)
        if status == 416:
            # RFC 9110 section 15.5.17: the current length, so the client can ask again.
            return Response(
                b"", 416, [("content-range", "bytes */%d" % size), ("accept-ranges", "bytes")]
            )
        return Response(b"", status)
    except BaseException:
        file.close()
        raise


def select(
    method: str,
    fields: FieldsGetter,
    etag: str,
    last_modified: Optional[int],
    size: int,
    now: Optional[float] = None,
) -> Selection:
    """The answer to a request for a file of `size` bytes with validators `etag` (an
    entity-tag as sent) and `last_modified` (seconds, or None when it has none). `fields(name)`
    gives every value of a request field, as Headers.get_all does."""
    current = parse_entity_tags(etag)[0]
    get_or_head = method == "GET" or method == "HEAD"
    # RFC 9110 section 13.2.2, steps 1 to 4.
    if_match = fields("if-match")
    if if_match:
        if not _any_match(if_match, current, strong=True):
            return Selection(412)
    else:
        since = _single_date(fields("if-unmodified-since"))
        if since is not None and (last_modified is None or last_modified > since):
            return Selection(412)
    if_none_match = fields("if-none-match")
    if if_none_match:
        if _any_match(if_none_match, current, strong=False):
            return Selection(304 if get_or_head else 412)
    elif get_or_head and last_modified is not None:
        since = _single_date(fields("if-modified-since"))
        # Section 13.1.3: a date later than the server's clock is invalid.
        if since is not None and since <= _now(now) and last_modified <= since:
            return Selection(304)
    # Step 5 and section 14.2: ranges are defined for GET only.
    ranges = fields("range")
    if method != "GET" or len(ranges) != 1:
        return Selection(200)
    if_range = fields("if-range")
    if if_range and not _if_range_holds(if_range, current, last_modified, now):
        return Selection(200)
    found = parse_range(ranges[0], size)
    return Selection(200) if found is None else found


def parse_entity_tags(value: str) -> List[Tuple[bool, str]]:
    """The entity-tags of a field value as (weak, opaque-tag) pairs, in order, the opaque-tag
    with its quotes; `*` is returned as (False, "*"), which no opaque-tag can be. Empty when the
    value is not a list of entity-tags (RFC 9110 section 8.8.3: entity-tag = [ "W/" ] DQUOTE
    *etagc DQUOTE, where etagc may be a comma)."""
    tags: List[Tuple[bool, str]] = []
    i, n = 0, len(value)
    while i < n:
        c = value[i]
        if c in " \t,":
            i += 1
            continue
        if c == "*" and not tags:
            rest = value[i + 1 :].strip(" \t,")
            return [(False, "*")] if not rest else []
        weak = value.startswith("W/", i)
        if weak:
            i += 2
        if i >= n or value[i] != '"':
            return []
        end = value.find('"', i + 1)
        if end < 0:
            return []
        tags.append((weak, value[i : end + 1]))
        i = end + 1
        if i < n and value[i] not in " \t,":
            return []
    return tags


def parse_range(value: str, size: int) -> Optional[Selection]:
    """What a `Range` value asks of a file of `size` bytes: 206 with the offset and length of
    one satisfiable byte range, 416, or None when the field is to be ignored (another unit, bad
    syntax, several ranges). RFC 9110 sections 14.1.1 and 14.1.2."""
    unit, equals, ranges = value.partition("=")
    if not equals or unit.strip(" \t").lower() != "bytes":
        return None
    specs = [spec.strip(" \t") for spec in ranges.split(",")]
    specs = [spec for spec in specs if spec]  # a list may have empty elements (section 5.6.1)
    if len(specs) != 1:
        return None
    first_text, dash, last_text = specs[0].partition("-")
    if not dash:
        return None
    if not first_text:
        suffix = _digits(last_text)
        if suffix is None:
            return None
        if suffix == 0:
            return Selection(416)
        if size == 0:
            # Satisfiable, yet no range of an empty file can be written in Content-Range:
            # the whole (empty) file is the answer.
            return None
        start = max(0, size - suffix)
        return Selection(206, start, size - start)
    first = _digits(first_text)
    last = _digits(last_text) if last_text else _HUGE
    if first is None or last is None or last < first:
        return None
    if first >= size:
        return Selection(416)
    return Selection(206, first, min(last, size - 1) - first + 1)


def _digits(text: str) -> Optional[int]:
    if not text or not (text.isascii() and text.isdigit()):
        return None
    # int() refuses strings of thousands of digits; any position that long is past every file.
    return int(text) if len(text) < 19 else _HUGE


def _any_match(values: Sequence[str], current: Tuple[bool, str], strong: bool) -> bool:
    """RFC 9110 section 8.8.3.2: strong comparison needs both tags strong; weak ignores W/."""
    for value in values:
        for weak, tag in parse_entity_tags(value):
            if tag == "*":
                return True
            if tag == current[1] and not (strong and (weak or current[0])):
                return True
    return False


def _if_range_holds(
    values: Sequence[str], current: Tuple[bool, str], last_modified: Optional[int], now: Optional[float]
) -> bool:
    """RFC 9110 section 13.1.5: an entity-tag matches by strong comparison; a date matches only
    when it equals Last-Modified and that is a strong validator, which a modification time is
    once it is a second old (section 8.8.2.2)."""
    if len(values) != 1:
        return False
    value = values[0].strip(" \t")
    if value.startswith('"') or value.startswith("W/"):
        tags = parse_entity_tags(value)
        return len(tags) == 1 and tags[0][1] != "*" and _any_match([value], current, strong=True)
    date = _date(value)
    return (
        date is not None
        and last_modified is not None
        and date == last_modified
        and last_modified + 1 <= _now(now)
    )


def _single_date(values: Sequence[str]) -> Optional[int]:
    return _date(values[0]) if len(values) == 1 else None


def _date(value: str) -> Optional[int]:
    """An HTTP-date (IMF-fixdate, RFC 850 or asctime, section 5.6.7) in seconds, or None."""
    try:
        parts = parsedate_tz(value)
        return None if parts is None else mktime_tz(parts)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _now(now: Optional[float]) -> float:
    return time.time() if now is None else now

