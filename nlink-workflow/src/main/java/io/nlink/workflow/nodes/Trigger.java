package io.nlink.workflow.nodes;

import io.nlink.workflow.Item;
import java.util.List;

/**
 * Manual Trigger, Webhook and Schedule Trigger: each starts a run with the items its source gives
 * (one empty item when started by hand; the request for a webhook; the firing time for a
 * schedule). Listening for requests and keeping the schedule is the server's part.
 */
final class Trigger implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) {
        // A trigger's items start the lineage: they come from outside the workflow.
        return List.of(run.input(0).stream().map(i -> run.item(i.json())).toList());
    }

    @Override
    public boolean trigger() {
        return true;
    }
}
