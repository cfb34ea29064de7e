"""Flask's `stream_with_context` served through `from_wsgi`: the generator pushes the request
context when it starts (in the view) and pops it when it ends, in a later pull of the body,
which must therefore run in the context of the application call (spec 11.6)."""
from __future__ import annotations

from flask import Flask, Response, request, stream_with_context

from wsging.wsgi import from_wsgi

flask_app = Flask(__name__)


@flask_app.get("/stream")
def stream():
    count = int(request.args.get("lines", "5"))

    def lines():
        for i in range(count):
            # request is only usable here because stream_with_context keeps its context pushed
            yield f"{request.path} line {i} {'x' * 2000}\n"

    return Response(stream_with_context(lines()), mimetype="text/plain")


app = from_wsgi(flask_app)
