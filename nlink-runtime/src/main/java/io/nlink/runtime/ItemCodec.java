package io.nlink.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON on both sides of {@code execute_node}: the context the host hands a node for one item,
 * and the result the node hands back. Kept in one place so every runtime speaks it identically.
 */
public final class ItemCodec {
    /** How much of a malformed result an error message quotes. */
    private static final int EXCERPT_CHARS = 120;

    private ItemCodec() {}

    /** {@code {"params": params, "$json": item}}, UTF-8. */
    public static byte[] encodeContext(JsonNode params, JsonNode item) {
        ObjectNode context = Json.MAPPER.createObjectNode();
        context.set("params", params);
        context.set("$json", item);
        return Json.writeBytes(context);
    }

    /** What a node's result says. */
    public sealed interface Decoded {}

    /** {@code [{"json": {...}}, ...]}: the output items' json objects, possibly none. */
    public record Items(List<JsonNode> items) implements Decoded {}

    /** {@code {"error": "..."}}: the node refused the item. */
    public record Refused(String error) implements Decoded {}

    /** Not a result: why, quoting the start of what was received. */
    public record Invalid(String why) implements Decoded {}

    public static Decoded decodeResult(byte[] bytes) {
        if (bytes.length == 0) {
            return new Invalid("returned an empty result; expected [{\"json\": {...}}, ...] or {\"error\": \"...\"}");
        }
        JsonNode root;
        try {
            root = Json.parse(bytes);
        } catch (JsonProcessingException e) {
            return new Invalid("returned invalid JSON (" + e.getOriginalMessage() + "); first bytes: " + quote(bytes));
        } catch (IOException e) {
            return new Invalid("returned an unreadable result (" + e.getMessage() + "); first bytes: " + quote(bytes));
        }
        if (root.isObject()) {
            JsonNode error = root.get("error");
            if (error == null) {
                return new Invalid("returned an object without \"error\"; expected [{\"json\": {...}}, ...] or"
                        + " {\"error\": \"...\"}; first bytes: "
                        + quote(bytes));
            }
            return new Refused(error.isTextual() ? error.textValue() : error.toString());
        }
        if (!root.isArray()) {
            return new Invalid("returned a JSON "
                    + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                    + "; expected [{\"json\": {...}}, ...] or {\"error\": \"...\"}; first bytes: "
                    + quote(bytes));
        }
        List<JsonNode> items = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            JsonNode entry = root.get(i);
            JsonNode json = entry.isObject() ? entry.get("json") : null;
            if (json == null || !json.isObject()) {
                return new Invalid("returned an array whose element "
                        + i
                        + " is not {\"json\": {...}}: "
                        + Json.excerpt(Json.writeBytes(entry), EXCERPT_CHARS));
            }
            items.add(json);
        }
        return new Items(List.copyOf(items));
    }

    private static String quote(byte[] bytes) {
        return "\"" + Json.excerpt(bytes, EXCERPT_CHARS) + "\"";
    }
}
