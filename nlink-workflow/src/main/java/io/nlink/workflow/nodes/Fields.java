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

    /**
     * {@link #put}, and {@code [n]} in the path a list element ({@code data[0]}, {@code a.b[2].c}),
     * making the lists and objects on the way, as lodash's {@code set} in n8n does. Indexes stop
     * at {@link #MAX_INDEX}: a hostile path must not make a list of a billion nulls.
     */
    static void putPath(ObjectNode out, String path, JsonNode value, boolean dots) {
        if (!dots || !path.contains("[") || out.has(path)) {
            put(out, path, value, dots);
            return;
        }
        List<Object> parts = new java.util.ArrayList<>();
        java.util.regex.Matcher m = PATH_PART.matcher(path);
        int end = 0;
        while (m.find() && m.start() == end) {
            if (m.group(1) != null) parts.add(m.group(1));
            else {
                int index = Integer.parseInt(m.group(2));
                if (index > MAX_INDEX)
                    throw new IllegalArgumentException(
                            "field " + path + ": list index " + index + " is over the limit of " + MAX_INDEX);
                parts.add(index);
            }
            end = m.end();
        }
        if (end != path.length() || parts.isEmpty() || !(parts.get(0) instanceof String)) {
            put(out, path, value, dots);
            return;
        }
        com.fasterxml.jackson.databind.node.ContainerNode<?> at = out;
        for (int i = 0; i < parts.size(); i++) {
            Object part = parts.get(i);
            boolean last = i == parts.size() - 1;
            JsonNode next = last
                    ? value
                    : parts.get(i + 1) instanceof Integer
                            ? Json.MAPPER.createArrayNode()
                            : Json.MAPPER.createObjectNode();
            if (at instanceof ObjectNode object && part instanceof String name) {
                JsonNode existing = object.get(name);
                if (!last && existing != null && existing.isContainerNode() && existing.isArray() == next.isArray())
                    next = existing;
                else object.set(name, next);
            } else if (at instanceof com.fasterxml.jackson.databind.node.ArrayNode array
                    && part instanceof Integer index) {
                while (array.size() <= index) array.addNull();
                JsonNode existing = array.get(index);
                if (!last && existing.isContainerNode() && existing.isArray() == next.isArray()) next = existing;
                else array.set(index, next);
            } else {
                return;
            }
            if (!last) at = (com.fasterxml.jackson.databind.node.ContainerNode<?>) next;
        }
    }

    /** The largest list index {@link #putPath} makes. */
    static final int MAX_INDEX = 10_000;

    private static final java.util.regex.Pattern PATH_PART =
            java.util.regex.Pattern.compile("\\.?([^.\\[\\]]+)|\\[(\\d{1,9})\\]");

    /** Removes {@code path} from {@code out} (its last part from the object holding it when {@code dots}). */
    static void remove(ObjectNode out, String path, boolean dots) {
        if (!dots || out.has(path) || !path.contains(".")) {
            out.remove(path);
            return;
        }
        String[] parts = path.split("\\.");
        JsonNode at = out;
        for (int i = 0; i < parts.length - 1 && at != null; i++) at = at.get(parts[i]);
        if (at instanceof ObjectNode parent) parent.remove(parts[parts.length - 1]);
    }

    static boolean missing(JsonNode v) {
        return v == null || v.isMissingNode() || v.isNull();
    }

    /** Whether the node's options turn dotted paths off ({@code disableDotNotation}). */
    static boolean dots(JsonNode params) {
        return !params.path("options").path("disableDotNotation").asBoolean(false);
    }
}
