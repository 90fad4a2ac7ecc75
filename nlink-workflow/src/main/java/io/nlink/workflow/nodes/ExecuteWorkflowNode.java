package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Execution;
import io.nlink.workflow.InvalidWorkflowException;
import io.nlink.workflow.Item;
import io.nlink.workflow.SubWorkflows;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.WorkflowParser;
import io.nlink.workflow.expr.Expressions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Execute Workflow (n8n-nodes-base.executeWorkflow), versions 1 to 1.2: runs another workflow from
 * its Execute Workflow Trigger and outputs what its last node output.
 * <ul>
 *   <li>{@code source}: "database" (the default) calls {@code workflowId} — a string, or n8n's
 *       resource locator {@code {"__rl": true, "value": "…", "mode": "id"|"list"|"url"}} — found
 *       by the run's {@link SubWorkflows} (on a server: a workflow the caller's owner may run);
 *       "parameter" runs {@code workflowJson}. "localFile" and "url" are refused: a workflow
 *       must not read the server's files or fetch code to run.
 *   <li>{@code mode}: "once" (the default) calls it once with all items; "each" once per item,
 *       a failure failing that item (so {@code onError} applies).
 *   <li>{@code workflowInputs.value} (1.2): the fields to send, per item; without it the items go
 *       as they are.
 *   <li>{@code options.waitForSubWorkflow: false}: the node outputs its input items; nLink still
 *       runs the sub-workflow to its end before going on.
 * </ul>
 * The sub-workflow runs inside this run: the same credentials, limits and stop, nested at most
 * {@link io.nlink.workflow.WorkflowEngine#MAX_SUB_WORKFLOW_DEPTH} deep. It is not recorded as an
 * execution of its own; a failure names its node and message.
 */
final class ExecuteWorkflowNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<Item> in = run.input(0);
        List<List<Item>> outputs = run.outputs(1);
        boolean each = run.parameters().path("mode").asText("once").equals("each");
        if (each) {
            run.eachItem(in, outputs, (i, item, params) -> {
                try {
                    List<JsonNode> sent = List.of(sentItem(params, item));
                    List<JsonNode> out = call(run, params, sent);
                    for (JsonNode json : out) outputs.get(0).add(run.item(json, item));
                } catch (NodeFailedException e) {
                    run.itemFailed(outputs, i, item, e.getMessage());
                }
            });
            return outputs;
        }
        List<Expressions.Resolved> resolved = run.parametersPerItem(in);
        List<JsonNode> sent = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            if (resolved.get(i).failure() != null)
                throw new NodeFailedException(
                        "item " + i + ": " + resolved.get(i).failure().message());
            sent.add(sentItem(resolved.get(i).params(), in.get(i)));
        }
        List<JsonNode> out = call(run, resolved.get(0).params(), sent);
        for (int i = 0; i < out.size(); i++) {
            // One output per input: each pairs with its own; otherwise every output comes from all of them.
            outputs.get(0).add(out.size() == in.size() ? run.item(out.get(i), in.get(i)) : run.item(out.get(i), in));
        }
        return outputs;
    }

    /** The item the sub-workflow receives: the fields {@code workflowInputs} maps, or the item as it is. */
    private static JsonNode sentItem(JsonNode params, Item item) {
        JsonNode mapped = params.path("workflowInputs").path("value");
        if (!mapped.isObject() || mapped.isEmpty()) return item.json();
        return mapped.deepCopy();
    }

    private static List<JsonNode> call(NodeRun run, JsonNode params, List<JsonNode> items) throws NodeFailedException {
        Workflow workflow = workflow(run, params);
        Execution sub = run.runSubWorkflow(workflow, items);
        // stopped with this run: this node is canceled, not failed
        if (sub.status() == Execution.Status.CANCELED) run.checkNotStopped();
        if (sub.status() != Execution.Status.SUCCESS) {
            throw new NodeFailedException("the sub-workflow \"" + workflow.name() + "\" "
                    + (sub.status() == Execution.Status.CANCELED ? "was stopped" : "failed")
                    + (sub.errorNode() == null ? "" : " at node \"" + sub.errorNode() + "\"") + ": " + sub.error());
        }
        if (!params.path("options").path("waitForSubWorkflow").asBoolean(true)) return items;
        return sub.output();
    }

    private static Workflow workflow(NodeRun run, JsonNode params) throws NodeFailedException {
        String source = params.path("source").asText("database");
        switch (source) {
            case "database" -> {
                String id = workflowId(params.path("workflowId"));
                if (id.isEmpty()) throw new NodeFailedException("workflowId: choose the workflow to call");
                try {
                    return run.services().subWorkflows().find(id);
                } catch (SubWorkflows.NotCallable e) {
                    throw new NodeFailedException(e.getMessage());
                }
            }
            case "parameter" -> {
                JsonNode json = params.path("workflowJson");
                try {
                    byte[] bytes =
                            json.isTextual() ? json.asText().getBytes(StandardCharsets.UTF_8) : Json.writeBytes(json);
                    return WorkflowParser.parse("workflowJson", bytes);
                } catch (InvalidWorkflowException e) {
                    throw new NodeFailedException(e.getMessage());
                }
            }
            case "localFile", "url" ->
                throw new NodeFailedException(
                        "source \"" + source + "\" is not supported: nLink does not run workflows from "
                                + (source.equals("url") ? "a URL" : "the server's files")
                                + "; store the workflow and call it by id (source \"database\"), or give its JSON (source \"parameter\")");
            default -> throw new NodeFailedException("source: expected database or parameter; got \"" + source + "\"");
        }
    }

    /** A plain id, or n8n's resource locator; in "url" mode the id is the URL's last path segment. */
    static String workflowId(JsonNode value) {
        if (value.isObject()) {
            String v = value.path("value").asText("").strip();
            if (value.path("mode").asText("").equals("url")) {
                String path = v.replaceAll("[?#].*$", "").replaceAll("/+$", "");
                return path.substring(path.lastIndexOf('/') + 1);
            }
            return v;
        }
        return value.asText("").strip();
    }
}
