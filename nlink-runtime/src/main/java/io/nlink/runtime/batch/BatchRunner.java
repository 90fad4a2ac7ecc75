package io.nlink.runtime.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeFailure;
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

    /** Set when the module could not start: every later item fails the same way, at once. */
    private NodeFailure startFailure;

    /** What the current instance's _initialize printed, reported with the first item it serves. */
    private String initStdout = "";
    private String initStderr = "";
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

    /**
     * Runs one item, the next in this batch. When the module cannot start (instantiation or
     * {@code _initialize} fails), this item and every later one fail with that reason; the
     * start is not retried per item, since it would fail again, slowly.
     */
    public ItemResult next(JsonNode item) {
        long itemIndex = index++;
        if (startFailure == null && (sandbox == null || !sandbox.usable())) {
            start();
        }
        if (startFailure != null) {
            failures++;
            String stderr = initStderr;
            initStderr = "";
            return new ItemResult(itemIndex, WasmSandbox.RUNTIME, List.of(), startFailure, "", stderr, false, 0, 0);
        }
        ItemResult result = withInitLogs(sandbox.call(itemIndex, ItemCodec.encodeContext(params, item)));
        callNanos += result.nanos();
        itemsOut += result.items().size();
        if (!result.ok()) {
            failures++;
        }
        peakMemoryPages = Math.max(peakMemoryPages, sandbox.peakMemoryPages());
        return result;
    }

    private void start() {
        retire();
        long start = System.nanoTime();
        try {
            sandbox = node.newSandbox(limits);
            instances++;
            initStdout = sandbox.initStdout();
            initStderr = sandbox.initStderr();
        } catch (SandboxException e) {
            startFailure = e.failure();
            initStderr = e.stderr();
        } finally {
            instanceNanos += System.nanoTime() - start;
        }
    }

    private ItemResult withInitLogs(ItemResult r) {
        if (initStdout.isEmpty() && initStderr.isEmpty()) {
            return r;
        }
        ItemResult merged = new ItemResult(
                r.index(), r.runtime(), r.items(), r.failure(), initStdout + r.stdout(), initStderr + r.stderr(),
                r.logsTruncated(), r.nanos(), r.memoryPages());
        initStdout = "";
        initStderr = "";
        return merged;
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
