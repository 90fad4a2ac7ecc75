package io.nlink.runtime.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.NodeRuntimes;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import java.util.List;

/**
 * One lane of a batch: a sandbox instance and the items that pass through it, one at a time.
 * Replaces the instance after a failure that discards it, and recycles it between items when the
 * guest's memory has grown past the recycle threshold (a leaking guest then completes its batch
 * instead of hitting the cap). When the package opts in to per-item fallback, an item whose run
 * fails for a runtime reason is re-run on a second, execution.js instance of the lane's own,
 * created on first need and reused. Used by one thread at a time.
 */
final class SandboxWorker implements AutoCloseable {
    private final NodeExecutable node;
    private final SandboxLimits limits;
    private final ObjectNode params;
    private final int recyclePages;
    /** Re-runs items whose run failed, when the package opts in (see {@link NodeRuntimes}); else null. */
    private final NodeExecutable fallback;

    private NodeInstance sandbox;
    private NodeFailure startFailure;
    private String initStdout = "";
    private String initStderr = "";
    private NodeInstance fallbackSandbox;
    private NodeFailure fallbackStartFailure;
    private String fallbackInitStdout = "";
    private String fallbackInitStderr = "";

    long items;
    long itemsOut;
    long failures;
    long fallbacks;
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
        this.fallback = node.perItemFallback();
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
        byte[] context = ItemCodec.encodeContext(itemParams, item);
        ItemResult result;
        if (startFailure != null) {
            String stderr = initStderr;
            initStderr = "";
            result = new ItemResult(index, node.runtime(), List.of(), startFailure, "", stderr, false, 0, 0);
        } else {
            result = withInitLogs(sandbox.call(index, context));
            callNanos += result.nanos();
            peakMemoryPages = Math.max(peakMemoryPages, sandbox.peakMemoryPages());
        }
        if (fallback != null && NodeRuntimes.fallsBackPerItem(result.failure())) {
            result = rerunOnFallback(index, context, result);
        }
        itemsOut += result.items().size();
        if (!result.ok()) {
            failures++;
        }
        return result;
    }

    /**
     * The package opted in to per-item fallback and this item's run failed for a runtime reason:
     * runs it again on the lane's execution.js instance (started on first need, then kept). The
     * result is JavaScript's, says why it ran, carries both runs' logs in run order and their
     * summed time.
     */
    private ItemResult rerunOnFallback(long index, byte[] context, ItemResult failed) {
        fallbacks++;
        String why = "execution." + node.runtime() + " failed on this item (" + failed.failure() + ")";
        if (fallbackStartFailure == null && (fallbackSandbox == null || !fallbackSandbox.usable())) {
            startFallback();
        }
        if (fallbackStartFailure != null) {
            String stderr = fallbackInitStderr;
            fallbackInitStderr = "";
            return new ItemResult(index, fallback.runtime(), List.of(), fallbackStartFailure, failed.stdout(), failed.stderr() + stderr,
                    failed.logsTruncated(), failed.nanos(), failed.memoryPages(), why);
        }
        ItemResult js = fallbackSandbox.call(index, context);
        callNanos += js.nanos();
        String stdout = failed.stdout() + fallbackInitStdout + js.stdout();
        String stderr = failed.stderr() + fallbackInitStderr + js.stderr();
        fallbackInitStdout = "";
        fallbackInitStderr = "";
        return new ItemResult(index, js.runtime(), js.items(), js.failure(), stdout, stderr,
                failed.logsTruncated() || js.logsTruncated(), failed.nanos() + js.nanos(), failed.memoryPages(), why);
    }

    private void startFallback() {
        if (fallbackSandbox != null) {
            fallbackSandbox.close();
            fallbackSandbox = null;
        }
        long start = System.nanoTime();
        try {
            fallbackSandbox = fallback.newInstance(limits);
            instances++;
            fallbackInitStdout = fallbackSandbox.initStdout();
            fallbackInitStderr = fallbackSandbox.initStderr();
        } catch (SandboxException e) {
            fallbackStartFailure = e.failure(); // not retried: it would fail again, slowly
            fallbackInitStderr = e.stderr();
        } finally {
            instanceNanos += System.nanoTime() - start;
        }
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
        if (fallbackSandbox != null) {
            fallbackSandbox.close();
            fallbackSandbox = null;
        }
    }
}
