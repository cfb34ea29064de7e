"""The conformance application for WSGI containers (gunicorn, uWSGI, mod_wsgi), through
`wsging.wsgi.to_wsgi`. WSGI has no lifespan, so this file enters the application's own, as
spec 15.3 asks of a WSGI file whose application needs it, and exits it when the process ends."""

import atexit

from wsging.conformance.app import app as ng_app
from wsging.wsgi import to_wsgi

_lifespan = ng_app.lifespan()
_lifespan.__enter__()
atexit.register(_lifespan.__exit__, None, None, None)

application = to_wsgi(ng_app)
