package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.List;

/**
 * Execute Workflow Trigger (n8n-nodes-base.executeWorkflowTrigger): where a called workflow
 * starts, with the items its caller sent. Version 1 (and {@code inputSource: "passthrough"})
 * passes them as they are; version 1.1's {@code inputSource: "workflowInputs"} keeps the fields
 * {@code workflowInputs.values[].name} names (a missing one is null), and {@code "jsonExample"}
 * the top-level fields of {@code jsonExample}. With no fields named, the items pass as they are.
 */
final class ExecuteWorkflowTrigger implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<String> fields = fields(run.parameters());
        List<Item> out = new ArrayList<>();
        for (Item item : run.input(0)) {
            if (fields == null) {
                out.add(run.item(item.json()));
                continue;
            }
            ObjectNode kept = Json.MAPPER.createObjectNode();
            for (String field : fields)
                kept.set(
                        field,
                        item.json().path(field).isMissingNode()
                                ? null
                                : item.json().get(field));
            out.add(run.item(kept));
        }
        return List.of(out);
    }

    /** The fields to keep, or null for all. */
    private static List<String> fields(JsonNode p) throws NodeFailedException {
        String source = p.path("inputSource").asText("passthrough");
        List<String> fields = new ArrayList<>();
        switch (source) {
            case "workflowInputs" ->
                p.path("workflowInputs").path("values").forEach(v -> {
                    if (!v.path("name").asText("").isBlank())
                        fields.add(v.path("name").asText());
                });
            case "jsonExample" -> {
                JsonNode example;
                try {
                    example = p.path("jsonExample").isTextual()
                            ? Json.parse(p.path("jsonExample").asText())
                            : p.path("jsonExample");
                } catch (java.io.IOException e) {
                    throw new NodeFailedException("jsonExample: not valid JSON: " + e.getMessage());
                }
                example.fieldNames().forEachRemaining(fields::add);
            }
            case "passthrough" -> {
                return null;
            }
            default ->
                throw new NodeFailedException(
                        "inputSource: expected workflowInputs, jsonExample or passthrough; got \"" + source + "\"");
        }
        return fields.isEmpty() ? null : fields;
    }

    @Override
    public boolean trigger() {
        return true;
    }
}
