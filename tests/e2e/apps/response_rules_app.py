"""Responses an application may get wrong, each made the way the defect was met; served on the
real server by tests/e2e/test_response_contract.py. A sync application: every handler runs in the
worker's thread pool, as most framework code does."""

from wsging import Response


def _replace_longer(request):
    # Spec 12.4's recipe: a new body around the old response's headers, whose content-length
    # was the old body's.
    old = Response(b"abc")
    return Response(b"a body longer than the old one", 200, old.headers)


def _replace_shorter(request):
    old = Response(b"a body longer than the new one")
    return Response(b"short", 200, old.headers)


def _later_length(request):
    response = Response(b"abc")
    response.headers["content-length"] = "2"  # used to send "ab", well framed
    return response


def _bad_length(request):
    return Response(b"abc", 200, {"content-length": "abc"})


def _cookie_with_space(request):
    # What Django's SimpleCookie output gives: the value starts with a space.
    return Response(b"cookie set", 200, [("Set-Cookie", " csrftoken=abc123; Path=/; SameSite=Lax"),
                                        ("X-Padded", "\tpadded value \t")])


def _control_character(request):
    return Response(b"never sent", 200, [("x-ctl", "bell\x07")])


def _huge_header(request):
    return Response(b"never sent", 200, [("x-huge", "a" * 70000)])


def _huge_trailer(request):
    return Response(iter([b"payload"]), trailers=lambda: [("x-huge", "t" * 70000)])


def _dict_body(request):
    return Response({"ok": True})


def _set_body(request):
    return Response({"ok"})


def _str_generator(request):
    def lines():
        yield "caf\u00e9\n"
        yield "cr\u00e8me\n"

    return Response(lines())


def _str_body(request):
    return Response("caf\u00e9\n")


def _trailers(request):
    return Response(iter([b"payload"]), trailers=[("x-checksum", "abc"), ("x-count", "1")])


def _headers_misuse(request):
    try:
        request.headers.get(b"host")
    except TypeError as exc:
        return Response(f"TypeError: {exc}")
    except Exception as exc:  # what the old code raised
        return Response(f"{type(exc).__name__}: {exc}")
    return Response("no error")


ROUTES = {
    "/replace-longer": _replace_longer,
    "/replace-shorter": _replace_shorter,
    "/later-length": _later_length,
    "/bad-length": _bad_length,
    "/cookie-with-space": _cookie_with_space,
    "/control-character": _control_character,
    "/huge-header": _huge_header,
    "/huge-trailer": _huge_trailer,
    "/dict-body": _dict_body,
    "/set-body": _set_body,
    "/str-generator": _str_generator,
    "/str-body": _str_body,
    "/trailers": _trailers,
    "/headers-misuse": _headers_misuse,
}


def app(request):
    handler = ROUTES.get(request.path)
    if handler is None:
        return Response(b"ok")
    return handler(request)
