package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.Cancellation;
import io.nlink.runtime.JavaScript;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.CredentialResolver;
import io.nlink.workflow.Item;
import io.nlink.workflow.NodeResolver;
import io.nlink.workflow.RunControl;
import io.nlink.workflow.WebhookResponse;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.expr.Expressions;
import io.nlink.workflow.http.EgressPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One run of one node: what reached its inputs, its parameters resolved per item, and where its
 * items and failures go. A failed item follows the node's {@code onError}: it stops the run, or
 * becomes an {@code {"error": …}} item on the regular output, or goes to the error output.
 *
 * <p>Nodes make every output item with {@link #item}, naming the input item(s) it came from: that
 * is n8n's {@code pairedItem} lineage, which {@code $('Node').item} follows.
 */
public final class NodeRun {
    /**
     * What every node run may use.
     *
     * @param egress      where HTTP requests may go (the SSRF guard) and how much they may take
     * @param credentials where the secrets of the nodes' credentials come from
     * @param subWorkflows where Execute Workflow finds the workflows it calls by id
     * @param maxWait      the longest a Wait node may pause a run (a waiting run lives in memory only)
     */
    public record Services(
            JavaScript js,
            SandboxLimits limits,
            NodeResolver resolver,
            EgressPolicy egress,
            CredentialResolver credentials,
            io.nlink.workflow.SubWorkflows subWorkflows,
            java.time.Duration maxWait) {}

    /**
     * One failed item, for the execution record.
     *
     * @param sandboxFailure how the sandbox failed it ({@link io.nlink.runtime.NodeFailure.Kind}, e.g. TIMEOUT), or null
     *     when it failed outside a sandbox; what the metrics count sandbox failures by
     */
    public record ItemError(
            int index,
            String message,

            @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            String sandboxFailure) {
        public ItemError(int index, String message) {
            this(index, message, null);
        }
    }

    private final Workflow.Node node;
    private final List<List<Item>> inputs;
    private final Services services;
    private final Map<String, List<List<Item>>> history;
    private final List<ItemError> errors = new ArrayList<>();
    private final StringBuilder logs = new StringBuilder();
    private String runtime = "builtin";
    private final java.util.function.Consumer<WebhookResponse> webhookResponder;
    private final RunControl control;
    private NodeState state = new NodeState();
    private Map<String, NodeState> states = Map.of();
    private SubRunner subRunner = (workflow, items) -> {
        throw new NodeFailedException("this run cannot call sub-workflows");
    };
    private java.time.Instant resumeAt;
    private java.time.ZoneId timezone = java.time.ZoneId.systemDefault();
    private ObjectNode facts = Json.MAPPER.createObjectNode();

    /**
     * What a node keeps from one of its runs to the next within one execution (Loop Over Items'
     * remaining items), and what it shows expressions as {@code $node["Name"].context}.
     */
    public static final class NodeState {
        private final Map<String, Object> values = new java.util.HashMap<>();
        private volatile ObjectNode context = Json.MAPPER.createObjectNode();

        @SuppressWarnings("unchecked")
        public <T> T get(String key) {
            return (T) values.get(key);
        }

        public void put(String key, Object value) {
            values.put(key, value);
        }

        public void clear() {
            values.clear();
        }

        /** The node's context as expressions read it. */
        public ObjectNode context() {
            return context;
        }

        public void context(ObjectNode value) {
            context = value;
        }
    }

    /** Runs a sub-workflow as a child of this run (the engine's part of Execute Workflow). */
    @FunctionalInterface
    public interface SubRunner {
        io.nlink.workflow.Execution run(Workflow workflow, List<JsonNode> items) throws NodeFailedException;
    }

    /** @param history each node that ran before this one, with its outputs, in run order */
    public NodeRun(
            Workflow.Node node, List<List<Item>> inputs, Services services, Map<String, List<List<Item>>> history) {
        this(node, inputs, services, history, response -> {});
    }

    /** @param webhookResponder where a Respond to Webhook node's answer goes (ignored when the run did not come from such a webhook) */
    public NodeRun(
            Workflow.Node node,
            List<List<Item>> inputs,
            Services services,
            Map<String, List<List<Item>>> history,
            java.util.function.Consumer<WebhookResponse> webhookResponder) {
        this(node, inputs, services, history, webhookResponder, RunControl.none());
    }

    /** @param control whose stop the per-item loop ({@link #eachItem}) checks before each item */
    public NodeRun(
            Workflow.Node node,
            List<List<Item>> inputs,
            Services services,
            Map<String, List<List<Item>>> history,
            java.util.function.Consumer<WebhookResponse> webhookResponder,
            RunControl control) {
        this.control = control;
        this.node = node;
        this.inputs = inputs;
        this.services = services;
        this.history = history;
        this.webhookResponder = webhookResponder;
    }

    /** This run with the node's state across its runs in this execution, and the way it runs sub-workflows. */
    public NodeRun withState(NodeState state, Map<String, NodeState> states, SubRunner subRunner) {
        this.state = state;
        this.states = states;
        this.subRunner = subRunner;
        return this;
    }

    /** The time zone dates without an offset are in: the workflow's {@code settings.timezone}, else the server's. */
    public java.time.ZoneId timezone() {
        return timezone;
    }

    public NodeRun withTimezone(java.time.ZoneId zone) {
        this.timezone = zone;
        return this;
    }

    /** What code reads of the run: {@code $workflow}, {@code $execution}, {@code $runIndex}, {@code $prevNode}… */
    public ObjectNode facts() {
        return facts;
    }

    public NodeRun withFacts(ObjectNode facts) {
        this.facts = facts;
        return this;
    }

    /** The node's state across its runs in this execution. */
    public NodeState state() {
        return state;
    }

    /** Runs {@code workflow} from its Execute Workflow Trigger with {@code items}, under this run's services and stop. */
    public io.nlink.workflow.Execution runSubWorkflow(Workflow workflow, List<JsonNode> items)
            throws NodeFailedException {
        return subRunner.run(workflow, items);
    }

    /** Asks the run to pause after this node until {@code at} (Wait). */
    public void resumeAt(java.time.Instant at) {
        resumeAt = at;
    }

    public java.time.Instant resumeAt() {
        return resumeAt;
    }

    /** Answers the webhook call that started this run (Respond to Webhook); the run goes on. */
    public void respondToWebhook(WebhookResponse response) {
        webhookResponder.accept(response);
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

    /**
     * The data of the node's credential of {@code type}: the one its {@code credentials} names,
     * as the run's {@link CredentialResolver} gives it (on a server: the workflow owner's).
     *
     * @throws NodeFailedException when the node names none of that type, or it cannot be had
     */
    public ObjectNode credential(String type) throws NodeFailedException {
        Workflow.CredentialRef ref = node.credentials().get(type);
        if (ref == null) {
            throw new NodeFailedException(
                    "the node needs a credential of type " + type + " and names none; choose one in the node"
                            + " (\"credentials\": {\"" + type + "\": {\"id\": \"…\", \"name\": \"…\"}})");
        }
        try {
            return services.credentials().data(type, ref);
        } catch (CredentialResolver.MissingCredentialException e) {
            throw new NodeFailedException(e.getMessage());
        }
    }

    /** Items that reached input {@code index}; empty when none did. */
    public List<Item> input(int index) {
        return index < inputs.size() ? inputs.get(index) : List.of();
    }

    /** An output item of this node, linked to the input item(s) it came from (none for a new item). */
    public Item item(JsonNode json, Item... from) {
        return new Item(json, node.name(), List.of(from));
    }

    /** An output item of this node made from several input items (an aggregate, a merge). */
    public Item item(JsonNode json, List<Item> from) {
        return new Item(json, node.name(), from);
    }

    public int inputCount() {
        return inputs.size();
    }

    /** Each node that ran before this one, with its outputs, in run order: what {@code $('Node')} reads. */
    public Map<String, List<List<Item>>> history() {
        return history;
    }

    /**
     * What this node gives each sandbox call it makes (a community node's batch, a Code node's
     * script): the run's stop cancels it, ending the call under way. A call failed by it is the
     * run stopping, not the item failing: see {@link #stopIfCanceled}.
     */
    public Cancellation cancellation() {
        return control.cancellation();
    }

    /** Throws the run's stop ({@link RunControl.Stopped}) when one was asked for: the engine records the node as canceled. */
    public void checkNotStopped() {
        control.checkNotStopped();
    }

    /**
     * Throws the run's stop when the sandbox failed a call because the run was stopped ({@code
     * CANCELED}), so the engine records the node as canceled rather than the item as failed.
     */
    public void stopIfCanceled(NodeFailure failure) throws NodeFailedException {
        if (failure == null || failure.kind() != NodeFailure.Kind.CANCELED) return;
        control.checkNotStopped();
        throw new NodeFailedException(failure.message()); // a token other than the run's cancelled it
    }

    /**
     * The node's parameters for each item, expressions evaluated in the JavaScript sandbox; a stop
     * ends the evaluation under way.
     */
    public List<Expressions.Resolved> parametersPerItem(List<Item> items) {
        return parametersPerItem(node.parameters(), items);
    }

    /** As {@link #parametersPerItem(List)}, for parameters the node rewrote first (HTML's template, read as an expression). */
    public List<Expressions.Resolved> parametersPerItem(ObjectNode parameters, List<Item> items) {
        List<Expressions.Resolved> resolved = new Expressions(services.js(), limits(), cancellation())
                .resolve(parameters, items, history, contexts(), timezone, facts);
        control.checkNotStopped(); // a stop during the evaluation failed its expressions: it is the node's stop
        return resolved;
    }

    /** The contexts the nodes of this execution keep, by node name: what {@code $node["Name"].context} reads. */
    public Map<String, JsonNode> contexts() {
        Map<String, JsonNode> out = new java.util.HashMap<>();
        states.forEach((name, s) -> {
            if (!s.context().isEmpty()) out.put(name, s.context());
        });
        // A node reading its own context before it has one (n8n's reset: {{ $node["Loop"].context["done"] }}) reads {},
        // as in n8n.
        out.putIfAbsent(node.name(), Json.MAPPER.createObjectNode());
        return out;
    }

    /** What a node does with one item whose parameters resolved; an IllegalArgumentException fails that item. */
    @FunctionalInterface
    public interface ItemStep {
        void apply(int index, Item item, ObjectNode params) throws NodeFailedException;
    }

    /**
     * The per-item loop of most nodes: resolves each item's parameters, hands the item to
     * {@code step}, and turns an expression failure or an IllegalArgumentException into that
     * item's failure.
     */
    public void eachItem(List<Item> items, List<List<Item>> outputs, ItemStep step) throws NodeFailedException {
        List<Expressions.Resolved> params = parametersPerItem(items);
        for (int i = 0; i < items.size(); i++) {
            control.checkNotStopped();
            Item item = items.get(i);
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
    public List<List<Item>> outputs(int regular) {
        List<List<Item>> outputs = new ArrayList<>();
        int count = regular + (node.onError() == Workflow.OnError.CONTINUE_ERROR_OUTPUT ? 1 : 0);
        for (int i = 0; i < count; i++) outputs.add(new ArrayList<>());
        return outputs;
    }

    /**
     * Item {@code index} failed: stop the run, or record it and route an error item as the node's
     * {@code onError} says.
     */
    public void itemFailed(List<List<Item>> outputs, int index, Item item, String message) throws NodeFailedException {
        itemFailed(outputs, index, item, new ItemError(index, message));
    }

    /** As {@link #itemFailed(List, int, Item, String)}, for an item the sandbox failed. */
    public void itemFailed(List<List<Item>> outputs, int index, Item item, NodeFailure failure)
            throws NodeFailedException {
        stopIfCanceled(failure);
        itemFailed(
                outputs,
                index,
                item,
                new ItemError(index, failure.message(), failure.kind().name()));
    }

    private void itemFailed(List<List<Item>> outputs, int index, Item item, ItemError error)
            throws NodeFailedException {
        errors.add(error);
        String message = error.message();
        Item[] from = item == null ? new Item[0] : new Item[] {item};
        switch (node.onError()) {
            case STOP_WORKFLOW -> throw new NodeFailedException("item " + index + ": " + message);
            case CONTINUE_REGULAR_OUTPUT ->
                outputs.get(0).add(item(Json.MAPPER.createObjectNode().put("error", message), from));
            case CONTINUE_ERROR_OUTPUT -> {
                ObjectNode failed = item != null && item.json().isObject()
                        ? ((ObjectNode) item.json()).deepCopy()
                        : Json.MAPPER.createObjectNode();
                failed.put("error", message);
                outputs.get(outputs.size() - 1).add(item(failed, from));
            }
        }
    }

    public List<ItemError> errors() {
        return errors;
    }

    /** Appends what a sandboxed node printed, bounded. */
    public void log(String text) {
        if (text == null || text.isEmpty() || logs.length() > MAX_LOG_CHARS) return;
        logs.append(
                text.length() > MAX_LOG_CHARS - logs.length()
                        ? text.substring(0, MAX_LOG_CHARS - logs.length()) + "…\n"
                        : text);
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
