"""The uWSGI file of the async application: as async_wsgi.py, through `to_uwsgi`, which offers
WebSocket sessions through uWSGI's own API."""
import atexit

from hosted_app import async_app
from recording_wrapper import RecordFileWrapper
from wsging.wsgi import to_uwsgi

_lifespan = async_app.lifespan()
_lifespan.__enter__()
atexit.register(_lifespan.__exit__, None, None, None)

application = RecordFileWrapper(to_uwsgi(async_app))
