package io.nlink.runtime.pkg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.json.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * {@code definition.json}: what the node is called and which parameters it takes. The dashboard
 * renders {@link #properties()} as the node's form; {@link #resolveParams} turns what a workflow
 * or a user gave into the {@code params} object the node receives.
 *
 * @param name        machine name, unique within the package's namespace
 * @param displayName shown in the editor
 * @param description optional
 * @param version     the node's own version (n8n-style integer or a semantic version), as text
 * @param inputs      input connection names; default ["main"]
 * @param outputs     output connection names; default ["main"]
 * @param properties  the parameters, in form order
 * @param perItemFallback whether an item whose execution.wasm run fails (trap, timeout, a limit)
 *                    is re-run on execution.js instead of failing; default false, and the loader
 *                    refuses true in a package without execution.js
 * @param warmup      items the wasm node runs once after its start-up, before the state each batch
 *                    starts from is recorded; default none (docs/abi.md, "Warm-up items")
 */
public record NodeDefinition(
        String name,
        String displayName,
        String description,
        String version,
        List<String> inputs,
        List<String> outputs,
        List<NodeProperty> properties,
        boolean perItemFallback,
        List<WarmUpItem> warmup) {
    static final String FILE = "definition.json";
    static final String PER_ITEM_FALLBACK = "perItemFallback";
    static final String WARMUP = "warmup";
    /** At most this many warm-up items: each runs once per node start-up, not per batch. */
    static final int MAX_WARMUP_ITEMS = 8;
    /** A warm-up item's {@code params} and {@code json} together, as JSON text, at most this long. */
    static final int MAX_WARMUP_ITEM_BYTES = 64 * 1024;

    /**
     * An item the node runs once after its start-up, before the state every batch starts from is
     * recorded ({@code definition.json}'s {@code warmup}, docs/abi.md).
     *
     * @param params the parameters, resolved as a workflow's would be (defaults filled in)
     * @param json   the item
     */
    public record WarmUpItem(ObjectNode params, JsonNode json) {}

    /** The warm-up items as the contexts {@code execute_node} receives, for WasmEngine#load(byte[], List). */
    public List<byte[]> warmUpContexts() {
        return warmup.stream()
                .map(item -> ItemCodec.encodeContext(item.params(), item.json()))
                .toList();
    }

    private static final Pattern IDENTIFIER = Pattern.compile("^[A-Za-z_][A-Za-z0-9_.-]{0,127}$");

    /**
     * The {@code params} the node receives: every given value checked against its property,
     * defaults filled in for the rest.
     *
     * @throws InvalidParamsException listing every unknown name, mistyped value and missing required one
     */
    public ObjectNode resolveParams(JsonNode given) throws InvalidParamsException {
        List<String> problems = new ArrayList<>();
        ObjectNode resolved = Json.MAPPER.createObjectNode();
        if (given != null && !given.isNull() && !given.isObject()) {
            throw new InvalidParamsException(
                    List.of("params must be a JSON object; got " + JsonFields.describe(given)));
        }
        for (NodeProperty property : properties) {
            JsonNode value = given == null ? null : given.get(property.name());
            if (value == null || value.isNull()) {
                value = property.defaultValue();
            } else {
                String wrong = property.check(value);
                if (wrong != null) {
                    problems.add("params." + property.name() + ": " + wrong);
                    continue;
                }
            }
            if (value != null) {
                resolved.set(property.name(), value);
            } else if (property.required()) {
                problems.add("params." + property.name() + ": is required (" + property.displayName() + ")");
            }
        }
        if (given != null && given.isObject()) {
            Set<String> known = new HashSet<>();
            properties.forEach(p -> known.add(p.name()));
            for (Map.Entry<String, JsonNode> entry : given.properties()) {
                if (!known.contains(entry.getKey())) {
                    problems.add("params."
                            + entry.getKey()
                            + ": this node has no such parameter"
                            + (known.isEmpty() ? "" : " (it has: " + String.join(", ", known) + ")"));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidParamsException(problems);
        }
        return resolved;
    }

    /**
     * A definition as the Community Store keeps it (an installed package's {@code definition.json},
     * already checked at upload): for checks that need no module, such as the editor's check of a
     * node's parameters as they are typed.
     *
     * @throws IllegalArgumentException naming the first problem when {@code root} is not a valid definition
     */
    public static NodeDefinition fromJson(JsonNode root) {
        List<Problem> problems = new ArrayList<>();
        NodeDefinition definition = parse(root == null ? Json.MAPPER.createObjectNode() : root, problems);
        if (!problems.isEmpty())
            throw new IllegalArgumentException(problems.get(0).toString());
        return definition;
    }

    static NodeDefinition parse(JsonNode root, List<Problem> problems) {
        JsonFields f = new JsonFields(FILE, root, problems);
        String name = f.requiredString("name");
        if (name != null && !IDENTIFIER.matcher(name).matches()) {
            problems.add(new Problem(
                    FILE,
                    "name",
                    "expected letters, digits, '_', '.' or '-', starting with a letter or '_', at most 128 characters; got \""
                            + name + "\""));
        }
        String displayName = f.requiredString("displayName");
        JsonNode versionNode = f.get("version");
        String version = "1";
        if (versionNode != null) {
            if (versionNode.isIntegralNumber() && versionNode.asLong() >= 1
                    || versionNode.isTextual() && !versionNode.textValue().isBlank()) {
                version = versionNode.asText();
            } else {
                problems.add(new Problem(
                        FILE,
                        "version",
                        "expected a positive integer or a version string; got " + JsonFields.describe(versionNode)));
            }
        }
        List<String> inputs = connections(f, "inputs", problems);
        List<String> outputs = connections(f, "outputs", problems);

        List<NodeProperty> properties = new ArrayList<>();
        JsonNode props = f.get("properties");
        if (props == null) {
            // A node without parameters is legitimate.
        } else if (!props.isArray()) {
            problems.add(new Problem(
                    FILE, "properties", "expected an array of parameters; got " + JsonFields.describe(props)));
        } else {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < props.size(); i++) {
                NodeProperty property = NodeProperty.parse(FILE, "properties[" + i + "]", props.get(i), problems);
                if (property == null) continue;
                if (!seen.add(property.name())) {
                    problems.add(new Problem(
                            FILE, "properties[" + i + "].name", "\"" + property.name() + "\" is declared twice"));
                }
                properties.add(property);
            }
        }
        boolean perItemFallback = f.optionalBoolean(PER_ITEM_FALLBACK, false);
        NodeDefinition withoutWarmUp = new NodeDefinition(
                name,
                displayName,
                f.optionalString("description"),
                version,
                inputs,
                outputs,
                List.copyOf(properties),
                perItemFallback,
                List.of());
        List<WarmUpItem> warmup = warmUpItems(f.get(WARMUP), withoutWarmUp, problems);
        return warmup.isEmpty()
                ? withoutWarmUp
                : new NodeDefinition(
                        name,
                        displayName,
                        withoutWarmUp.description(),
                        version,
                        inputs,
                        outputs,
                        withoutWarmUp.properties(),
                        perItemFallback,
                        warmup);
    }

    /** {@code warmup}: an array of {"params": {...}, "json": {...}}, each params resolved against the node's properties. */
    private static List<WarmUpItem> warmUpItems(JsonNode node, NodeDefinition definition, List<Problem> problems) {
        if (node == null || node.isNull()) return List.of();
        if (!node.isArray() || node.size() > MAX_WARMUP_ITEMS) {
            problems.add(new Problem(
                    FILE,
                    WARMUP,
                    "expected an array of at most " + MAX_WARMUP_ITEMS
                            + " items such as {\"params\": {...}, \"json\": {...}}; got " + JsonFields.describe(node)));
            return List.of();
        }
        List<WarmUpItem> items = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String field = WARMUP + "[" + i + "]";
            JsonNode entry = node.get(i);
            if (!entry.isObject()) {
                problems.add(new Problem(
                        FILE,
                        field,
                        "expected {\"params\": {...}, \"json\": {...}}; got " + JsonFields.describe(entry)));
                continue;
            }
            Set<String> unknown = new TreeSet<>();
            entry.fieldNames().forEachRemaining(unknown::add);
            unknown.removeAll(Set.of("params", "json"));
            if (!unknown.isEmpty()) {
                problems.add(new Problem(
                        FILE,
                        field,
                        "has " + String.join(", ", unknown) + "; a warm-up item has only params and json"));
            }
            JsonNode json = entry.has("json") ? entry.get("json") : Json.MAPPER.createObjectNode();
            if (!json.isObject()) {
                problems.add(new Problem(
                        FILE, field + ".json", "expected the item as an object; got " + JsonFields.describe(json)));
                continue;
            }
            if (entry.toString().length() > MAX_WARMUP_ITEM_BYTES) {
                problems.add(new Problem(
                        FILE,
                        field,
                        "is longer than " + MAX_WARMUP_ITEM_BYTES
                                + " characters; a small representative item is enough"));
                continue;
            }
            try {
                items.add(new WarmUpItem(definition.resolveParams(entry.get("params")), json.deepCopy()));
            } catch (InvalidParamsException e) {
                for (String problem : e.problems()) problems.add(new Problem(FILE, field, problem));
            }
        }
        return List.copyOf(items);
    }

    private static List<String> connections(JsonFields f, String name, List<Problem> problems) {
        JsonNode node = f.get(name);
        if (node == null) {
            return List.of("main");
        }
        List<String> result = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode entry : node) {
                if (entry.isTextual() && !entry.textValue().isBlank()) {
                    result.add(entry.textValue());
                }
            }
        }
        if (!node.isArray() || result.size() != node.size()) {
            problems.add(new Problem(
                    FILE,
                    name,
                    "expected an array of connection names such as [\"main\"]; got " + JsonFields.describe(node)));
        }
        return List.copyOf(result);
    }
}
