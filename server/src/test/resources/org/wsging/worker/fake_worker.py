# A stand-in for `python -m wsging.worker`, speaking the real link frames (spec/worker-link.md A.2)
# over the real socket. WSGING_APP picks its behaviour: "fail:x" cannot load the app (one stderr
# line, status 3); "serve:N" announces MAX_STREAMS=N and answers each request with its path as the
# body and its pid in an x-pid header. Paths: /hold never answers; /crash kills the worker.
import os
import signal
import socket
import struct
import sys

mode, arg = os.environ["WSGING_APP"].split(":")
if mode == "fail":
    sys.stderr.write("wsging: cannot import module 'fail' (fake)\n")
    sys.exit(3)

link = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
link.connect(os.environ["WSGING_LINK"])


def send(ftype, flags, stream, payload=b""):
    link.sendall(struct.pack(">IBBI", len(payload), ftype, flags, stream) + payload)


settings = [(1, int(os.environ["WSGING_WORKER_ID"])), (2, os.getpid()), (4, int(arg))]
send(0, 0, 0, struct.pack(">HH", 1, len(settings)) + b"".join(struct.pack(">HI", k, v) for k, v in settings))


def frames():
    buf = b""
    while True:
        while len(buf) >= 10:
            length, ftype, flags, stream = struct.unpack(">IBBI", buf[:10])
            if len(buf) < 10 + length:
                break
            payload, buf = buf[10:10 + length], buf[10 + length:]
            yield ftype, flags, stream, payload
        chunk = link.recv(65536)
        if not chunk:
            return
        buf += chunk


def request_path(p):
    # REQUEST (A.2): the lengths come first; the path follows the scheme and the method.
    scheme_length, method_length = p[1], p[2]
    path_length = struct.unpack(">H", p[9:11])[0]
    start = 31 + scheme_length + method_length
    return p[start:start + path_length]


for ftype, flags, stream, payload in frames():
    if ftype == 8 and not flags & 1:
        send(8, 1, 0, payload)
    elif ftype == 1:
        path = request_path(payload)
        if path == b"/crash":
            os.kill(os.getpid(), signal.SIGKILL)
        if path == b"/hold":
            continue
        pid = str(os.getpid()).encode()
        fields = struct.pack(">HH", 1, 5) + b"x-pid" + struct.pack(">H", len(pid)) + pid
        send(3, 0, stream, struct.pack(">H", 200) + fields)
        send(2, 1, stream, path)
