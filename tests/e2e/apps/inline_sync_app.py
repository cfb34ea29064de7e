"""A sync app for the --inline-sync tests: reports which thread served it, and sleeps on demand."""

import threading
import time

from wsging import Response


def app(request):
    if request.path == "/sleep":
        time.sleep(0.2)
    thread = threading.current_thread()
    place = "loop" if thread is threading.main_thread() else "pool"
    return Response(place, content_type="text/plain")
