package io.nlink.runtime.pkg;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Reads typed fields of one JSON object, recording a {@link Problem} for each missing or mistyped one. */
final class JsonFields {
    private final String file;
    private final String path;
    private final JsonNode node;
    private final List<Problem> problems;

    JsonFields(String file, JsonNode node, List<Problem> problems) {
        this(file, "", node, problems);
    }

    JsonFields(String file, String path, JsonNode node, List<Problem> problems) {
        this.file = file;
        this.path = path;
        this.node = node;
        this.problems = problems;
    }

    String field(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    JsonNode get(String name) {
        return node == null ? null : node.get(name);
    }

    String requiredString(String name) {
        JsonNode value = get(name);
        if (value == null || value.isNull()) {
            problems.add(new Problem(file, field(name), "is required (a non-empty string)"));
            return null;
        }
        return string(name, value);
    }

    String optionalString(String name) {
        JsonNode value = get(name);
        return value == null || value.isNull() ? null : string(name, value);
    }

    private String string(String name, JsonNode value) {
        if (!value.isTextual() || value.textValue().isBlank()) {
            problems.add(new Problem(file, field(name), "expected a non-empty string; got " + describe(value)));
            return null;
        }
        return value.textValue();
    }

    boolean optionalBoolean(String name, boolean fallback) {
        JsonNode value = get(name);
        if (value == null || value.isNull()) return fallback;
        if (!value.isBoolean()) {
            problems.add(new Problem(file, field(name), "expected true or false; got " + describe(value)));
            return fallback;
        }
        return value.booleanValue();
    }

    static String describe(JsonNode value) {
        String text = value.toString();
        String shown = text.length() > 60 ? text.substring(0, 60) + "…" : text;
        return value.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + shown;
    }
}
