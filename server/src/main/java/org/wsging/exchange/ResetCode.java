package org.wsging.exchange;

/** RESET codes of the worker link (spec A.4). */
public enum ResetCode {
    NO_ERROR(0),
    CANCEL(1),
    INTERNAL_ERROR(2),
    PROTOCOL_ERROR(3),
    REFUSED(4),
    TIMEOUT(5);

    public final int code;

    ResetCode(int code) {
        this.code = code;
    }

    /** Unknown codes are treated as INTERNAL_ERROR: the stream is gone either way. */
    public static ResetCode fromCode(long code) {
        for (ResetCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return INTERNAL_ERROR;
    }
}
