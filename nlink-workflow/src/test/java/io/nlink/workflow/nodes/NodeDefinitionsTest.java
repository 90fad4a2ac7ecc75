package io.nlink.workflow.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The editor's definitions of the built-in nodes: one per type, none without a type, each well formed. */
class NodeDefinitionsTest {
    /** What the dashboard's parameter panel renders. */
    static final Set<String> TYPES = Set.of(
            "string",
            "number",
            "boolean",
            "options",
            "json",
            "collection",
            "fixedCollection",
            "assignmentCollection",
            "filter");

    @Test
    void everyBuiltinTypeHasADefinitionAndEveryDefinitionAType() throws Exception {
        Map<String, ObjectNode> all = NodeDefinitions.all();
        assertThat(all.keySet()).containsExactlyElementsOf(BuiltinNodes.types());

        Path folder = Path.of(
                NodeDefinitions.class.getResource(NodeDefinitions.FOLDER).toURI());
        List<String> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.map(p -> NodeDefinitions.FOLDER + p.getFileName())
                    .sorted()
                    .toList();
        }
        assertThat(files)
                .as("a definition file whose type BuiltinNodes does not have")
                .containsExactlyInAnyOrderElementsOf(BuiltinNodes.types().stream()
                        .map(NodeDefinitions::resource)
                        .toList());
        assertThat(NodeDefinitions.of("nlink-community.wasm_demo")).isEmpty();
    }

    @Test
    void definitionsAreWellFormed() {
        List<String> problems = new ArrayList<>();
        NodeDefinitions.all().forEach((type, d) -> {
            for (String field : List.of("name", "displayName", "description")) {
                if (d.path(field).asText().isBlank()) problems.add(type + ": " + field + " is missing");
            }
            if (!d.path("defaults").path("name").isTextual()) problems.add(type + ": defaults.name is missing");
            boolean trigger = BuiltinNodes.of(type).trigger();
            int inputs = d.path("inputs").size(), outputs = d.path("outputs").size();
            if (trigger != (inputs == 0))
                problems.add(type + ": a trigger has no inputs, any other node at least one; it has " + inputs);
            if (trigger != contains(d.path("group"), "trigger"))
                problems.add(type + ": group must say \"trigger\" exactly for triggers");
            if (d.has("outputNames") && d.path("outputNames").size() != outputs)
                problems.add(type + ": outputNames and outputs differ in length");
            if (d.has("inputNames") && d.path("inputNames").size() != inputs)
                problems.add(type + ": inputNames and inputs differ in length");
            properties(type, d.path("properties"), problems);
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void branchingNodesDeclareTheirPorts() {
        ObjectNode ifNode = NodeDefinitions.of("n8n-nodes-base.if").orElseThrow();
        assertThat(ifNode.path("outputNames").toString()).isEqualTo("[\"true\",\"false\"]");
        assertThat(NodeDefinitions.of("n8n-nodes-base.merge")
                        .orElseThrow()
                        .path("inputs")
                        .size())
                .isEqualTo(2);
        assertThat(NodeDefinitions.of("n8n-nodes-base.switch")
                        .orElseThrow()
                        .path("outputsFrom")
                        .asText())
                .isEqualTo("switch");
        // A copy: the caller cannot change what the next caller reads.
        ifNode.put("displayName", "changed");
        assertThat(NodeDefinitions.of("n8n-nodes-base.if")
                        .orElseThrow()
                        .path("displayName")
                        .asText())
                .isEqualTo("If");
    }

    private static void properties(String at, JsonNode props, List<String> problems) {
        if (!props.isArray()) {
            problems.add(at + ": properties must be an array");
            return;
        }
        Set<String> names = new HashSet<>();
        props.forEach(p -> names.add(p.path("name").asText()));
        // One name may have several properties (n8n's way to offer other choices in another case): never two shown at
        // once.
        for (int i = 0; i < props.size(); i++) {
            for (int j = i + 1; j < props.size(); j++) {
                if (props.get(i).path("name").equals(props.get(j).path("name"))
                        && !exclusive(props.get(i), props.get(j))) {
                    problems.add(at + "." + props.get(i).path("name").asText()
                            + ": two properties of this name can show at once;"
                            + " give them show conditions on one parameter with no value in common");
                }
            }
        }
        for (JsonNode p : props) {
            String where = at + "." + p.path("name").asText("?");
            if (p.path("name").asText().isBlank()
                    || p.path("displayName").asText().isBlank())
                problems.add(where + ": name and displayName are required");
            String type = p.path("type").asText();
            if (!TYPES.contains(type)) problems.add(where + ": type \"" + type + "\" is not one the panel renders");
            if (!p.has("default")) problems.add(where + ": default is missing");
            switch (type) {
                case "options" -> {
                    if (!p.path("options").isArray() || p.path("options").isEmpty())
                        problems.add(where + ": options needs a list of choices");
                    boolean defaultIsAChoice = false;
                    for (JsonNode o : p.path("options")) {
                        if (!o.has("name") || !o.has("value"))
                            problems.add(where + ": each choice needs name and value");
                        if (o.path("value").equals(p.path("default"))) defaultIsAChoice = true;
                    }
                    if (!defaultIsAChoice)
                        problems.add(where + ": the default " + p.path("default") + " is not one of the choices");
                }
                case "collection" -> properties(where, p.path("options"), problems);
                case "fixedCollection" -> {
                    if (!p.path("options").isArray() || p.path("options").isEmpty())
                        problems.add(where + ": a fixedCollection needs options");
                    for (JsonNode group : p.path("options")) {
                        if (group.path("name").asText().isBlank()) problems.add(where + ": each group needs a name");
                        properties(where + "." + group.path("name").asText(), group.path("values"), problems);
                    }
                }
                default -> {}
            }
            for (String kind : List.of("show", "hide")) {
                p.path("displayOptions").path(kind).properties().forEach(e -> {
                    // "/name" is a parameter at the node's top level, as in n8n.
                    if (!e.getKey().startsWith("/") && !names.contains(e.getKey()))
                        problems.add(where + ": displayOptions." + kind + " names unknown " + e.getKey());
                    if (!e.getValue().isArray())
                        problems.add(where + ": displayOptions." + kind + "." + e.getKey() + " must list values");
                });
            }
        }
    }

    /** Whether {@code a} and {@code b} show only for different values of some parameter. */
    private static boolean exclusive(JsonNode a, JsonNode b) {
        JsonNode showA = a.path("displayOptions").path("show"),
                showB = b.path("displayOptions").path("show");
        for (var condition : showA.properties()) {
            JsonNode other = showB.get(condition.getKey());
            if (other == null) continue;
            boolean shared = false;
            for (JsonNode value : condition.getValue()) shared |= contains(other, value);
            if (!shared) return true;
        }
        return false;
    }

    private static boolean contains(JsonNode array, JsonNode value) {
        for (JsonNode v : array) if (v.equals(value)) return true;
        return false;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode v : array) if (v.asText().equals(value)) return true;
        return false;
    }
}
