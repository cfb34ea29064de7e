# A stand-in for `python -m wsging.worker`, speaking the real link frames (spec/worker-link.md A.2)
# over the real socket. WSGING_APP picks its behaviour: "fail:x" cannot load the app (one stderr
# line, status 3); "serve:N" announces MAX_STREAMS=N and answers each request with its path as the
# body and its pid in an x-pid header. Paths: /hold never answers; /crash kills the worker.
# "shared:N" is "serve:N" with shared body memory (A.2): it maps the front end's BODY_MEMORY file,
# echoes a request body through one of its own slots (x-shared-in: how many SHARED_DATA frames
# brought it), and answers /released once the front end gave a slot back, with the slots as body.
import mmap
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
if mode == "shared":
    settings.append((7, 1))
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


def head(*fields):
    fields = [(b"x-pid", str(os.getpid()).encode())] + list(fields)
    out = struct.pack(">HH", 200, len(fields))
    for name, value in fields:
        out += struct.pack(">H", len(name)) + name + struct.pack(">H", len(value)) + value
    return out


memory = None  # (mmap, slot_size, slot_count) once BODY_MEMORY arrived
next_slot = 0  # our slots, each used once: the tests send few bodies
bodies = {}  # stream -> [body so far, SHARED_DATA frames]
released = []  # our slots the front end gave back
waiting = []  # /released streams, answered once a slot came back


def answer_released():
    global waiting
    if released:
        for s in waiting:
            send(3, 0, s, head())
            send(2, 1, s, str(released).encode())
        waiting = []


for ftype, flags, stream, payload in frames():
    if ftype == 8 and not flags & 1:
        send(8, 1, 0, payload)
    elif ftype == 0x0B and not flags & 1:
        slot_size, slot_count, length = struct.unpack(">IHH", payload[:8])
        fd = os.open(payload[8:8 + length], os.O_RDWR)
        memory = (mmap.mmap(fd, 0), slot_size, slot_count)
        os.close(fd)
        send(0x0B, 1, 0)
    elif ftype == 0x0D:
        released += struct.unpack(">%dH" % (len(payload) // 2), payload)
        answer_released()
    elif ftype == 1:
        path = request_path(payload)
        if path == b"/crash":
            os.kill(os.getpid(), signal.SIGKILL)
        if path == b"/hold":
            continue
        if mode == "shared" and path == b"/released":
            waiting.append(stream)
            answer_released()
            continue
        if mode == "shared" and not flags & 1:
            bodies[stream] = [b"", 0]
            continue
        send(3, 0, stream, head())
        send(2, 1, stream, path)
    elif ftype in (2, 0x0C) and stream in bodies:
        body = bodies[stream]
        if ftype == 0x0C:
            mem, slot_size, slot_count = memory
            slot, length = struct.unpack(">HI", payload)
            body[0] += mem[slot * slot_size:slot * slot_size + length]
            body[1] += 1
            send(0x0D, 0, 0, struct.pack(">H", slot))
        else:
            body[0] += payload
        if flags & 1:
            del bodies[stream]
            send(3, 0, stream, head((b"x-shared-in", str(body[1]).encode())))
            mem, slot_size, slot_count = memory
            start = (slot_count + next_slot) * slot_size
            mem[start:start + len(body[0])] = body[0]
            send(0x0C, 1, stream, struct.pack(">HI", next_slot, len(body[0])))
            next_slot += 1
