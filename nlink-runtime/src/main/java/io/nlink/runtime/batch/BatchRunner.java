package io.nlink.runtime.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.wasm.SandboxException;
import io.nlink.runtime.wasm.SandboxLimits;
import io.nlink.runtime.wasm.WasmNode;
import io.nlink.runtime.wasm.WasmSandbox;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs one node over a stream of items: one sandbox instance for the whole batch, items in order,
 * each result handed on as soon as it exists (the runner holds no item but the current one).
 * When a failure discards the instance, the next item gets a fresh one from the compiled module.
 *
 * <p>With {@code continueOnFail} a failed item becomes a failed {@link ItemResult} and the batch
 * goes on; without it the batch stops after the first failed item, whose result names it.
 */
public final class BatchRunner implements AutoCloseable {
    private final WasmNode node;
    private final SandboxLimits limits;
    private final ObjectNode params;
    private final boolean continueOnFail;

    private WasmSandbox sandbox;
    private long index;
    private long itemsOut;
    private long failures;
    private int instances;
    private int peakMemoryPages;
    private long callNanos;
    private long instanceNanos;

    /**
     * @param params the node's resolved parameters (see {@code NodeDefinition.resolveParams}),
     *     the same for every item of the batch
     */
    public BatchRunner(WasmNode node, SandboxLimits limits, ObjectNode params, boolean continueOnFail) {
        this.node = node;
        this.limits = limits;
        this.params = params;
        this.continueOnFail = continueOnFail;
    }

    /**
     * Runs every item, handing each result to {@code sink} in input order.
     *
     * @return true when the batch ran to the end; false when it stopped at a failed item
     */
    public boolean run(Iterator<JsonNode> items, Consumer<ItemResult> sink) {
        while (items.hasNext()) {
            ItemResult result = next(items.next());
            sink.accept(result);
            if (!result.ok() && !continueOnFail) {
                return false;
            }
        }
        return true;
    }

    /** Runs one item, the next in this batch. */
    public ItemResult next(JsonNode item) {
        long itemIndex = index++;
        if (sandbox == null || !sandbox.usable()) {
            retire();
            long start = System.nanoTime();
            try {
                sandbox = node.newSandbox(limits);
            } catch (SandboxException e) {
                failures++;
                return new ItemResult(
                        itemIndex, WasmSandbox.RUNTIME, List.of(), e.failure(), "", e.stderr(), false, System.nanoTime() - start, 0);
            } finally {
                instanceNanos += System.nanoTime() - start;
            }
            instances++;
        }
        ItemResult result = sandbox.call(itemIndex, ItemCodec.encodeContext(params, item));
        callNanos += result.nanos();
        itemsOut += result.items().size();
        if (!result.ok()) {
            failures++;
        }
        peakMemoryPages = Math.max(peakMemoryPages, sandbox.peakMemoryPages());
        return result;
    }

    public BatchSummary summary() {
        return new BatchSummary(
                index, itemsOut, failures, instances, peakMemoryPages, limits.memoryPages(), callNanos, instanceNanos);
    }

    private void retire() {
        if (sandbox != null) {
            peakMemoryPages = Math.max(peakMemoryPages, sandbox.peakMemoryPages());
            sandbox.close();
            sandbox = null;
        }
    }

    @Override
    public void close() {
        retire();
    }
}
