package io.nlink.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;

/**
 * n8n's error workflows: a workflow's {@code settings.errorWorkflow} names (by id) a workflow that
 * starts at its Error Trigger when a run of the first fails, with one item saying what failed.
 * Where workflows are stored (the server) decides which runs count and who may be called; this
 * says what the setting is and what the item looks like.
 */
public final class ErrorWorkflows {
    /** The type of the node an error workflow starts at. */
    public static final String ERROR_TRIGGER = "n8n-nodes-base.errorTrigger";

    private ErrorWorkflows() {}

    /** The id {@code settings.errorWorkflow} names, or null when it names none. */
    public static String errorWorkflowOf(Workflow workflow) {
        var value = workflow.settings().path("errorWorkflow");
        String id = value.isTextual() || value.isNumber() ? value.asText().strip() : "";
        return id.isEmpty() ? null : id;
    }

    /** The Error Trigger of {@code workflow} (an enabled one), or null when it has none. */
    public static String errorTriggerOf(Workflow workflow) {
        return workflow.nodes().stream()
                .filter(n -> n.type().equals(ERROR_TRIGGER) && !n.disabled())
                .map(Workflow.Node::name)
                .findFirst()
                .orElse(null);
    }

    /**
     * The item an Error Trigger outputs, in n8n's shape:
     * {@code {"execution": {"id", "url", "retryOf", "error": {"message"}, "lastNodeExecuted", "mode"},
     * "workflow": {"id", "name"}}}.
     *
     * @param executionId the failed execution's id
     * @param url         where people see it (null when unknown: then left out)
     * @param retryOf     the execution it retried, or null (then left out, as n8n leaves it out)
     * @param mode        how it was started: webhook, trigger, …
     */
    public static ObjectNode payload(
            Execution failed, String executionId, String url, String retryOf, String mode, String workflowId) {
        ObjectNode item = Json.MAPPER.createObjectNode();
        ObjectNode execution = item.putObject("execution");
        execution.put("id", executionId);
        if (url != null) execution.put("url", url);
        if (retryOf != null) execution.put("retryOf", retryOf);
        ObjectNode error = execution.putObject("error");
        error.put("message", failed.error() == null ? "the execution failed" : failed.error());
        if (failed.errorNode() != null) error.putObject("node").put("name", failed.errorNode());
        execution.put("lastNodeExecuted", failed.errorNode() != null ? failed.errorNode() : failed.lastNode());
        execution.put("mode", mode);
        item.putObject("workflow").put("id", workflowId).put("name", failed.workflow());
        return item;
    }
}
