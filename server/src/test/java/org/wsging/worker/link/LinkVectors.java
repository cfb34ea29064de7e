package org.wsging.worker.link;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** spec/link-vectors.json, found by walking up from the working directory. */
final class LinkVectors {
    record Valid(String name, byte[] bytes, JsonObject frame) {
        @Override
        public String toString() {
            return name;
        }
    }

    record Invalid(String name, byte[] bytes, String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static JsonObject root;

    private LinkVectors() {}

    static Path file() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("spec").resolve("link-vectors.json");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("spec/link-vectors.json not found above " + dir);
    }

    private static synchronized JsonObject root() {
        if (root == null) {
            try {
                root = JsonParser.parseString(Files.readString(file(), StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    static List<Valid> valid() {
        List<Valid> out = new ArrayList<>();
        for (var e : root().getAsJsonArray("valid")) {
            JsonObject v = e.getAsJsonObject();
            out.add(new Valid(v.get("name").getAsString(), HexFormat.of().parseHex(v.get("hex").getAsString()),
                    v.getAsJsonObject("frame")));
        }
        return out;
    }

    static List<Invalid> invalid() {
        List<Invalid> out = new ArrayList<>();
        JsonArray list = root().getAsJsonArray("invalid");
        for (var e : list) {
            JsonObject v = e.getAsJsonObject();
            out.add(new Invalid(v.get("name").getAsString(), HexFormat.of().parseHex(v.get("hex").getAsString()),
                    v.get("error").getAsString()));
        }
        return out;
    }
}
