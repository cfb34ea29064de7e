"""WSGI shims (spec 15): `from_wsgi` runs a PEP 3333 application on a WSGI-NG server or inside
WSGI-NG middleware; `to_wsgi` hosts a WSGI-NG application in any WSGI container, and
`to_uwsgi` does so in uWSGI with WebSocket sessions through uWSGI's own API."""

from .ng_on_wsgi import to_wsgi
from .uwsgi_host import to_uwsgi
from .wsgi_on_ng import from_wsgi

__all__ = ["from_wsgi", "to_uwsgi", "to_wsgi"]
