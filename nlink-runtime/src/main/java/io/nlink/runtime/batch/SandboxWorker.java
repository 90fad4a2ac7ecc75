package io.nlink.runtime.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import java.util.List;

/**
 * One lane of a batch: a sandbox instance and the items that pass through it, one at a time.
 * Replaces the instance after a failure that discards it, and recycles it between items when the
 * guest's memory has grown past the recycle threshold (a leaking guest then completes its batch
 * instead of hitting the cap). Used by one thread at a time.
 */
final class SandboxWorker implements AutoCloseable {
    private final NodeExecutable node;
    private final SandboxLimits limits;
    private final ObjectNode params;
    private final int recyclePages;

    private NodeInstance sandbox;
    private NodeFailure startFailure;
    private String initStdout = "";
    private String initStderr = "";

    long items;
    long itemsOut;
    long failures;
    int instances;
    int recycled;
    int peakMemoryPages;
    long callNanos;
    long instanceNanos;

    /** @param recyclePages replace the instance before the next item once its memory exceeds this */
    SandboxWorker(NodeExecutable node, SandboxLimits limits, ObjectNode params, int recyclePages) {
        this.node = node;
        this.limits = limits;
        this.params = params;
        this.recyclePages = recyclePages;
    }

    /**
     * Runs one item. When the module cannot start (instantiation or {@code _initialize} fails),
     * this item and every later one fail with that reason; the start is not retried per item,
     * since it would fail again, slowly.
     */
    ItemResult run(long index, JsonNode item) {
        return run(index, params, item);
    }

    /** Runs one item with its own parameters (a workflow's expressions make them differ per item). */
    ItemResult run(long index, ObjectNode itemParams, JsonNode item) {
        items++;
        if (sandbox != null && sandbox.usable() && sandbox.memoryPages() > recyclePages) {
            recycled++; // checked before an item rather than after, so the last item recycles nothing
            retire();
        }
        if (startFailure == null && (sandbox == null || !sandbox.usable())) {
            start();
        }
        if (startFailure != null) {
            failures++;
            String stderr = initStderr;
            initStderr = "";
            return new ItemResult(index, node.runtime(), List.of(), startFailure, "", stderr, false, 0, 0);
        }
        ItemResult result = withInitLogs(sandbox.call(index, ItemCodec.encodeContext(itemParams, item)));
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
            sandbox = node.newInstance(limits);
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

    /** What _initialize printed rides with the first item its instance serves. */
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
