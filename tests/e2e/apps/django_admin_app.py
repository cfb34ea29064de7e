"""The Django project in django_site/, unchanged, served by wsging through `from_wsgi` (spec 15)."""

from django_site.wsgi import application

from wsging.wsgi import from_wsgi

app = from_wsgi(application)
