package org.wsging.worker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks the interpreter given for the workers which version it is, before any worker starts: an
 * interpreter too old for the {@code wsging} package would otherwise fail inside the worker with
 * a traceback, and the user would read "worker 1 exited with status 1 before it connected".
 * The question is one print statement that every Python since 2.6 can run, without site
 * packages or the user's environment ({@code -I -S}), so it costs about 10 ms.
 */
final class PythonVersion {
    /** The oldest Python the worker package runs on (python/pyproject.toml says the same). */
    static final int MIN_MAJOR = 3;
    static final int MIN_MINOR = 9;
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");
    private static final long ANSWER_WITHIN_SECONDS = 20;

    private PythonVersion() {}

    /**
     * Returns normally when {@code python} is new enough; otherwise a {@link WorkerStartupException}
     * with one line that names the version found and the version needed.
     */
    static void check(Path python) throws WorkerStartupException {
        String answer;
        try {
            Process p = new ProcessBuilder(python.toString(), "-I", "-S", "-c",
                    "import sys; sys.stdout.write('%d.%d.%d' % tuple(sys.version_info[:3]))")
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readNBytes(4096);
            }
            if (!p.waitFor(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new WorkerStartupException(python + " did not say which Python it is within "
                        + ANSWER_WITHIN_SECONDS + " s");
            }
            answer = new String(out, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new WorkerStartupException("cannot run " + python + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkerStartupException("interrupted while asking " + python + " for its version");
        }
        Matcher m = VERSION.matcher(answer);
        if (!m.find()) {
            String firstLine = answer.lines().findFirst().orElse("");
            throw new WorkerStartupException(python + " is not a Python the workers can use (asked for its version, it said: "
                    + (firstLine.length() > 200 ? firstLine.substring(0, 200) + "..." : firstLine) + ")");
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (!supported(major, minor)) {
            throw new WorkerStartupException(python + " is Python " + m.group() + "; the workers need Python "
                    + MIN_MAJOR + "." + MIN_MINOR + " or newer (pass another with --python)");
        }
    }

    static boolean supported(int major, int minor) {
        return major > MIN_MAJOR || (major == MIN_MAJOR && minor >= MIN_MINOR);
    }
}
