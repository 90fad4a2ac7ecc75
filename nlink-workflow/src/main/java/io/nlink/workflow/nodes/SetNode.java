package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.io.IOException;
import java.util.List;

/**
 * Set / Edit Fields (n8n-nodes-base.set). Version 3.3 and later: {@code assignments.assignments}
 * of {name, value, type}, {@code includeOtherFields} (with {@code include}), or {@code mode: "raw"}
 * with {@code jsonOutput}. Versions 3.0–3.2: {@code fields.values} of {name, type: "numberValue",
 * numberValue} and {@code include} (all, none, selected, except). Versions 1 and 2: {@code values.string|number|boolean} lists and
 * {@code keepOnlySet}. Names with dots set nested fields (n8n's dotNotation, on by default);
 * in versions 1 and 2 {@code [n]} sets a list element too ({@code data[0]}), as n8n's lodash does.
 */
final class SetNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(1);
        run.eachItem(
                run.input(0),
                outputs,
                (i, item, params) ->
                        outputs.get(0).add(run.item(apply(run.node().typeVersion(), params, item.json()), item)));
        return outputs;
    }

    private static final java.util.Map<String, JsonNode> V1_DEFAULTS = java.util.Map.of(
            "string", Json.MAPPER.getNodeFactory().textNode(""),
            "number", Json.MAPPER.getNodeFactory().numberNode(0),
            "boolean", Json.MAPPER.getNodeFactory().booleanNode(false));

    private static ObjectNode apply(double version, ObjectNode params, JsonNode item) {
        boolean dots = params.path("options").path("dotNotation").asBoolean(true);
        if (version < 3) {
            ObjectNode out = params.path("keepOnlySet").asBoolean(false) ? Json.MAPPER.createObjectNode() : copy(item);
            for (String type : new String[] {"string", "number", "boolean"}) {
                for (JsonNode field : params.path("values").path(type)) {
                    // n8n's exports leave defaults out: the name "propertyName", the value "", 0 or false.
                    String name = field.path("name").asText("propertyName");
                    JsonNode value = field.has("value") ? field.get("value") : V1_DEFAULTS.get(type);
                    // Version 1 sets what the value is (an expression's number stays a number under
                    // "string", its text under "number"); version 2 converts to the list's type.
                    Fields.putPath(out, name, version < 2 && value != null ? value : convert(type, value, name), dots);
                }
            }
            return out;
        }
        ObjectNode out = kept(version, params, item);
        if ("raw".equals(params.path("mode").asText("manual"))) {
            JsonNode raw = params.get("jsonOutput");
            JsonNode parsed = raw != null && raw.isTextual() ? parseJson(raw.asText(), "jsonOutput") : raw;
            if (parsed == null || !parsed.isObject())
                throw new IllegalArgumentException("jsonOutput: expected a JSON object");
            out.setAll((ObjectNode) parsed);
            return out;
        }
        boolean lenient = params.path("options").path("ignoreConversionErrors").asBoolean(false);
        if (version >= 3.3) {
            for (JsonNode a : params.path("assignments").path("assignments")) {
                String name = a.path("name").asText();
                if (name.isEmpty()) throw new IllegalArgumentException("an assignment has no field name");
                Fields.put(out, name, typed(a.path("type").asText("string"), a.get("value"), name, lenient), dots);
            }
        } else {
            // 3.0–3.2: fields.values[{name, type: "numberValue", numberValue: …}]; no type means a string.
            for (JsonNode f : params.path("fields").path("values")) {
                String name = f.path("name").asText();
                if (name.isEmpty()) throw new IllegalArgumentException("a field to set has no name");
                String valueKey = f.path("type").asText("stringValue");
                Fields.put(out, name, typed(valueKey.replaceFirst("Value$", ""), f.get(valueKey), name, lenient), dots);
            }
        }
        return out;
    }

    /**
     * The input fields the output starts with. 3.3+: none unless {@code includeOtherFields}, then
     * {@code include} all (the default), selected or all except some; 3.0–3.2: {@code include}
     * says it alone (all by default, or none, selected, except).
     */
    private static ObjectNode kept(double version, ObjectNode params, JsonNode item) {
        String include = version >= 3.3
                ? (params.path("includeOtherFields").asBoolean(false)
                        ? params.path("include").asText("all")
                        : "none")
                : params.path("include").asText("all");
        return switch (include) {
            case "none" -> Json.MAPPER.createObjectNode();
            case "all" -> copy(item);
            case "selected" -> {
                ObjectNode out = Json.MAPPER.createObjectNode();
                for (String field : fieldList(params.path("includeFields"))) {
                    JsonNode v = item.at(pointer(field));
                    if (!v.isMissingNode()) Fields.put(out, field, v.deepCopy(), true);
                }
                yield out;
            }
            case "except" -> {
                ObjectNode out = copy(item);
                for (String field : fieldList(params.path("excludeFields"))) remove(out, field);
                yield out;
            }
            default ->
                throw new IllegalArgumentException(
                        "include: \"" + include + "\" is not one of all, none, selected, except");
        };
    }

    private static List<String> fieldList(JsonNode names) {
        return java.util.Arrays.stream(names.asText("").split(","))
                .map(String::strip)
                .filter(n -> !n.isEmpty())
                .toList();
    }

    private static com.fasterxml.jackson.core.JsonPointer pointer(String dotted) {
        StringBuilder p = new StringBuilder();
        for (String part : dotted.split("\\."))
            p.append('/').append(part.replace("~", "~0").replace("/", "~1"));
        return com.fasterxml.jackson.core.JsonPointer.compile(p.toString());
    }

    private static void remove(ObjectNode out, String dotted) {
        String[] parts = dotted.split("\\.");
        JsonNode at = out;
        for (int i = 0; i < parts.length - 1 && at != null; i++) at = at.get(parts[i]);
        if (at instanceof ObjectNode parent) parent.remove(parts[parts.length - 1]);
    }

    /**
     * A value as the field's declared type, converting as n8n's type validation does: numbers from
     * numeric text (blank is 0) and booleans (1/0), booleans from true/false/1/0 text (any case) and
     * the numbers 1/0, arrays and objects from JSON text, text from anything (JSON for arrays and
     * objects). What does not convert fails the item, or, with {@code ignoreConversionErrors},
     * keeps its value as it was.
     */
    static JsonNode typed(String type, JsonNode value, String name, boolean lenient) {
        if (value == null || value.isNull() || value.isMissingNode()) return Json.MAPPER.nullNode();
        var f = Json.MAPPER.getNodeFactory();
        JsonNode converted = switch (type) {
            case "string" ->
                f.textNode(
                        value.isTextual() ? value.asText() : value.isValueNode() ? value.asText() : value.toString());
            case "number" -> {
                if (value.isNumber()) yield value;
                if (value.isBoolean()) yield f.numberNode(value.asBoolean() ? 1 : 0);
                if (!value.isTextual()) yield null;
                String t = value.asText().strip();
                if (t.isEmpty()) yield f.numberNode(0);
                try {
                    yield f.numberNode(Long.parseLong(t));
                } catch (NumberFormatException notWhole) {
                    try {
                        double d = Double.parseDouble(t);
                        yield Double.isFinite(d)
                                        && !t.endsWith("d")
                                        && !t.endsWith("f")
                                        && !t.endsWith("D")
                                        && !t.endsWith("F")
                                ? f.numberNode(d)
                                : null;
                    } catch (NumberFormatException notNumber) {
                        yield null;
                    }
                }
            }
            case "boolean" -> {
                if (value.isBoolean()) yield value;
                if (value.isNumber())
                    yield value.asDouble() == 1
                            ? f.booleanNode(true)
                            : value.asDouble() == 0 ? f.booleanNode(false) : null;
                String t = value.isTextual() ? value.asText().strip().toLowerCase(java.util.Locale.ROOT) : "";
                yield switch (t) {
                    case "true", "1" -> f.booleanNode(true);
                    case "false", "0" -> f.booleanNode(false);
                    default -> null;
                };
            }
            case "array", "object" -> {
                JsonNode v = value;
                if (value.isTextual()) {
                    try {
                        v = Json.parse(value.asText());
                    } catch (IOException e) {
                        v = null;
                    }
                }
                yield v != null && (type.equals("array") ? v.isArray() : v.isObject()) ? v : null;
            }
            default ->
                throw new IllegalArgumentException("field " + name + ": the type \"" + type
                        + "\" is not one of string, number, boolean, array, object");
        };
        if (converted != null) return converted;
        if (lenient) return value;
        throw new IllegalArgumentException("field " + name + ": "
                + (value.isTextual() ? "\"" + value.asText() + "\"" : value.toString())
                + " cannot be converted to " + (type.equals("array") || type.equals("object") ? "an " : "a ") + type
                + "; fix the value, or turn on the option ignoreConversionErrors to keep it as it is");
    }

    private static ObjectNode copy(JsonNode item) {
        return item != null && item.isObject() ? ((ObjectNode) item).deepCopy() : Json.MAPPER.createObjectNode();
    }

    private static JsonNode convert(String type, JsonNode value, String name) {
        if (value == null || value.isNull()) return Json.MAPPER.nullNode();
        return switch (type) {
            case "string" ->
                Json.MAPPER.getNodeFactory().textNode(value.isTextual() ? value.asText() : value.toString());
            case "number" -> {
                if (value.isNumber()) yield value;
                try {
                    yield Json.MAPPER
                            .getNodeFactory()
                            .numberNode(new java.math.BigDecimal(value.asText().strip()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "field " + name + ": \"" + value.asText() + "\" is not a number");
                }
            }
            case "boolean" -> {
                if (value.isBoolean()) yield value;
                String t = value.asText().strip().toLowerCase(java.util.Locale.ROOT);
                if (t.equals("true") || t.equals("false"))
                    yield Json.MAPPER.getNodeFactory().booleanNode(t.equals("true"));
                throw new IllegalArgumentException(
                        "field " + name + ": \"" + value.asText() + "\" is not true or false");
            }
            case "array", "object" -> {
                JsonNode v = value.isTextual() ? parseJson(value.asText(), "field " + name) : value;
                if (type.equals("array") ? !v.isArray() : !v.isObject()) {
                    throw new IllegalArgumentException(
                            "field " + name + ": expected " + (type.equals("array") ? "an array" : "an object"));
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
}
