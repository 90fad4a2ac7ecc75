package io.nlink.runtime.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.ItemResult;
import java.util.Iterator;
import java.util.function.Consumer;

/**
 * One node run over a stream of items, wherever its lanes are: on this machine
 * ({@link BatchRunner}) or spread over a cluster's members. Results come back in input order.
 */
public interface ItemBatch extends AutoCloseable {
    /**
     * Runs every item, handing each result to {@code sink} in input order, on the calling thread.
     *
     * @return true when the batch ran to the end; false when it stopped at a failed item
     */
    boolean run(Iterator<JsonNode> items, Consumer<ItemResult> sink);

    /** Totals so far; complete once {@link #run} has returned. */
    BatchSummary summary();

    @Override
    void close();
}
