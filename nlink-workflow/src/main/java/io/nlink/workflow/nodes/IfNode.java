package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
                                                                        .asBoolean(false)
                                                                || params.path("options")
                                                                        .path("looseTypeValidation")
                                                                        .asBoolean(false),
                                                        params.path("options")
                                                                .path("ignoreCase")
                                                                .asBoolean(false),
                                                        run.timezone())
                                                : holdsVersion1(params, "combineOperation"))
                                        ? 0
                                        : 1)
                        .add(run.item(item.json(), item)));
        return outputs;
    }

    /**
     * Whether n8n's version-2 condition block holds — the shape IF 2, Filter 2 and Switch 3 share:
     * {@code {conditions: [...], combinator, options: {caseSensitive, typeValidation, version}}}.
     * Types are checked strictly only when {@code typeValidation} says "strict" (n8n's filter reads a
     * block without it loosely) and the node does not ask for loose validation.
     *
     * @param looseFromNode the node's own {@code looseTypeValidation} switch
     * @param ignoreCase    the node's own {@code options.ignoreCase}
     * @param zone          where a date without an offset is (dateTime conditions)
     */
    static boolean holds(JsonNode conditions, boolean looseFromNode, boolean ignoreCase, ZoneId zone) {
        JsonNode options = conditions.path("options");
        Settings settings = new Settings(
                options.path("caseSensitive").asBoolean(true) && !ignoreCase,
                !"strict".equals(options.path("typeValidation").asText("loose")) || looseFromNode,
                options.path("version").asInt(1),
                zone);
        boolean or = "or".equals(conditions.path("combinator").asText("and"));
        List<Boolean> results = new ArrayList<>();
        for (JsonNode c : conditions.path("conditions")) {
            JsonNode op = c.path("operator");
            String type = op.path("type").asText("string");
            results.add(compare(
                    type,
                    op.path("rightType").asText(type),
                    op.path("operation").asText("equals"),
                    c.get("leftValue"),
                    c.get("rightValue"),
                    settings));
        }
        return or ? results.contains(true) : !results.contains(false);
    }

    /**
     * How a condition block compares: case, whether text converts to the condition's type, the
     * filter's {@code options.version} (2 and later read "0"/"1"/"false" as booleans), the zone.
     */
    record Settings(boolean caseSensitive, boolean loose, int version, ZoneId zone) {}

    /** Version 1's {@code conditions.string|number|boolean} lists, joined as {@code combineKey} says (all/any, or AND/OR). */
    static boolean holdsVersion1(JsonNode params, String combineKey) {
        String combine = params.path(combineKey).asText("all");
        boolean any = combine.equalsIgnoreCase("any") || combine.equalsIgnoreCase("or");
        List<Boolean> results = new ArrayList<>();
        for (String type : new String[] {"string", "number", "boolean"}) {
            for (JsonNode c : params.path("conditions").path(type)) {
                results.add(holdsVersion1(type, c.path("operation"), c.get("value1"), c.get("value2")));
            }
        }
        return any ? results.contains(true) : !results.contains(false);
    }

    /**
     * One comparison of version 1's kind (IF 1, Switch 1 and 2) on {@code type} (string, number,
     * boolean, dateTime). n8n leaves defaults out of its exports: the operation is "equal"
     * ("smaller" for numbers, "after" for dates), the values false, 0 or "".
     */
    static boolean holdsVersion1(String type, JsonNode operation, JsonNode value1, JsonNode value2) {
        String op = operation == null || operation.isMissingNode() || operation.isNull()
                ? switch (type) {
                    case "number" -> "smaller";
                    case "dateTime" -> "after";
                    default -> "equal";
                }
                : operation.asText();
        return compare(
                type,
                type,
                V1_NAMES.getOrDefault(op, op),
                value1 == null ? defaultVersion1(type) : value1,
                value2 == null ? defaultVersion1(type) : value2,
                new Settings(true, true, 2, ZoneOffset.UTC));
    }

    private static JsonNode defaultVersion1(String type) {
        return switch (type) {
            case "boolean" -> com.fasterxml.jackson.databind.node.BooleanNode.FALSE;
            case "number" -> com.fasterxml.jackson.databind.node.IntNode.valueOf(0);
            default -> com.fasterxml.jackson.databind.node.TextNode.valueOf("");
        };
    }

    /** Version 1 used other words for the same operations. */
    private static final java.util.Map<String, String> V1_NAMES = java.util.Map.ofEntries(
            java.util.Map.entry("equal", "equals"), java.util.Map.entry("notEqual", "notEquals"),
            java.util.Map.entry("larger", "gt"), java.util.Map.entry("largerEqual", "gte"),
            java.util.Map.entry("smaller", "lt"), java.util.Map.entry("smallerEqual", "lte"),
            java.util.Map.entry("isEmpty", "empty"), java.util.Map.entry("isNotEmpty", "notEmpty"));

    static boolean compare(
            String type, String rightType, String operation, JsonNode left, JsonNode right, Settings settings) {
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
        boolean loose = settings.loose();
        return switch (type) {
            case "number" -> {
                // A number that is not there equals nothing and, as JavaScript's null, orders as 0 (n8n's filter).
                if (missing && !operation.equals("true"))
                    left = Json.MAPPER.getNodeFactory().numberNode(0);
                if (missing && (operation.equals("equals") || operation.equals("notEquals")))
                    yield operation.equals("notEquals");
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
                boolean l = bool(left, settings, "left value");
                yield switch (operation) {
                    case "true" -> l;
                    case "false" -> !l;
                    case "equals" -> l == bool(right, settings, "right value");
                    case "notEquals" -> l != bool(right, settings, "right value");
                    default -> throw unknown(type, operation);
                };
            }
            case "string" -> {
                String l = text(left, loose, "left value"), r = text(right, true, "right value");
                boolean regex = operation.equals("regex") || operation.equals("notRegex");
                if (!settings.caseSensitive() && !regex) {
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
                        BoundedRegex.matcher(regex(r, settings.caseSensitive()), l)
                                .find();
                    case "notRegex" ->
                        !BoundedRegex.matcher(regex(r, settings.caseSensitive()), l)
                                .find();
                    default -> throw unknown(type, operation);
                };
            }
            case "dateTime" -> {
                // A date that is not there is before, after and equal to nothing (n8n's filter).
                if (missing || right == null || right.isNull() || right.isMissingNode()) yield false;
                long l = date(left, settings.zone(), "left value"), r = date(right, settings.zone(), "right value");
                yield switch (operation) {
                    case "equals" -> l == r;
                    case "notEquals" -> l != r;
                    case "after" -> l > r;
                    case "before" -> l < r;
                    case "afterOrEquals" -> l >= r;
                    case "beforeOrEquals" -> l <= r;
                    default -> throw unknown(type, operation);
                };
            }
            case "array" -> {
                JsonNode list = missing ? Json.MAPPER.createArrayNode() : array(left, loose);
                if (operation.equals("contains") || operation.equals("notContains")) {
                    JsonNode wanted = "number".equals(rightType) && right != null && !right.isNull()
                            ? Json.MAPPER.getNodeFactory().numberNode(number(right, loose, "right value"))
                            : right;
                    boolean found = contains(list, wanted, settings.caseSensitive());
                    yield operation.equals("contains") == found;
                }
                int length = list.size();
                double wanted = number(right, loose, "right value");
                yield switch (operation) {
                    case "lengthEquals" -> length == wanted;
                    case "lengthNotEquals" -> length != wanted;
                    case "lengthGt" -> length > wanted;
                    case "lengthLt" -> length < wanted;
                    case "lengthGte" -> length >= wanted;
                    case "lengthLte" -> length <= wanted;
                    default -> throw unknown(type, operation);
                };
            }
            case "object" -> throw unknown(type, operation);
            default ->
                throw new IllegalArgumentException("condition type \"" + type
                        + "\" is not supported (string, number, boolean, dateTime, array, object)");
        };
    }

    /**
     * Whether {@code list} holds {@code value} as JavaScript's {@code includes} finds it: text,
     * numbers (by value), booleans and null; a list or object never (JavaScript compares those by
     * identity). Ignoring case, text matches text only, in any case.
     */
    private static boolean contains(JsonNode list, JsonNode value, boolean caseSensitive) {
        if (value == null || value.isMissingNode() || value.isContainerNode()) return false;
        for (JsonNode element : list) {
            if (element.isContainerNode()) continue;
            if (value.isTextual()) {
                if (element.isTextual()
                        && (caseSensitive
                                ? element.asText().equals(value.asText())
                                : element.asText()
                                        .toLowerCase(Locale.ROOT)
                                        .equals(value.asText().toLowerCase(Locale.ROOT)))) return true;
            } else if (value.isNumber()) {
                if (element.isNumber() && element.asDouble() == value.asDouble()) return true;
            } else if (element.equals(value)) {
                return true;
            }
        }
        return false;
    }

    /** A list, or (loosely) JSON text of one — with single quotes, as n8n also reads it. */
    private static JsonNode array(JsonNode v, boolean loose) {
        if (v.isArray()) return v;
        if (loose && v.isTextual()) {
            for (String text : new String[] {v.asText(), v.asText().replace('\'', '"')}) {
                try {
                    JsonNode parsed = Json.parse(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    if (parsed.isArray()) return parsed;
                } catch (java.io.IOException | RuntimeException notJson) {
                    // tries the next reading, then fails below
                }
            }
        }
        throw new IllegalArgumentException("wrong type: the left value " + describe(v) + " is not an array"
                + (loose ? "" : " (turn on loose type validation to read JSON text as a list)"));
    }

    /** Epoch milliseconds of a date as n8n's filter reads one: ISO 8601, HTTP, SQL, slashed, or a timestamp. */
    private static long date(JsonNode v, ZoneId zone, String what) {
        String text = v.isNumber() ? v.decimalValue().toPlainString() : v.isTextual() ? v.asText() : null;
        if (text == null || text.isBlank())
            throw new IllegalArgumentException("wrong type: the " + what + " " + describe(v) + " is not a date");
        try {
            return DateFormats.parse(text, zone).toInstant().toEpochMilli();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("wrong type: the " + what + " " + e.getMessage());
        }
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

    /**
     * A boolean. Loosely, n8n's filter 2 and later reads "true"/"false" in any case and the numbers
     * (or numeric text) 1 and 0; anything else, and everything in filter 1, is JavaScript's
     * truthiness ("false" is true there).
     */
    private static boolean bool(JsonNode v, Settings settings, String what) {
        if (v != null && v.isBoolean()) return v.asBoolean();
        if (!settings.loose())
            throw new IllegalArgumentException("wrong type: the " + what + " " + describe(v) + " is not a boolean"
                    + " (turn on loose type validation to convert text and numbers)");
        if (v == null || v.isNull() || v.isMissingNode()) return false;
        if (settings.version() >= 2) {
            String t = v.isValueNode() ? v.asText().strip() : "";
            if (t.equalsIgnoreCase("true")) return true;
            if (t.equalsIgnoreCase("false")) return false;
            if (!t.isEmpty()) {
                try {
                    double n = Double.parseDouble(t);
                    if (n == 0) return false;
                    if (n == 1) return true;
                } catch (NumberFormatException notANumber) {
                    // JavaScript's truthiness, below
                }
            }
        }
        if (v.isNumber()) return v.asDouble() != 0 && !Double.isNaN(v.asDouble());
        if (v.isTextual()) return !v.asText().isEmpty();
        return true;
    }

    private static String text(JsonNode v, boolean loose, String what) {
        if (v != null && v.isTextual()) return v.asText();
        if (v == null || v.isNull()) return "";
        if (loose || v.isNumber() || v.isBoolean()) return v.isValueNode() ? v.asText() : v.toString();
        throw new IllegalArgumentException("wrong type: the " + what + " " + describe(v) + " is not a string");
    }

    /** n8n's filter reads "/source/flags" as a JavaScript literal, else the text as the expression. */
    private static java.util.regex.Pattern regex(String source, boolean caseSensitive) {
        java.util.regex.Matcher literal = REGEX_LITERAL.matcher(source);
        String body = source;
        int flags = caseSensitive ? 0 : java.util.regex.Pattern.CASE_INSENSITIVE;
        if (literal.matches()) {
            body = literal.group(1);
            if (literal.group(2).contains("i")) flags |= java.util.regex.Pattern.CASE_INSENSITIVE;
            if (literal.group(2).contains("m")) flags |= java.util.regex.Pattern.MULTILINE;
            if (literal.group(2).contains("s")) flags |= java.util.regex.Pattern.DOTALL;
        }
        return BoundedRegex.compile(body, flags);
    }

    private static final java.util.regex.Pattern REGEX_LITERAL =
            java.util.regex.Pattern.compile("^/(.*?)/([gimsuy]*)$", java.util.regex.Pattern.DOTALL);

    private static String describe(JsonNode v) {
        return v == null || v.isMissingNode() ? "(missing)" : v.toString();
    }

    private static IllegalArgumentException unknown(String type, String operation) {
        return new IllegalArgumentException("the " + type + " operation \"" + operation + "\" is not supported");
    }
}
