package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.io.IOException;
import java.util.List;

/**
 * Set / Edit Fields (n8n-nodes-base.set). Version 3.3 and later: {@code assignments.assignments}
 * of {name, value, type}, {@code includeOtherFields}, or {@code mode: "raw"} with
 * {@code jsonOutput}. Versions 1 and 2: {@code values.string|number|boolean} lists and
 * {@code keepOnlySet}. Names with dots set nested fields (n8n's dotNotation, on by default).
 */
final class SetNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(1);
        run.eachItem(run.input(0), outputs, (i, item, params) -> outputs.get(0).add(run.item(apply(run.node().typeVersion(), params, item.json()), item)));
        return outputs;
    }

    private static ObjectNode apply(double version, ObjectNode params, JsonNode item) {
        boolean dots = params.path("options").path("dotNotation").asBoolean(true);
        if (version < 3) {
            ObjectNode out = params.path("keepOnlySet").asBoolean(false) ? Json.MAPPER.createObjectNode() : copy(item);
            for (String type : new String[] {"string", "number", "boolean"}) {
                for (JsonNode field : params.path("values").path(type)) {
                    set(out, field.path("name").asText(), convert(type, field.get("value"), field.path("name").asText()), dots);
                }
            }
            return out;
        }
        boolean keep = params.path("includeOtherFields").asBoolean(false);
        ObjectNode out = keep ? copy(item) : Json.MAPPER.createObjectNode();
        if ("raw".equals(params.path("mode").asText("manual"))) {
            JsonNode raw = params.get("jsonOutput");
            JsonNode parsed = raw != null && raw.isTextual() ? parseJson(raw.asText(), "jsonOutput") : raw;
            if (parsed == null || !parsed.isObject()) throw new IllegalArgumentException("jsonOutput: expected a JSON object");
            out.setAll((ObjectNode) parsed);
            return out;
        }
        for (JsonNode a : params.path("assignments").path("assignments")) {
            String name = a.path("name").asText();
            if (name.isEmpty()) throw new IllegalArgumentException("an assignment has no field name");
            set(out, name, convert(a.path("type").asText("string"), a.get("value"), name), dots);
        }
        return out;
    }

    private static ObjectNode copy(JsonNode item) {
        return item != null && item.isObject() ? ((ObjectNode) item).deepCopy() : Json.MAPPER.createObjectNode();
    }

    private static JsonNode convert(String type, JsonNode value, String name) {
        if (value == null || value.isNull()) return Json.MAPPER.nullNode();
        return switch (type) {
            case "string" -> Json.MAPPER.getNodeFactory().textNode(value.isTextual() ? value.asText() : value.toString());
            case "number" -> {
                if (value.isNumber()) yield value;
                try {
                    yield Json.MAPPER.getNodeFactory().numberNode(new java.math.BigDecimal(value.asText().strip()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("field " + name + ": \"" + value.asText() + "\" is not a number");
                }
            }
            case "boolean" -> {
                if (value.isBoolean()) yield value;
                String t = value.asText().strip().toLowerCase(java.util.Locale.ROOT);
                if (t.equals("true") || t.equals("false")) yield Json.MAPPER.getNodeFactory().booleanNode(t.equals("true"));
                throw new IllegalArgumentException("field " + name + ": \"" + value.asText() + "\" is not true or false");
            }
            case "array", "object" -> {
                JsonNode v = value.isTextual() ? parseJson(value.asText(), "field " + name) : value;
                if (type.equals("array") ? !v.isArray() : !v.isObject()) {
                    throw new IllegalArgumentException("field " + name + ": expected " + (type.equals("array") ? "an array" : "an object"));
                }
                yield v;
            }
            default -> value;
        };
    }

    private static JsonNode parseJson(String text, String what) {
        try {
            return Json.parse(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": not valid JSON: " + e.getMessage());
        }
    }

    private static void set(ObjectNode out, String name, JsonNode value, boolean dots) {
        if (!dots || !name.contains(".")) {
            out.set(name, value);
            return;
        }
        String[] parts = name.split("\\.");
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
}
