package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Manual Trigger, Webhook and Schedule Trigger: each starts a run with the items its source gives
 * (one empty item when started by hand; the request for a webhook; the firing time for a
 * schedule). Listening for requests and keeping the schedule is the server's part.
 */
final class Trigger implements NodeType {
    @Override
    public List<List<JsonNode>> run(NodeRun run) {
        return List.of(List.copyOf(run.input(0)));
    }

    @Override
    public boolean trigger() {
        return true;
    }
}
