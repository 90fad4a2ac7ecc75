package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The editor's description of each built-in node type, in the shape of a community node's
 * {@code definition.json} (n8n's node description): display name, description, inputs and
 * outputs, and the parameters as properties with types, defaults, options, nested collections
 * and {@code displayOptions}. One resource per type,
 * {@code definitions/<type without "n8n-nodes-base.">.json}, so adding a node type adds one file.
 */
public final class NodeDefinitions {
    static final String FOLDER = "definitions/";
    private static final String BASE = "n8n-nodes-base.";

    private NodeDefinitions() {}

    /** Read once, on first use; a type without its file fails loudly here rather than in the editor. */
    private static final class Loaded {
        static final Map<String, ObjectNode> BY_TYPE = load();
    }

    private static Map<String, ObjectNode> load() {
        Map<String, ObjectNode> byType = new LinkedHashMap<>();
        for (String type : BuiltinNodes.types()) byType.put(type, read(type));
        return byType;
    }

    /** The resource that holds {@code type}'s definition. */
    static String resource(String type) {
        return FOLDER + (type.startsWith(BASE) ? type.substring(BASE.length()) : type) + ".json";
    }

    private static ObjectNode read(String type) {
        String resource = resource(type);
        try (InputStream in = NodeDefinitions.class.getResourceAsStream(resource)) {
            if (in == null)
                throw new IllegalStateException("built-in node type " + type + " has no definition: add " + resource
                        + " next to NodeDefinitions");
            JsonNode root = Json.parse(in.readAllBytes());
            String expected = resource.substring(FOLDER.length(), resource.length() - ".json".length());
            if (!(root instanceof ObjectNode object)
                    || !expected.equals(root.path("name").asText())) {
                throw new IllegalStateException(resource + " must be a JSON object whose name is \"" + expected + "\"");
            }
            return object;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** {@code type}'s definition (a copy), or empty when it is not a built-in type. */
    public static Optional<ObjectNode> of(String type) {
        ObjectNode definition = Loaded.BY_TYPE.get(type);
        return definition == null ? Optional.empty() : Optional.of(definition.deepCopy());
    }

    /** Every built-in type's definition (copies), in {@link BuiltinNodes#types()} order. */
    public static Map<String, ObjectNode> all() {
        Map<String, ObjectNode> copies = new LinkedHashMap<>();
        Loaded.BY_TYPE.forEach((type, definition) -> copies.put(type, definition.deepCopy()));
        return copies;
    }
}
