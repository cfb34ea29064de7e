package org.wsging.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link FieldRules} against spec/header-vectors.json, the cases the Python API
 * (python/tests/test_header_vectors.py) is held to as well: both sides agree on every value.
 */
class HeaderVectorsTest {
    private static JsonObject vectors() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("spec").resolve("header-vectors.json");
            if (Files.isRegularFile(candidate)) {
                return JsonParser.parseString(Files.readString(candidate, StandardCharsets.UTF_8)).getAsJsonObject();
            }
        }
        throw new IllegalStateException("spec/header-vectors.json not found above " + dir);
    }

    private static List<JsonObject> cases(String section) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : vectors().getAsJsonArray(section)) {
            out.add(e.getAsJsonObject());
        }
        assertFalse(out.isEmpty(), section);
        return out;
    }

    @Test
    void namesAreTokens() throws IOException {
        for (JsonObject c : cases("names")) {
            String name = c.get("name").getAsString();
            boolean valid = c.get("valid").getAsBoolean();
            assertEquals(valid, FieldRules.isToken(name), name);
            assertEquals(valid, FieldRules.isToken(new AsciiString(name.getBytes(StandardCharsets.ISO_8859_1), false)), name);
            if (!valid) {
                assertThrows(IllegalArgumentException.class, () -> FieldRules.name(name), name);
            }
        }
    }

    @Test
    void valuesLoseSurroundingWhitespaceAndRefuseControlCharacters() throws IOException {
        for (JsonObject c : cases("values")) {
            String value = c.get("value").getAsString();
            // Both forms the front end meets: a String, and the AsciiString the link decoder makes.
            for (CharSequence form : List.of(value, new AsciiString(value.getBytes(StandardCharsets.ISO_8859_1), false))) {
                if (c.get("result").isJsonNull()) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> FieldRules.value("x-field", form), value);
                    assertTrue(e.getMessage().contains("x-field"), e.getMessage());
                } else {
                    assertEquals(c.get("result").getAsString(), FieldRules.value("x-field", form).toString(), value);
                }
            }
        }
    }

    @Test
    void contentLengthsAreOneNonNegativeInteger() throws IOException {
        for (JsonObject c : cases("content_lengths")) {
            String value = c.get("value").getAsString();
            if (c.get("result").isJsonNull()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> FieldRules.contentLength(value), value);
                assertTrue(e.getMessage().contains("content-length"), e.getMessage());
            } else {
                assertEquals(c.get("result").getAsLong(), FieldRules.contentLength(value), value);
            }
        }
    }

    @Test
    void aValueWithNothingToRemoveIsReturnedAsIs() {
        AsciiString value = AsciiString.of("text/plain");
        assertTrue(FieldRules.value("content-type", value) == value);
    }
}
