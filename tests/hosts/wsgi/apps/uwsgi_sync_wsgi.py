"""The uWSGI file of the sync application: as sync_wsgi.py, through `to_uwsgi`, which offers
WebSocket sessions through uWSGI's own API."""
import atexit

from hosted_app import sync_app
from recording_wrapper import RecordFileWrapper
from wsging.wsgi import to_uwsgi

_lifespan = sync_app.lifespan()
_lifespan.__enter__()
atexit.register(_lifespan.__exit__, None, None, None)

application = RecordFileWrapper(to_uwsgi(sync_app))
