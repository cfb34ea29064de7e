"""The WSGI file of the sync application: what gunicorn, uWSGI and mod_wsgi load. A WSGI
container has no lifespan, so the file enters the application's itself, once per process that
imports it, and leaves it when the process exits (spec 15.3)."""
import atexit

from hosted_app import sync_app
from recording_wrapper import RecordFileWrapper
from wsging.wsgi import to_wsgi

_lifespan = sync_app.lifespan()
_lifespan.__enter__()
atexit.register(_lifespan.__exit__, None, None, None)

application = RecordFileWrapper(to_wsgi(sync_app))
