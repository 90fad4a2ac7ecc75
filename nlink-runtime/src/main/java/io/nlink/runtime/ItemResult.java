package io.nlink.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What one input item became: its output items or a failure, plus what the guest printed while
 * working on it and what it cost.
 *
 * @param index        position of the input item in its batch, counting from 0
 * @param runtime      which runtime produced the result: "wasm" or "js"
 * @param items        the output items' {@code json} objects, empty on failure
 * @param failure      null on success
 * @param stdout       what the guest wrote to stdout for this item (bounded)
 * @param stderr       what the guest wrote to stderr for this item (bounded)
 * @param logsTruncated whether either log hit its bound and lost bytes
 * @param nanos        wall time of the call, copy in and out included
 * @param memoryPages  guest memory size after the call, in 64 KiB pages
 * @param fallbackWhy  null, unless the package opted in to per-item fallback and this item's wasm
 *                     run failed: then the wasm failure's message, and the result (items or
 *                     failure) is execution.js's
 */
public record ItemResult(
        long index,
        String runtime,
        List<JsonNode> items,
        NodeFailure failure,
        String stdout,
        String stderr,
        boolean logsTruncated,
        long nanos,
        int memoryPages,
        String fallbackWhy) {

    /** A result produced by the runtime that was chosen for the batch (no per-item fallback). */
    public ItemResult(
            long index,
            String runtime,
            List<JsonNode> items,
            NodeFailure failure,
            String stdout,
            String stderr,
            boolean logsTruncated,
            long nanos,
            int memoryPages) {
        this(index, runtime, items, failure, stdout, stderr, logsTruncated, nanos, memoryPages, null);
    }

    public boolean ok() {
        return failure == null;
    }
}
