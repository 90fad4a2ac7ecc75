package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.js.JsEngine;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.NodeResolver;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.expr.Expressions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One run of one node: what reached its inputs, its parameters resolved per item, and where its
 * items and failures go. A failed item follows the node's {@code onError}: it stops the run, or
 * becomes an {@code {"error": …}} item on the regular output, or goes to the error output.
 */
public final class NodeRun {
    /** What every node run may use. */
    public record Services(JsEngine js, SandboxLimits limits, NodeResolver resolver) {}

    /** One failed item, for the execution record. */
    public record ItemError(int index, String message) {}

    private final Workflow.Node node;
    private final List<List<JsonNode>> inputs;
    private final Services services;
    private final Map<String, JsonNode> firstItems;
    private final List<ItemError> errors = new ArrayList<>();
    private final StringBuilder logs = new StringBuilder();
    private String runtime = "builtin";

    public NodeRun(Workflow.Node node, List<List<JsonNode>> inputs, Services services, Map<String, JsonNode> firstItems) {
        this.node = node;
        this.inputs = inputs;
        this.services = services;
        this.firstItems = firstItems;
    }

    public Workflow.Node node() {
        return node;
    }

    public ObjectNode parameters() {
        return node.parameters();
    }

    public Services services() {
        return services;
    }

    /** The sandbox limits for this node: the platform's, with the node's own item timeout if it sets one. */
    public SandboxLimits limits() {
        return node.timeout() == null ? services.limits() : services.limits().withItemTimeout(node.timeout());
    }

    /** Items that reached input {@code index}; empty when none did. */
    public List<JsonNode> input(int index) {
        return index < inputs.size() ? inputs.get(index) : List.of();
    }

    public int inputCount() {
        return inputs.size();
    }

    /** The first item each node that ran before this one produced, by name: {@code $node} in expressions. */
    public Map<String, JsonNode> firstItems() {
        return firstItems;
    }

    /** The node's parameters for each item, expressions evaluated in the JavaScript sandbox. */
    public List<Expressions.Resolved> parametersPerItem(List<JsonNode> items) {
        return new Expressions(services.js(), limits()).resolve(node.parameters(), items, firstItems);
    }

    /** What a node does with one item whose parameters resolved; an IllegalArgumentException fails that item. */
    @FunctionalInterface
    public interface ItemStep {
        void apply(int index, JsonNode item, ObjectNode params) throws NodeFailedException;
    }

    /**
     * The per-item loop of most nodes: resolves each item's parameters, hands the item to
     * {@code step}, and turns an expression failure or an IllegalArgumentException into that
     * item's failure.
     */
    public void eachItem(List<JsonNode> items, List<List<JsonNode>> outputs, ItemStep step) throws NodeFailedException {
        List<Expressions.Resolved> params = parametersPerItem(items);
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            Expressions.Resolved p = params.get(i);
            if (p.failure() != null) {
                itemFailed(outputs, i, item, p.failure().message());
                continue;
            }
            try {
                step.apply(i, item, p.params());
            } catch (IllegalArgumentException e) {
                itemFailed(outputs, i, item, e.getMessage());
            }
        }
    }

    /** Empty outputs for {@code regular} outputs, plus the error output when the node routes failures there. */
    public List<List<JsonNode>> outputs(int regular) {
        List<List<JsonNode>> outputs = new ArrayList<>();
        int count = regular + (node.onError() == Workflow.OnError.CONTINUE_ERROR_OUTPUT ? 1 : 0);
        for (int i = 0; i < count; i++) outputs.add(new ArrayList<>());
        return outputs;
    }

    /**
     * Item {@code index} failed: stop the run, or record it and route an error item as the node's
     * {@code onError} says.
     */
    public void itemFailed(List<List<JsonNode>> outputs, int index, JsonNode item, String message) throws NodeFailedException {
        errors.add(new ItemError(index, message));
        switch (node.onError()) {
            case STOP_WORKFLOW -> throw new NodeFailedException("item " + index + ": " + message);
            case CONTINUE_REGULAR_OUTPUT -> outputs.get(0).add(Json.MAPPER.createObjectNode().put("error", message));
            case CONTINUE_ERROR_OUTPUT -> {
                ObjectNode failed = item != null && item.isObject() ? ((ObjectNode) item).deepCopy() : Json.MAPPER.createObjectNode();
                failed.put("error", message);
                outputs.get(outputs.size() - 1).add(failed);
            }
        }
    }

    public List<ItemError> errors() {
        return errors;
    }

    /** Appends what a sandboxed node printed, bounded. */
    public void log(String text) {
        if (text == null || text.isEmpty() || logs.length() > MAX_LOG_CHARS) return;
        logs.append(text.length() > MAX_LOG_CHARS - logs.length() ? text.substring(0, MAX_LOG_CHARS - logs.length()) + "…\n" : text);
        if (!text.endsWith("\n")) logs.append('\n');
    }

    public String logs() {
        return logs.toString();
    }

    /** "builtin", or the sandbox runtime that ran the node ("wasm", "js"). */
    public String runtime() {
        return runtime;
    }

    public void runtime(String value) {
        runtime = value;
    }

    private static final int MAX_LOG_CHARS = 64 * 1024;
}
