package org.wsging.worker.link;

/** Frame type bytes, flag bits and setting ids of the worker link (spec A.2). */
public final class FrameType {
    public static final int HELLO = 0x00;
    public static final int REQUEST = 0x01;
    public static final int DATA = 0x02;
    public static final int RESPONSE = 0x03;
    public static final int INFORMATIONAL = 0x04;
    public static final int TRAILERS = 0x05;
    public static final int RESET = 0x06;
    public static final int WINDOW = 0x07;
    public static final int PING = 0x08;
    public static final int GOAWAY = 0x09;
    /** Sent by a worker only to a front end that announced {@link #SETTING_FILE_BODIES}. */
    public static final int FILE_RESPONSE = 0x0A;
    /** Shared body memory (A.2): the front end names the file; the worker's ACK answers it. */
    public static final int BODY_MEMORY = 0x0B;
    /** DATA whose bytes lie in one of the sender's shared-memory slots. */
    public static final int SHARED_DATA = 0x0C;
    /** Gives the receiver's shared-memory slots back. */
    public static final int RELEASE = 0x0D;
    /** The connection's TLS facts, right before the REQUEST they belong to; only to a worker that
     * announced {@link #SETTING_TLS_INFO}. */
    public static final int TLS = 0x0E;
    /** Worker -> front end, on the parent stream: the application asks to push a path (spec 8.5). */
    public static final int PUSH = 0x0F;
    /** Front end -> worker, stream 0: the answer to one PUSH, by its token. */
    public static final int PUSH_RESULT = 0x10;
    /** Front end -> worker, on a stream: the client's new priority field value (RFC 9218). */
    public static final int PRIORITY = 0x11;
    /** Worker -> front end, on an offer's stream: the application accepts the WebSocket offer (spec 9.3). */
    public static final int WS_ACCEPT = 0x12;
    /** Front end -> worker: the handshake response is written, the session starts. */
    public static final int WS_OPEN = 0x13;
    /** Both ways, on an open session: a message, or a piece of one with {@link #FLAG_CONTINUES}. */
    public static final int WS_MESSAGE = 0x14;
    /** Both ways: the application's close (worker), or the session's outcome (front end). */
    public static final int WS_CLOSE = 0x15;
    /** Worker -> front end: ping the client with this payload. */
    public static final int WS_PING = 0x16;
    /** Front end -> worker: a pong the client sent. */
    public static final int WS_PONG = 0x17;

    /** REQUEST, DATA, SHARED_DATA, RESPONSE: nothing more follows in this direction. */
    public static final int FLAG_END_STREAM = 0x01;
    /** REQUEST: the client sent Expect: 100-continue; the worker's window starts at 0 (A.5). */
    public static final int FLAG_EXPECT_CONTINUE = 0x02;
    /** REQUEST: the server made this request for a push (spec 8.5). */
    public static final int FLAG_PUSHED = 0x04;
    /** REQUEST: a valid WebSocket offer (spec 9.1); always with {@link #FLAG_END_STREAM}. */
    public static final int FLAG_WEBSOCKET = 0x08;
    /** REQUEST: over TLS, with the facts of the last TLS frame on this link, not sent again (A.2). */
    public static final int FLAG_SAME_TLS = 0x10;
    /** WS_MESSAGE: the message is text (UTF-8); without it, binary. */
    public static final int FLAG_TEXT = 0x02;
    /** WS_MESSAGE: more pieces of this message follow. */
    public static final int FLAG_CONTINUES = 0x04;
    /** WS_MESSAGE, worker -> front end: send this message without compression. */
    public static final int FLAG_UNCOMPRESSED = 0x08;
    /** PING, BODY_MEMORY: this is the answer. */
    public static final int FLAG_ACK = 0x01;

    public static final int HEADER_SIZE = 10;
    /** Largest payload a frame may carry (A.2); beyond it is a link error. */
    public static final int MAX_PAYLOAD = 1 << 24;
    public static final int PROTOCOL_VERSION = 1;

    public static final int SETTING_WORKER_ID = 1;
    public static final int SETTING_PID = 2;
    public static final int SETTING_INITIAL_WINDOW = 3;
    public static final int SETTING_MAX_STREAMS = 4;
    public static final int SETTING_MAX_FRAME = 5;
    public static final int SETTING_FILE_BODIES = 6;
    /** Sent by a worker: 1 when it can map a BODY_MEMORY file. */
    public static final int SETTING_SHARED_BODIES = 7;
    /** Sent by a worker: 1 when it takes TLS frames, 2 when also REQUEST frames flagged SAME_TLS. */
    public static final int SETTING_TLS_INFO = 8;
    /** Sent by a worker: 1 when it sends PUSH and takes PUSH_RESULT; only then is PUSH offered. */
    public static final int SETTING_PUSH = 9;
    /** Sent by a worker: 1 when it takes PRIORITY frames. */
    public static final int SETTING_PRIORITY = 10;
    /** Sent by a worker: 1 when it takes WebSocket offers and the WS_* frames. */
    public static final int SETTING_WEBSOCKET = 11;

    /** WS_ACCEPT options bit: the application allows compression (permessage-deflate). */
    public static final int WS_OPTION_COMPRESSION = 0x01;
    /** Largest WS_PING payload: a WebSocket control frame's (RFC 6455 section 5.5). */
    public static final int MAX_WS_PING = 125;

    /** FILE_BODIES values: the front end takes FILE_RESPONSE for paths that are ASCII ... */
    public static final int FILE_BODIES_ASCII = 1;
    /** ... or for any path that is valid UTF-8. */
    public static final int FILE_BODIES_UTF8 = 2;

    public static final int DEFAULT_INITIAL_WINDOW = 65_536;
    public static final int DEFAULT_MAX_STREAMS = 100;
    public static final int DEFAULT_MAX_FRAME = 65_536;

    private FrameType() {}
}
