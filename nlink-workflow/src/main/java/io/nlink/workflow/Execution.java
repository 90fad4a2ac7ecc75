package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one run of a workflow did: its status and times, and per node what went in and came out,
 * how long it took, what failed and what the sandbox printed.
 *
 * @param status     success; error when a node stopped the run; canceled when it was stopped on request
 * @param error      why the run stopped, or null
 * @param errorNode  the node that stopped it, or null
 * @param lastNode   the last node that ran, whose first output is the run's result
 * @param output     that node's first output, in full
 */
public record Execution(
        String workflow,
        Status status,
        Instant startedAt,
        Instant finishedAt,
        List<NodeRecord> nodes,
        String error,
        String errorNode,
        String lastNode,
        List<JsonNode> output) {

    /** Output items kept per node output in {@link NodeRecord#sample()}: enough to see, bounded to store. */
    public static final int SAMPLE_ITEMS = 20;

    public enum Status {
        SUCCESS,
        ERROR,
        /** Stopped on request before it finished ({@link RunControl#stop}). */
        CANCELED;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One node's part in the run.
     *
     * @param status     success, error, skipped (no items reached it), disabled (passed items through),
     *                   pinned (passed its pinned items on without running) or canceled (stopped while it ran)
     * @param runtime    builtin, wasm, js, or pinned
     * @param itemsIn    items per input
     * @param itemsOut   items per output
     * @param tries      attempts made (more than 1 after retries)
     * @param error      why the node failed, or null
     * @param itemErrors items that failed and continued (continue-on-fail), with their messages
     * @param logs       what the sandbox printed, bounded
     * @param sample     the first {@link #SAMPLE_ITEMS} items of each output
     */
    public record NodeRecord(
            String name,
            String type,
            String status,
            String runtime,
            List<Integer> itemsIn,
            List<Integer> itemsOut,
            Duration time,
            int tries,
            String error,
            List<io.nlink.workflow.nodes.NodeRun.ItemError> itemErrors,
            String logs,
            List<List<JsonNode>> sample) {}

    public Duration time() {
        return Duration.between(startedAt, finishedAt);
    }

    public NodeRecord node(String name) {
        return nodes.stream()
                .filter(n -> n.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("node " + name + " is not in this execution"));
    }

    /** The record as JSON, as the CLI writes it and the API returns it. */
    public ObjectNode toJson() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("workflow", workflow);
        out.put("status", status.id());
        out.put("startedAt", startedAt.toString());
        out.put("finishedAt", finishedAt.toString());
        out.put("millis", time().toNanos() / 1e6);
        out.put("error", error);
        out.put("errorNode", errorNode);
        out.put("lastNode", lastNode);
        ArrayNode nodesJson = out.putArray("nodes");
        for (NodeRecord n : nodes) {
            ObjectNode j = nodesJson.addObject();
            j.put("name", n.name());
            j.put("type", n.type());
            j.put("status", n.status());
            j.put("runtime", n.runtime());
            j.set("itemsIn", Json.MAPPER.valueToTree(n.itemsIn()));
            j.set("itemsOut", Json.MAPPER.valueToTree(n.itemsOut()));
            j.put("millis", n.time().toNanos() / 1e6);
            j.put("tries", n.tries());
            j.put("error", n.error());
            j.set("itemErrors", Json.MAPPER.valueToTree(n.itemErrors()));
            j.put("logs", n.logs());
            j.set("sample", Json.MAPPER.valueToTree(n.sample()));
        }
        out.set("output", Json.MAPPER.valueToTree(output));
        return out;
    }
}
