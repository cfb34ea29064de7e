package org.wsging.exchange;

/** The HTTP version a request arrived with; {@code code} is its byte on the worker link (spec A.2). */
public enum HttpVersion {
    HTTP_1_0(0x10, "1.0"),
    HTTP_1_1(0x11, "1.1"),
    HTTP_2(0x20, "2"),
    HTTP_3(0x30, "3");

    public final int code;
    public final String text;

    HttpVersion(int code, String text) {
        this.code = code;
        this.text = text;
    }

    public static HttpVersion fromCode(int code) {
        for (HttpVersion v : values()) {
            if (v.code == code) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown HTTP version code 0x" + Integer.toHexString(code));
    }
}
