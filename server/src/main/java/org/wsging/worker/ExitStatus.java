package org.wsging.worker;

/** How a worker process ended, as the JDK reports it (on Linux 128 + N means killed by signal N). */
record ExitStatus(int code) {
    /** A worker that cannot load the application exits with this status (spec A.3). */
    static final int CANNOT_LOAD_APP = 3;

    boolean signalled() {
        return code > 128 && code < 128 + 65;
    }

    @Override
    public String toString() {
        return signalled() ? "signal " + (code - 128) : "status " + code;
    }
}
