"""The conformance application for uWSGI, through `wsging.wsgi.to_uwsgi`: `to_wsgi` with
WebSocket sessions through uWSGI's own API and chunked request bodies through
`uwsgi.chunked_read`, which its HTTP socket leaves to the application. The lifespan is entered
as in conformance_wsgi.py."""

import atexit

from wsging.conformance.app import app as ng_app
from wsging.wsgi import to_uwsgi

_lifespan = ng_app.lifespan()
_lifespan.__enter__()
atexit.register(_lifespan.__exit__, None, None, None)

application = to_uwsgi(ng_app)
