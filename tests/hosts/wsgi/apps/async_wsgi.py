"""The WSGI file of the async application (see sync_wsgi.py): `to_wsgi` runs it on one
private event loop per process."""
import atexit

from hosted_app import async_app
from recording_wrapper import RecordFileWrapper
from wsging.wsgi import to_wsgi

_lifespan = async_app.lifespan()
_lifespan.__enter__()
atexit.register(_lifespan.__exit__, None, None, None)

application = RecordFileWrapper(to_wsgi(async_app))
