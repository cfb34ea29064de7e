package org.wsging.cli;

/** The text {@code --help} prints. Every option the parser accepts is documented here. */
final class Usage {
    private Usage() {}

    static final String TEXT = """
            usage: wsging serve MODULE:ATTR [options]

            Serve the WSGI-NG application ATTR of Python module MODULE (for example app:app).

            options:
              --bind HOST:PORT        address to listen on; repeatable (default 127.0.0.1:8000;
                                      IPv6 as [::1]:8000)
              --workers N             worker processes (default 1)
              --threads N             threads for sync applications in each worker (default 32)
              --inline-sync           call sync applications on the worker's event-loop thread
                                      while each call takes under 5 ms, without a thread
                                      hand-off (faster); a handler that waits for another
                                      request to the same worker then waits for
                                      --worker-timeout, so leave it off for long polls or
                                      calls to this server (off by default)
              --app-dir DIR           directory where MODULE is found (default: current directory)
              --python PATH           interpreter that runs the workers
                                      (default $WSGING_HOME/.venv/bin/python); point it at
                                      your project's virtualenv, where its framework is
              --interface KIND        what MODULE:ATTR is: ng (a WSGI-NG application), wsgi
                                      (PEP 3333: Flask, Django's wsgi.py), asgi (ASGI 3:
                                      FastAPI, Starlette, Django's asgi.py) or auto (told
                                      apart by its call signature) (default ng)
              --debug                 show tracebacks in 500 responses (off by default)
              --access-log            one line per request on standard output, in the Combined
                                      Log Format with the duration in seconds appended
              --max-request-line N    longest request line in bytes, else 414 (default 8192)
              --max-header-size N     largest header section in bytes, else 431 (default 16384)
              --max-headers N         most header fields in a request, else 431 (default 100)
              --max-body-size N       largest request body in bytes, else 413 (default 1073741824)
              --header-timeout S      seconds to receive a full request head, else 408 (default 10)
              --keepalive-timeout S   idle seconds between requests before closing (default 5)
              --body-timeout S        seconds without request-body progress, else 408 (default 30)
              --body-min-rate N       bytes per second a request body must average once
                                      --body-timeout has passed, counting only time the server
                                      reads it, else 408; 0 turns it off (default 500)
              --send-timeout S        seconds a client may read nothing while a response waits
                                      for it, else the connection is closed (default 30)
              --request-timeout S     seconds from a request's turn to its response's end, else
                                      504 (or the response is cut short); 'off' (default) for none
              --no-http2              speak only HTTP/1.x (by default the same port also takes
                                      HTTP/2 by prior knowledge and by Upgrade: h2c)
              --h2-max-concurrent-streams N
                                      HTTP/2 requests one connection may have in flight
                                      (default 100)
              --h2-initial-window-size N
                                      HTTP/2 request body bytes a client may send on one stream
                                      ahead of the application's reading (default 262144)
              --h2-max-frame-size N   largest HTTP/2 frame payload accepted, 16384 to 16777215
                                      (default 16384)
              --h2-max-header-list-size N
                                      largest HTTP/2 header section in bytes, counted as RFC 9113
                                      does (32 more per field) (default 65536)
              --ws-ping-interval S    ping a WebSocket client silent this long; 0 or 'off' for no
                                      pings (default 20)
              --ws-ping-timeout S     close a pinged WebSocket client that sends nothing back this
                                      long; the application sees 1006 (default 20)
              --ws-idle-timeout S     close with 1001 a WebSocket session without a message either
                                      way this long (pings do not count); 0 or 'off' for never
                                      (default off)
              --ws-sync-sessions N    sync WebSocket sessions each worker runs at once (a thread
                                      each); more are answered 503 (default 256)
              --worker-timeout S      a worker silent this long is killed and replaced (default 30)
              --queue-timeout S       seconds a request may wait for a free worker, else 503
                                      (default 30)
              --graceful-timeout S    on SIGTERM/SIGINT, seconds for in-flight requests (default 30)
              --shared-body-slots N   slots of 64 KiB per direction per worker for request and
                                      response bodies through shared memory; 0 turns it off
                                      (default 128, at most 16383)
              --root-path PREFIX      the path prefix the application is mounted at, such as
                                      /app: request.root_path, and SCRIPT_NAME for WSGI
                                      applications; request paths keep it (default: none)
              --max-requests N        replace a worker after N requests: a new one starts first,
                                      the old one finishes its requests and exits (default: never)
              --max-requests-jitter N add a random 0..N to --max-requests per worker (default 0)
              --worker-max-memory MB  replace a worker the same way once its resident memory
                                      exceeds MB megabytes (default: no ceiling)
              --io-threads N          event-loop threads for connections and worker links
                                      (default: half the cores, at least 1)
              --ceiling               benchmark aid: answer every request "Hello, world!" from Java,
                                      without starting Python
              --certfile PEM          serve TLS (https only) with this certificate, optionally
                                      followed by its chain
              --keyfile PEM           the certificate's private key (PKCS#8)
              --keyfile-password PW   the key's password, for an encrypted key
              --ca-certs PEM          authorities that sign client certificates
              --cert-reqs MODE        client certificates: none, optional or required; the
                                      last two need --ca-certs (default: none)
              --help                  show this text
            """;
}
