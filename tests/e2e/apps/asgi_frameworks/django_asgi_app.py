"""Django's ASGI handler served through wsging.asgi.from_asgi (tests/e2e/test_asgi_frameworks.py):
one module holds the settings, the views and the URLs."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="e2e-only",
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    DATA_UPLOAD_MAX_MEMORY_SIZE=None,
)
django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

from wsging.asgi import from_asgi  # noqa: E402


async def hello(request: HttpRequest) -> JsonResponse:
    return JsonResponse({
        "framework": "django",
        "method": request.method,
        "path": request.path,
        "scheme": request.scheme,
        "host": request.get_host(),
        "q": request.GET.get("q"),
        "user_agent": request.headers.get("User-Agent"),
    })


async def echo(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.body, content_type="application/octet-stream")


async def stream(request: HttpRequest) -> StreamingHttpResponse:
    async def lines() -> AsyncIterator[bytes]:
        for i in range(3):
            yield b"django %d\n" % i
            await asyncio.sleep(0.01)

    return StreamingHttpResponse(lines(), content_type="text/plain")


urlpatterns = [path("", hello), path("echo", echo), path("stream", stream)]

app = from_asgi(get_asgi_application())
