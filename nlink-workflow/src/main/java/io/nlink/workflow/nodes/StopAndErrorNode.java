package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.workflow.Item;
import io.nlink.workflow.expr.Expressions;
import java.util.List;

/**
 * Stop and Error (n8n-nodes-base.stopAndError): stops the run with {@code errorMessage} (or, with
 * {@code errorType: "errorObject"}, the {@code message} of {@code errorObject}), its expressions
 * read from the first item, as n8n does.
 */
final class StopAndErrorNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<Item> in = run.input(0);
        Expressions.Resolved resolved = run.parametersPerItem(
                        in.isEmpty()
                                ? List.of(Item.start(io.nlink.runtime.json.Json.MAPPER.createObjectNode()))
                                : in.subList(0, 1))
                .get(0);
        if (resolved.failure() != null)
            throw new NodeFailedException(resolved.failure().message());
        JsonNode p = resolved.params();
        if (p.path("errorType").asText("errorMessage").equals("errorObject")) {
            JsonNode object = p.path("errorObject");
            if (object.isTextual()) {
                try {
                    object = io.nlink.runtime.json.Json.parse(object.asText());
                } catch (java.io.IOException e) {
                    throw new NodeFailedException("errorObject: not valid JSON: " + e.getMessage());
                }
            }
            throw new NodeFailedException(
                    object.path("message").isTextual() ? object.path("message").asText() : object.toString());
        }
        throw new NodeFailedException(p.path("errorMessage").asText("Stopped by the Stop and Error node"));
    }
}
