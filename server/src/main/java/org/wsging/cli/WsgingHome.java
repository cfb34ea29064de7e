package org.wsging.cli;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The root of the wsging installation: where the Python package and the default interpreter are.
 * The launcher sets {@code WSGING_HOME}; without it, the jar's own location decides
 * ({@code <home>/server/target/wsging-server.jar}).
 */
final class WsgingHome {
    private WsgingHome() {}

    static Path locate(Map<String, String> env) throws CommandLineException {
        String fromEnv = env.get("WSGING_HOME");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Path.of(fromEnv).toAbsolutePath().normalize();
        }
        try {
            var source = WsgingHome.class.getProtectionDomain().getCodeSource();
            if (source != null) {
                Path location = Path.of(source.getLocation().toURI()).toAbsolutePath();
                // <home>/server/target/wsging-server.jar, or <home>/server/target/classes in a build
                Path target = location.getParent();
                if (target != null && target.getParent() != null && target.getParent().getParent() != null) {
                    return target.getParent().getParent().normalize();
                }
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // fall through to the error below
        }
        throw new CommandLineException("cannot locate the wsging installation; set WSGING_HOME");
    }
}
