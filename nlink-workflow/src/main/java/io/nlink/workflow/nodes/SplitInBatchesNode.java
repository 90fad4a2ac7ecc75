package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import io.nlink.workflow.expr.Expressions;
import java.util.ArrayList;
import java.util.List;

/**
 * Loop Over Items / Split in Batches (n8n-nodes-base.splitInBatches), versions 1 to 3. The first
 * run keeps the items it receives and passes on the first {@code batchSize} of them; each later
 * run in the same execution (the loop body fed back into it) passes on the next batch.
 * <ul>
 *   <li>Version 3 has two outputs, "done" (0) and "loop" (1): the items each batch's body fed
 *       back are collected, and once no batch is left they all go out on "done". Version 2 has
 *       the same two the other way round: "loop" (0) and "done" (1).
 *   <li>Version 1 has one output: a run with no batch left outputs nothing, so the loop ends;
 *       workflows test {@code $node["Name"].context["noItemsLeft"]} to leave it.
 * </ul>
 * The node's context ({@code noItemsLeft}, {@code currentRunIndex}, {@code maxRunIndex},
 * {@code done}) is what n8n's is. {@code options.reset} starts again from the items received.
 * Once a loop is done, the next run of the node starts again too (a loop nested in another).
 */
final class SplitInBatchesNode implements NodeType {
    private static final String REMAINING = "remaining",
            PROCESSED = "processed",
            RUN_INDEX = "runIndex",
            MAX_RUN_INDEX = "maxRunIndex";

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        boolean v3 = run.node().typeVersion() >= 3;
        List<Item> in = run.input(0);
        Expressions.Resolved resolved = run.parametersPerItem(
                        in.isEmpty() ? List.of(Item.start(Json.MAPPER.createObjectNode())) : in.subList(0, 1))
                .get(0);
        if (resolved.failure() != null)
            throw new NodeFailedException(resolved.failure().message());
        JsonNode p = resolved.params();
        JsonNode size = p.path("batchSize");
        int batchSize = size.isMissingNode() ? (v3 ? 1 : 10) : size.asInt(-1);
        if (batchSize < 1)
            throw new NodeFailedException("batchSize: expected a whole number of at least 1; got " + size);
        boolean reset = p.path("options").path("reset").asBoolean(false);

        NodeRun.NodeState state = run.state();
        List<Item> remaining = state.get(REMAINING);
        List<Item> processed;
        int runIndex;
        if (remaining == null || reset) {
            remaining = new ArrayList<>(in);
            processed = new ArrayList<>();
            runIndex = 0;
            state.put(MAX_RUN_INDEX, (int) Math.ceil(in.size() / (double) batchSize));
        } else {
            processed = state.get(PROCESSED);
            processed.addAll(in); // what the loop body fed back
            runIndex = state.<Integer>get(RUN_INDEX) + 1;
        }
        List<Item> taken = remaining.subList(0, Math.min(batchSize, remaining.size()));
        List<Item> batch = taken.stream().map(i -> run.item(i.json(), i)).toList();
        taken.clear();
        boolean done = batch.isEmpty();
        ObjectNode context = Json.MAPPER.createObjectNode();
        context.put("currentRunIndex", runIndex)
                .put("maxRunIndex", state.<Integer>get(MAX_RUN_INDEX))
                .put("noItemsLeft", remaining.isEmpty())
                .put("done", done);
        state.context(context);
        if (done) {
            state.clear(); // a later run starts a new loop
        } else {
            state.put(REMAINING, remaining);
            state.put(PROCESSED, processed);
            state.put(RUN_INDEX, runIndex);
        }
        if (run.node().typeVersion() < 2) return List.of(batch);
        List<Item> finished =
                done ? processed.stream().map(i -> run.item(i.json(), i)).toList() : List.of();
        // Version 2 added "done" after "loop"; version 3 put it first.
        return v3 ? List.of(finished, batch) : List.of(batch, finished);
    }
}
