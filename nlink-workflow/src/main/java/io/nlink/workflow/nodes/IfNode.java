package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * IF (n8n-nodes-base.if): items whose conditions hold go to output 0 ("true"), the rest to
 * output 1 ("false"). Version 2: {@code conditions.conditions} of {leftValue, rightValue,
 * operator: {type, operation}} joined by {@code conditions.combinator} ("and"/"or"). Version 1:
 * {@code conditions.string|number|boolean} of {value1, operation, value2} joined by
 * {@code combineOperation} ("all"/"any"). The values are usually expressions, evaluated in the
 * sandbox; the comparison itself is plain data.
 */
final class IfNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(2);
        run.eachItem(
                run.input(0),
                outputs,
                (i, item, params) -> outputs.get(
                                (run.node().typeVersion() >= 2
                                                ? holds(
                                                        params.path("conditions"),
                                                        params.path("looseTypeValidation")
                                                                .asBoolean(false),
                                                        params.path("options")
                                                                .path("ignoreCase")
                                                                .asBoolean(false))
                                                : holdsVersion1(params, "combineOperation"))
                                        ? 0
                                        : 1)
                        .add(run.item(item.json(), item)));
        return outputs;
    }

    /**
     * Whether n8n's version-2 condition block holds — the shape IF 2, Filter 2 and Switch 3 share:
     * {@code {conditions: [...], combinator, options: {caseSensitive, typeValidation}}}.
     *
     * @param looseFromNode the node's own {@code looseTypeValidation} switch
     * @param ignoreCase    the node's own {@code options.ignoreCase}
     */
    static boolean holds(JsonNode conditions, boolean looseFromNode, boolean ignoreCase) {
        boolean caseSensitive = conditions.path("options").path("caseSensitive").asBoolean(true) && !ignoreCase;
        boolean loose =
                "loose".equals(conditions.path("options").path("typeValidation").asText("strict")) || looseFromNode;
        boolean or = "or".equals(conditions.path("combinator").asText("and"));
        List<Boolean> results = new ArrayList<>();
        for (JsonNode c : conditions.path("conditions")) {
            JsonNode op = c.path("operator");
            results.add(compare(
                    op.path("type").asText("string"),
                    op.path("operation").asText("equals"),
                    c.get("leftValue"),
                    c.get("rightValue"),
                    caseSensitive,
                    loose));
        }
        return or ? results.contains(true) : !results.contains(false);
    }

    /** Version 1's {@code conditions.string|number|boolean} lists, joined as {@code combineKey} says (all/any, or AND/OR). */
    static boolean holdsVersion1(JsonNode params, String combineKey) {
        String combine = params.path(combineKey).asText("all");
        boolean any = combine.equalsIgnoreCase("any") || combine.equalsIgnoreCase("or");
        List<Boolean> results = new ArrayList<>();
        for (String type : new String[] {"string", "number", "boolean"}) {
            for (JsonNode c : params.path("conditions").path(type)) {
                // n8n leaves defaults out of its exports: the operation is "equal" ("smaller" for numbers), value2
                // false, 0 or "".
                String operation = c.path("operation").asText(type.equals("number") ? "smaller" : "equal");
                JsonNode value2 = c.has("value2")
                        ? c.get("value2")
                        : switch (type) {
                            case "boolean" -> com.fasterxml.jackson.databind.node.BooleanNode.FALSE;
                            case "number" -> com.fasterxml.jackson.databind.node.IntNode.valueOf(0);
                            default -> com.fasterxml.jackson.databind.node.TextNode.valueOf("");
                        };
                results.add(compare(
                        type, V1_NAMES.getOrDefault(operation, operation), c.get("value1"), value2, true, true));
            }
        }
        return any ? results.contains(true) : !results.contains(false);
    }

    /** Version 1 used other words for the same operations. */
    private static final java.util.Map<String, String> V1_NAMES = java.util.Map.ofEntries(
            java.util.Map.entry("equal", "equals"), java.util.Map.entry("notEqual", "notEquals"),
            java.util.Map.entry("larger", "gt"), java.util.Map.entry("largerEqual", "gte"),
            java.util.Map.entry("smaller", "lt"), java.util.Map.entry("smallerEqual", "lte"),
            java.util.Map.entry("isEmpty", "empty"), java.util.Map.entry("isNotEmpty", "notEmpty"));

    static boolean compare(
            String type, String operation, JsonNode left, JsonNode right, boolean caseSensitive, boolean loose) {
        boolean missing = left == null || left.isNull() || left.isMissingNode();
        switch (operation) {
            case "exists":
                return !missing;
            case "notExists":
                return missing;
            case "empty":
                return missing || empty(left);
            case "notEmpty":
                return !missing && !empty(left);
            default:
                break;
        }
        return switch (type) {
            case "number" -> {
                double l = number(left, loose, "left value"),
                        r = "true".equals(operation) ? 0 : number(right, loose, "right value");
                yield switch (operation) {
                    case "equals" -> l == r;
                    case "notEquals" -> l != r;
                    case "gt" -> l > r;
                    case "lt" -> l < r;
                    case "gte" -> l >= r;
                    case "lte" -> l <= r;
                    default -> throw unknown(type, operation);
                };
            }
            case "boolean" -> {
                boolean l = bool(left, loose, "left value");
                yield switch (operation) {
                    case "true" -> l;
                    case "false" -> !l;
                    case "equals" -> l == bool(right, loose, "right value");
                    case "notEquals" -> l != bool(right, loose, "right value");
                    default -> throw unknown(type, operation);
                };
            }
            case "string" -> {
                String l = text(left, loose, "left value"), r = text(right, true, "right value");
                if (!caseSensitive) {
                    l = l.toLowerCase(Locale.ROOT);
                    r = r.toLowerCase(Locale.ROOT);
                }
                yield switch (operation) {
                    case "equals" -> l.equals(r);
                    case "notEquals" -> !l.equals(r);
                    case "contains" -> l.contains(r);
                    case "notContains" -> !l.contains(r);
                    case "startsWith" -> l.startsWith(r);
                    case "notStartsWith" -> !l.startsWith(r);
                    case "endsWith" -> l.endsWith(r);
                    case "notEndsWith" -> !l.endsWith(r);
                    case "regex" ->
                        BoundedRegex.matcher(BoundedRegex.compile(r, 0), l).find();
                    case "notRegex" ->
                        !BoundedRegex.matcher(BoundedRegex.compile(r, 0), l).find();
                    default -> throw unknown(type, operation);
                };
            }
            default ->
                throw new IllegalArgumentException(
                        "condition type \"" + type + "\" is not supported (string, number, boolean)");
        };
    }

    private static boolean empty(JsonNode v) {
        return (v.isTextual() && v.asText().isEmpty()) || ((v.isArray() || v.isObject()) && v.isEmpty());
    }

    private static double number(JsonNode v, boolean loose, String what) {
        if (v != null && v.isNumber()) return v.asDouble();
        if (loose && v != null && v.isTextual()) {
            try {
                return Double.parseDouble(v.asText().strip());
            } catch (NumberFormatException e) {
                // falls through to the error
            }
        }
        throw new IllegalArgumentException("wrong type: the " + what + " " + describe(v) + " is not a number"
                + (loose ? "" : " (turn on loose type validation to convert text)"));
    }

    private static boolean bool(JsonNode v, boolean loose, String what) {
        if (v != null && v.isBoolean()) return v.asBoolean();
        if (loose
                && v != null
                && v.isTextual()
                && (v.asText().equals("true") || v.asText().equals("false")))
            return v.asText().equals("true");
        throw new IllegalArgumentException("wrong type: the " + what + " " + describe(v) + " is not a boolean");
    }

    private static String text(JsonNode v, boolean loose, String what) {
        if (v != null && v.isTextual()) return v.asText();
        if (v == null || v.isNull()) return "";
        if (loose || v.isNumber() || v.isBoolean()) return v.isValueNode() ? v.asText() : v.toString();
        throw new IllegalArgumentException("wrong type: the " + what + " " + describe(v) + " is not a string");
    }

    private static String describe(JsonNode v) {
        return v == null || v.isMissingNode() ? "(missing)" : v.toString();
    }

    private static IllegalArgumentException unknown(String type, String operation) {
        return new IllegalArgumentException("the " + type + " operation \"" + operation + "\" is not supported");
    }
}
