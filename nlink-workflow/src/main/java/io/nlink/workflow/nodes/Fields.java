package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import java.util.Arrays;
import java.util.List;

/** Field names as n8n's data nodes take them: comma-separated lists, dotted paths unless dot notation is off. */
final class Fields {
    private Fields() {}

    /** "a, b.c" → ["a", "b.c"]; a JSON array of names, or older versions' {fields: [{fieldName}]}, work too. */
    static List<String> list(JsonNode names) {
        if (names.isObject()) {
            return java.util.stream.StreamSupport.stream(names.path("fields").spliterator(), false)
                    .map(f -> f.path("fieldName").asText("").strip())
                    .filter(n -> !n.isEmpty())
                    .toList();
        }
        if (names.isArray()) {
            return java.util.stream.StreamSupport.stream(names.spliterator(), false)
                    .map(JsonNode::asText)
                    .map(String::strip)
                    .filter(n -> !n.isEmpty())
                    .toList();
        }
        return Arrays.stream(names.asText("").split(","))
                .map(String::strip)
                .filter(n -> !n.isEmpty())
                .toList();
    }

    /** The value at {@code path} ("a.b.c" when {@code dots}), or a missing node. */
    static JsonNode get(JsonNode item, String path, boolean dots) {
        if (!dots || item.has(path)) return item.path(path);
        JsonNode at = item;
        for (String part : path.split("\\.")) {
            if (at == null || !at.isObject()) return MissingNode.getInstance();
            at = at.get(part);
        }
        return at == null ? MissingNode.getInstance() : at;
    }

    /** Sets {@code path} in {@code out}, making the objects on the way when {@code dots}. */
    static void put(ObjectNode out, String path, JsonNode value, boolean dots) {
        if (!dots || !path.contains(".")) {
            out.set(path, value);
            return;
        }
        String[] parts = path.split("\\.");
        ObjectNode at = out;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = at.get(parts[i]);
            if (next == null || !next.isObject()) {
                next = Json.MAPPER.createObjectNode();
                at.set(parts[i], next);
            }
            at = (ObjectNode) next;
        }
        at.set(parts[parts.length - 1], value);
    }

    static boolean missing(JsonNode v) {
        return v == null || v.isMissingNode() || v.isNull();
    }

    /** Whether the node's options turn dotted paths off ({@code disableDotNotation}). */
    static boolean dots(JsonNode params) {
        return !params.path("options").path("disableDotNotation").asBoolean(false);
    }
}
