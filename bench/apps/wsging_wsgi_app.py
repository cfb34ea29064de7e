"""The WSGI benchmark app (wsgi_app.py) served by wsging through its WSGI shim, for the WSGI
hello row: the same PEP 3333 code granian (WSGI) and gunicorn run, wrapped by
wsging.wsgi.from_wsgi."""

from __future__ import annotations

from wsging.wsgi import from_wsgi

import wsgi_app

app = from_wsgi(wsgi_app.app)
