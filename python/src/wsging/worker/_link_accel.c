/* Optional accelerator for the worker link codec (link.py): the two paths every request takes,
 * splitting a read into frames (with REQUEST and DATA built here) and encoding a whole small
 * response. link.py holds the reference implementation in Python and uses this module only
 * when it was built; both are run against the same tests and shared vectors, so they must
 * agree byte for byte and error message for error message.
 *
 * Anything unusual (another frame type, a header that is not bytes, an out-of-range number)
 * is handed back to the Python code, so only the common shapes are written twice. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define HEADER_SIZE 10
#define MAX_LENGTH (1u << 24)
#define T_REQUEST 0x01
#define T_DATA 0x02
#define T_RESPONSE 0x03
#define F_END_STREAM 0x01
#define F_WEBSOCKET 0x08
/* REQUEST's fixed part (A.2): ">BBBBBHHHHqIHI" */
#define REQUEST_FIXED 31

/* Set once by configure(): the frame classes and link.py's helpers. */
static PyObject *request_type;  /* link.RequestFrame (a tuple subclass) */
static PyObject *data_type;     /* link.DataFrame */
static PyObject *versions;      /* {0x10: "1.0", ...}: the same str objects link.py uses */
static PyObject *decode_other;  /* link.decode_payload(ftype, flags, stream, payload) */
static PyObject *make_error;    /* link._error(message) -> LinkError */
static PyObject *too_long;      /* link._too_long() -> LinkError */
static PyObject *py_encode_whole; /* link._py_encode_whole_response, for unusual arguments */

static inline uint16_t u16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t u32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void put16(unsigned char *p, unsigned v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static inline void put32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}

/* Raises the LinkError link._error(message) makes; always returns NULL. */
static PyObject *link_error(const char *format, ...) {
    va_list args;
    va_start(args, format);
    PyObject *message = PyUnicode_FromFormatV(format, args);
    va_end(args);
    if (message == NULL) return NULL;
    PyObject *exc = PyObject_CallOneArg(make_error, message);
    Py_DECREF(message);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* A tuple subclass instance (a NamedTuple frame) from `n` new references, stolen. */
static PyObject *frame_of(PyObject *type, Py_ssize_t n, PyObject **items) {
    PyObject *frame = ((PyTypeObject *)type)->tp_alloc((PyTypeObject *)type, n);
    if (frame == NULL) {
        for (Py_ssize_t i = 0; i < n; i++) Py_XDECREF(items[i]);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (items[i] == NULL) { /* an item failed to build: the error is set */
            for (Py_ssize_t j = i + 1; j < n; j++) Py_XDECREF(items[j]);
            Py_DECREF(frame);
            return NULL;
        }
        PyTuple_SET_ITEM(frame, i, items[i]);
    }
    return frame;
}

static PyObject *bytes_at(const unsigned char *p, Py_ssize_t n) {
    return PyBytes_FromStringAndSize((const char *)p, n);
}

/* The header block: `count` pairs of NUL-terminated name and value, nothing after them. */
static PyObject *decode_fields(const unsigned char *p, Py_ssize_t size, unsigned count) {
    PyObject *fields = PyList_New(count);
    if (fields == NULL) return NULL;
    Py_ssize_t o = 0;
    for (unsigned i = 0; i < count; i++) {
        PyObject *pair[2];
        for (int k = 0; k < 2; k++) {
            const unsigned char *nul = o < size ? memchr(p + o, 0, (size_t)(size - o)) : NULL;
            if (nul == NULL) {
                if (k == 1) Py_DECREF(pair[0]);
                Py_DECREF(fields);
                return link_error("REQUEST header block does not hold %u NUL-terminated pairs", count);
            }
            pair[k] = bytes_at(p + o, nul - (p + o));
            if (pair[k] == NULL) {
                if (k == 1) Py_DECREF(pair[0]);
                Py_DECREF(fields);
                return NULL;
            }
            o = nul - p + 1;
        }
        PyObject *item = PyTuple_Pack(2, pair[0], pair[1]);
        Py_DECREF(pair[0]);
        Py_DECREF(pair[1]);
        if (item == NULL) {
            Py_DECREF(fields);
            return NULL;
        }
        PyList_SET_ITEM(fields, i, item);
    }
    if (o != size) {
        Py_DECREF(fields);
        return link_error("REQUEST header block does not hold %u NUL-terminated pairs", count);
    }
    return fields;
}

/* One REQUEST payload (A.2), checked as link._decode_request checks it. */
static PyObject *decode_request(uint32_t stream, unsigned flags, const unsigned char *p, Py_ssize_t length) {
    if (length < REQUEST_FIXED)
        return link_error("REQUEST payload of %zd bytes is truncated", length);
    unsigned version_code = p[0];
    Py_ssize_t ns = p[1], nm = p[2], nc = p[3], nh = p[4];
    unsigned client_port = u16(p + 5), server_port = u16(p + 7);
    Py_ssize_t np = u16(p + 9), nq = u16(p + 11);
    int64_t content_length = (int64_t)((uint64_t)u32(p + 13) << 32 | u32(p + 17));
    uint32_t capabilities = u32(p + 21);
    unsigned count = u16(p + 25);
    Py_ssize_t block_size = u32(p + 27);
    PyObject *key = PyLong_FromLong(version_code);
    if (key == NULL) return NULL;
    PyObject *version = PyDict_GetItemWithError(versions, key); /* borrowed */
    Py_DECREF(key);
    if (version == NULL) {
        if (PyErr_Occurred()) return NULL;
        return link_error("REQUEST with unknown HTTP version byte 0x%02x", version_code);
    }
    if ((flags & F_WEBSOCKET) && !(flags & F_END_STREAM))
        return link_error("REQUEST with WEBSOCKET but without END_STREAM: an offer has no body");
    Py_ssize_t o = REQUEST_FIXED;
    Py_ssize_t scheme_at = o, method_at = scheme_at + ns, path_at = method_at + nm;
    Py_ssize_t query_at = path_at + np, client_at = query_at + nq, server_at = client_at + nc;
    Py_ssize_t block_at = server_at + nh, end = block_at + block_size;
    if (end != length)
        return link_error("REQUEST payload of %zd bytes is %s", length, end > length ? "truncated" : "too long");
    PyObject *headers;
    if (count) {
        headers = decode_fields(p + block_at, block_size, count);
        if (headers == NULL) return NULL;
    } else if (block_size) {
        return link_error("REQUEST header block is not empty but has no headers");
    } else {
        headers = PyList_New(0);
        if (headers == NULL) return NULL;
    }
    Py_INCREF(version);
    PyObject *items[14] = {
        PyLong_FromUnsignedLong(stream),
        PyLong_FromUnsignedLong(flags),
        version,
        bytes_at(p + scheme_at, ns),
        bytes_at(p + method_at, nm),
        bytes_at(p + path_at, np),
        bytes_at(p + query_at, nq),
        bytes_at(p + client_at, nc),
        PyLong_FromUnsignedLong(client_port),
        bytes_at(p + server_at, nh),
        PyLong_FromUnsignedLong(server_port),
        PyLong_FromLongLong(content_length),
        PyLong_FromUnsignedLong(capabilities),
        headers,
    };
    return frame_of(request_type, 14, items);
}

/* split_frames(source) -> (frames, consumed): every complete frame at the start of `source`
 * (bytes or bytearray), as link._py_split_frames returns them. */
static PyObject *split_frames(PyObject *module, PyObject *source) {
    if (request_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_link_accel is used through wsging.worker.link, which configures it");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(source, &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *buf = view.buf;
    Py_ssize_t size = view.len, pos = 0;
    PyObject *frames = PyList_New(0);
    if (frames == NULL) goto failed;
    while (size - pos >= HEADER_SIZE) {
        const unsigned char *h = buf + pos;
        uint32_t length = u32(h);
        unsigned ftype = h[4], flags = h[5];
        uint32_t stream = u32(h + 6);
        if (length > MAX_LENGTH) {
            link_error("frame length %lu exceeds %lu", (unsigned long)length, (unsigned long)MAX_LENGTH);
            goto failed;
        }
        Py_ssize_t start = pos + HEADER_SIZE, end = start + (Py_ssize_t)length;
        if (end > size) break;
        pos = end;
        PyObject *frame;
        if (ftype == T_DATA && stream) {
            PyObject *items[3] = {PyLong_FromUnsignedLong(stream), bytes_at(buf + start, length),
                                  PyLong_FromUnsignedLong(flags)};
            frame = frame_of(data_type, 3, items);
        } else if (ftype == T_REQUEST && stream) {
            frame = decode_request(stream, flags, buf + start, (Py_ssize_t)length);
        } else {
            /* Every other frame, and DATA or REQUEST on stream 0 (an error link.py words). */
            PyObject *payload = bytes_at(buf + start, length);
            if (payload == NULL) goto failed;
            frame = PyObject_CallFunction(decode_other, "IIkO", ftype, flags, (unsigned long)stream, payload);
            Py_DECREF(payload);
            if (frame == Py_None) { /* an unknown frame type is ignored (A.8) */
                Py_DECREF(frame);
                continue;
            }
        }
        if (frame == NULL) goto failed;
        int appended = PyList_Append(frames, frame);
        Py_DECREF(frame);
        if (appended < 0) goto failed;
    }
    PyBuffer_Release(&view);
    return Py_BuildValue("(Nn)", frames, pos);
failed:
    Py_XDECREF(frames);
    PyBuffer_Release(&view);
    return NULL;
}

/* encode_whole_response(stream, status, headers, body) -> bytes: RESPONSE, then the body in one
 * DATA END_STREAM frame (RESPONSE END_STREAM alone when the body is empty), as
 * link._py_encode_whole_response makes them. */
static PyObject *encode_whole_response(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "encode_whole_response takes 4 arguments");
        return NULL;
    }
    if (py_encode_whole == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_link_accel is used through wsging.worker.link, which configures it");
        return NULL;
    }
    PyObject *headers = args[2], *body = args[3];
    unsigned long stream = PyLong_Check(args[0]) ? PyLong_AsUnsignedLong(args[0]) : (unsigned long)-1;
    long status = PyLong_Check(args[1]) ? PyLong_AsLong(args[1]) : -1;
    if (PyErr_Occurred()) PyErr_Clear();
    if (stream > 0xFFFFFFFFul || status < 0 || status > 0xFFFF || !PyBytes_CheckExact(body) ||
        !(PyList_CheckExact(headers) || PyTuple_CheckExact(headers)))
        goto in_python;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(headers);
    if (count > 0xFFFF) goto in_python;
    PyObject **pairs = PySequence_Fast_ITEMS(headers);
    Py_ssize_t fields = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *pair = pairs[i];
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !PyBytes_CheckExact(PyTuple_GET_ITEM(pair, 0)) || !PyBytes_CheckExact(PyTuple_GET_ITEM(pair, 1)))
            goto in_python;
        Py_ssize_t n = PyBytes_GET_SIZE(PyTuple_GET_ITEM(pair, 0)), v = PyBytes_GET_SIZE(PyTuple_GET_ITEM(pair, 1));
        if (n > 0xFFFF || v > 0xFFFF) {
            PyObject *exc = PyObject_CallNoArgs(too_long);
            if (exc != NULL) {
                PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
                Py_DECREF(exc);
            }
            return NULL;
        }
        fields += 4 + n + v;
    }
    Py_ssize_t body_size = PyBytes_GET_SIZE(body);
    Py_ssize_t payload = fields + 4;
    if (payload > (Py_ssize_t)0xFFFFFFFF || body_size > (Py_ssize_t)0xFFFFFFFF) goto in_python;
    Py_ssize_t total = HEADER_SIZE + payload + (body_size ? HEADER_SIZE + body_size : 0);
    PyObject *out = PyBytes_FromStringAndSize(NULL, total);
    if (out == NULL) return NULL;
    unsigned char *w = (unsigned char *)PyBytes_AS_STRING(out);
    put32(w, (uint32_t)payload);
    w[4] = T_RESPONSE;
    w[5] = body_size ? 0 : F_END_STREAM;
    put32(w + 6, (uint32_t)stream);
    put16(w + 10, (unsigned)status);
    put16(w + 12, (unsigned)count);
    w += 14;
    for (Py_ssize_t i = 0; i < count; i++) {
        for (int k = 0; k < 2; k++) {
            PyObject *part = PyTuple_GET_ITEM(pairs[i], k);
            Py_ssize_t n = PyBytes_GET_SIZE(part);
            put16(w, (unsigned)n);
            memcpy(w + 2, PyBytes_AS_STRING(part), (size_t)n);
            w += 2 + n;
        }
    }
    if (body_size) {
        put32(w, (uint32_t)body_size);
        w[4] = T_DATA;
        w[5] = F_END_STREAM;
        put32(w + 6, (uint32_t)stream);
        memcpy(w + HEADER_SIZE, PyBytes_AS_STRING(body), (size_t)body_size);
    }
    return out;
in_python:
    return PyObject_Vectorcall(py_encode_whole, args, 4, NULL);
}

static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *request, *data, *version_names, *other, *error, *long_error, *whole;
    if (!PyArg_ParseTuple(args, "O!O!O!OOOO:configure", &PyType_Type, &request, &PyType_Type, &data,
                          &PyDict_Type, &version_names, &other, &error, &long_error, &whole))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)request, &PyTuple_Type) ||
        !PyType_IsSubtype((PyTypeObject *)data, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "the frame classes must be tuple subclasses");
        return NULL;
    }
    PyObject **slots[] = {&request_type, &data_type, &versions, &decode_other, &make_error, &too_long, &py_encode_whole};
    PyObject *values[] = {request, data, version_names, other, error, long_error, whole};
    for (size_t i = 0; i < sizeof slots / sizeof *slots; i++) {
        Py_INCREF(values[i]);
        Py_XSETREF(*slots[i], values[i]);
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "Hand over link.py's frame classes and helpers."},
    {"split_frames", split_frames, METH_O, "split_frames(source) -> (frames, consumed)"},
    {"encode_whole_response", (PyCFunction)(void (*)(void))encode_whole_response, METH_FASTCALL,
     "encode_whole_response(stream, status, headers, body) -> bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_link_accel",
    .m_doc = "Accelerated hot paths of the worker link codec.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__link_accel(void) { return PyModule_Create(&module_def); }
