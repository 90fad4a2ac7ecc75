package io.nlink.runtime.pkg;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One parameter of a node, as {@code definition.json} declares it and the dashboard renders it.
 *
 * @param name         the key under {@code params} in the item context
 * @param displayName  the form label
 * @param type         how the value is typed and edited
 * @param defaultValue used when the workflow gives no value; null when none
 * @param required     whether a value (given or default) must exist
 * @param options      the allowed choices, for {@link Type#OPTIONS} only
 * @param description  help text under the field
 */
public record NodeProperty(
        String name,
        String displayName,
        Type type,
        JsonNode defaultValue,
        boolean required,
        List<Option> options,
        String description) {

    public enum Type {
        STRING,
        NUMBER,
        BOOLEAN,
        OPTIONS,
        JSON;

        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        static String allowed() {
            return Arrays.stream(values()).map(Type::jsonName).collect(Collectors.joining(", "));
        }
    }

    /** One choice of an options parameter: the label shown and the value passed. */
    public record Option(String name, JsonNode value, String description) {}

    /** Whether {@code value} is acceptable for this property; null when it is, else what is wrong. */
    public String check(JsonNode value) {
        return switch (type) {
            case STRING -> value.isTextual() ? null : "expected a string; got " + JsonFields.describe(value);
            case NUMBER -> value.isNumber() ? null : "expected a number; got " + JsonFields.describe(value);
            case BOOLEAN -> value.isBoolean() ? null : "expected true or false; got " + JsonFields.describe(value);
            case JSON -> null;
            case OPTIONS ->
                options.stream().anyMatch(o -> sameValue(o.value(), value))
                        ? null
                        : "expected one of "
                                + options.stream()
                                        .map(o -> o.value().toString())
                                        .collect(Collectors.joining(", "))
                                + "; got "
                                + JsonFields.describe(value);
        };
    }

    /** JSON equality, except that numbers compare by value: 1 and 1.0 are the same choice. */
    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    static NodeProperty parse(String file, String path, JsonNode node, List<Problem> problems) {
        if (node == null || !node.isObject()) {
            problems.add(new Problem(file, path, "expected an object with name, displayName and type"));
            return null;
        }
        JsonFields f = new JsonFields(file, path, node, problems);
        String name = f.requiredString("name");
        String displayName = f.requiredString("displayName");
        String typeText = f.requiredString("type");
        Type type = null;
        if (typeText != null) {
            try {
                type = Type.valueOf(typeText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(
                        file, f.field("type"), "expected one of " + Type.allowed() + "; got \"" + typeText + "\""));
            }
        }
        List<Option> options = new ArrayList<>();
        JsonNode optionsNode = f.get("options");
        if (type == Type.OPTIONS) {
            if (optionsNode == null || !optionsNode.isArray() || optionsNode.isEmpty()) {
                problems.add(new Problem(
                        file,
                        f.field("options"),
                        "is required for type options: a non-empty array of {\"name\", \"value\"}"));
            } else {
                for (int i = 0; i < optionsNode.size(); i++) {
                    JsonFields o =
                            new JsonFields(file, f.field("options") + "[" + i + "]", optionsNode.get(i), problems);
                    String optionName = o.requiredString("name");
                    JsonNode value = o.get("value");
                    if (value == null || !(value.isTextual() || value.isNumber() || value.isBoolean())) {
                        problems.add(new Problem(file, o.field("value"), "is required: a string, number or boolean"));
                    } else if (optionName != null) {
                        options.add(new Option(optionName, value, o.optionalString("description")));
                    }
                }
            }
        } else if (optionsNode != null && type != null) {
            problems.add(new Problem(file, f.field("options"), "only applies to type options, not " + type.jsonName()));
        }
        boolean required = f.optionalBoolean("required", false);
        JsonNode defaultValue = f.get("default");
        if (defaultValue != null && defaultValue.isNull()) {
            defaultValue = null;
        }
        NodeProperty property = new NodeProperty(
                name, displayName, type, defaultValue, required, List.copyOf(options), f.optionalString("description"));
        if (type != null && defaultValue != null && name != null) {
            String wrong = property.check(defaultValue);
            if (wrong != null) {
                problems.add(new Problem(file, f.field("default"), wrong));
            }
        }
        return name == null || displayName == null || type == null ? null : property;
    }
}
