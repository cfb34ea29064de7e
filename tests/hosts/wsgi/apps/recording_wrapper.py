"""A WSGI layer between the container and `to_wsgi` that tells, in a response field
(`x-file-wrapper: used` or `unused`), whether the container's `wsgi.file_wrapper` made the
response body, so a test can see the container was handed the file to send by its own means
(sendfile where it has it). The head waits until the application returned, which PEP 3333
allows (it must only precede the first body chunk)."""


class RecordFileWrapper:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        container_wrapper = environ.get("wsgi.file_wrapper")
        used = []
        if container_wrapper is not None:
            def recording(filelike, block_size=8192):
                wrapped = container_wrapper(filelike, block_size)
                used.append(wrapped)
                return wrapped

            environ["wsgi.file_wrapper"] = recording
        head = []
        result = self.app(environ, lambda status, headers, exc_info=None: head.append((status, headers)))
        if container_wrapper is not None:
            # gunicorn recognises its wrapper by this very key, after the call.
            environ["wsgi.file_wrapper"] = container_wrapper
        if not head:  # a WebSocket session under uWSGI, which wrote its handshake itself
            return result
        status, headers = head[-1]
        flag = "used" if used and result is used[0] else "unused"
        start_response(status, headers + [("X-File-Wrapper", flag)])
        return result
