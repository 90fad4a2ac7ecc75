package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** What a node of one type does with its input items. Implementations are stateless and thread-safe. */
public interface NodeType {
    /**
     * Runs the node once over everything that reached its inputs.
     *
     * @return the items of each output, in output order (IF has two: true, false)
     */
    List<List<JsonNode>> run(NodeRun run) throws NodeFailedException;

    /** Triggers start a run: they receive the run's trigger items as their only input. */
    default boolean trigger() {
        return false;
    }

    /** Whether the node runs when only some of its inputs received items (Merge); others need their first input. */
    default boolean runsWithAnyInput() {
        return false;
    }
}
