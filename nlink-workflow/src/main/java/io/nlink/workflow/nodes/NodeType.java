package io.nlink.workflow.nodes;

import io.nlink.workflow.Item;
import java.util.List;

/** What a node of one type does with its input items. Implementations are stateless and thread-safe. */
public interface NodeType {
    /**
     * Runs the node once over everything that reached its inputs.
     *
     * @return the items of each output, in output order (IF has two: true, false), each made with
     *     {@link NodeRun#item} so it links to the input item(s) it came from
     */
    List<List<Item>> run(NodeRun run) throws NodeFailedException;

    /** Triggers start a run: they receive the run's trigger items as their only input. */
    default boolean trigger() {
        return false;
    }

    /** Whether the node runs when only some of its inputs received items (Merge); others need their first input. */
    default boolean runsWithAnyInput() {
        return false;
    }
}
