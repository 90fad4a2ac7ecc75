package io.nlink.workflow.nodes;

import io.nlink.workflow.Item;
import java.util.List;

/** No Operation, do nothing (n8n-nodes-base.noOp): its items pass through unchanged, each linked to itself. */
final class NoOpNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) {
        return List.of(run.input(0).stream().map(i -> run.item(i.json(), i)).toList());
    }
}
