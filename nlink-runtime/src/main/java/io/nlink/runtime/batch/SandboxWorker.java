package io.nlink.runtime.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.Cancellation;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.internal.NodeRuntimes;
import io.nlink.runtime.internal.Watchdog;
import java.time.Duration;
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
    private final Cancellation cancellation;
    /** Re-runs items whose run failed, when the package opts in (see {@link NodeRuntimes}); else null. */
    private final NodeExecutable fallback;

    private final Slot primary;
    /** The lane's execution.js instance for per-item fallback; null unless the package opts in. */
    private final Slot fallbackSlot;

    /**
     * The bound of the deadline that carries the cancellation into an instance's start: none to
     * speak of, since the start keeps its own ({@link SandboxLimits#initTimeout()}).
     */
    private static final Duration CANCEL_ONLY = Duration.ofDays(365);

    long items;
    long itemsOut;
    long failures;
    long fallbacks;
    int instances;
    int recycled;
    int peakMemoryPages;
    long callNanos;
    long instanceNanos;

    /**
     * @param recyclePages replace the instance before the next item once its memory exceeds this
     * @param cancellation ends the call under way; once cancelled, items fail at once and no
     *     instance starts
     */
    SandboxWorker(
            NodeExecutable node, SandboxLimits limits, ObjectNode params, int recyclePages, Cancellation cancellation) {
        this.node = node;
        this.cancellation = cancellation;
        this.limits = limits;
        this.params = params;
        this.recyclePages = recyclePages;
        this.fallback = node.perItemFallback();
        this.primary = new Slot(node);
        this.fallbackSlot = fallback == null ? null : new Slot(fallback);
    }

    /** One executable's instance in this lane: started on first need, replaced once unusable. */
    private final class Slot {
        final NodeExecutable executable;
        NodeInstance instance;
        /** Why the instance could not start; not retried per item, since it would fail again, slowly. */
        NodeFailure startFailure;

        private String initStdout = "";
        private String initStderr = "";

        Slot(NodeExecutable executable) {
            this.executable = executable;
        }

        /**
         * Whether an instance is ready to call, starting one when there is none usable. A start
         * runs on this thread ({@code _initialize} may spin until the init bound): the lane's
         * cancellation interrupts it as it does a call, and the start fails as {@code CANCELED}.
         */
        boolean ready() {
            if (startFailure == null && (instance == null || !instance.usable())) {
                close();
                long start = System.nanoTime();
                try (Watchdog.Deadline cancelled = Watchdog.start(CANCEL_ONLY, cancellation)) {
                    try {
                        instance = executable.newInstance(limits);
                        instances++;
                        initStdout = instance.initStdout();
                        initStderr = instance.initStderr();
                    } catch (SandboxException e) {
                        startFailure = cancelled.canceled()
                                ? new NodeFailure(
                                        NodeFailure.Kind.CANCELED,
                                        "the instance's start was canceled by its caller (" + cancellation.reason()
                                                + ")")
                                : e.failure();
                        initStderr = e.stderr();
                    }
                } finally {
                    instanceNanos += System.nanoTime() - start;
                }
            }
            return startFailure == null;
        }

        boolean hasInitLogs() {
            return !initStdout.isEmpty() || !initStderr.isEmpty();
        }

        /** What the instance's start printed to stdout, handed out once: with the first item it serves. */
        String takeInitStdout() {
            String out = initStdout;
            initStdout = "";
            return out;
        }

        String takeInitStderr() {
            String err = initStderr;
            initStderr = "";
            return err;
        }

        void close() {
            if (instance != null) {
                peakMemoryPages = Math.max(peakMemoryPages, instance.peakMemoryPages());
                instance.close();
                instance = null;
            }
        }
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
        if (primary.instance != null && primary.instance.usable() && primary.instance.memoryPages() > recyclePages) {
            recycled++; // checked before an item rather than after, so the last item recycles nothing
            primary.close();
        }
        byte[] context = ItemCodec.encodeContext(itemParams, item);
        ItemResult result;
        if (cancellation.isCanceled()) { // no instance is started, nor the guest called, only to refuse the item
            result = new ItemResult(
                    index,
                    node.runtime(),
                    List.of(),
                    new NodeFailure(
                            NodeFailure.Kind.CANCELED,
                            "the call was canceled by its caller before the item ran (" + cancellation.reason() + ")"),
                    "",
                    "",
                    false,
                    0,
                    0);
        } else if (!primary.ready()) {
            result = new ItemResult(
                    index, node.runtime(), List.of(), primary.startFailure, "", primary.takeInitStderr(), false, 0, 0);
        } else {
            ItemResult r = primary.instance.call(index, context, cancellation);
            // What _initialize printed rides with the first item its instance serves.
            result = !primary.hasInitLogs()
                    ? r
                    : new ItemResult(
                            r.index(),
                            r.runtime(),
                            r.items(),
                            r.failure(),
                            primary.takeInitStdout() + r.stdout(),
                            primary.takeInitStderr() + r.stderr(),
                            r.logsTruncated(),
                            r.nanos(),
                            r.memoryPages());
            callNanos += result.nanos();
            peakMemoryPages = Math.max(peakMemoryPages, primary.instance.peakMemoryPages());
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
        if (!fallbackSlot.ready()) {
            return new ItemResult(
                    index,
                    fallback.runtime(),
                    List.of(),
                    fallbackSlot.startFailure,
                    failed.stdout(),
                    failed.stderr() + fallbackSlot.takeInitStderr(),
                    failed.logsTruncated(),
                    failed.nanos(),
                    failed.memoryPages(),
                    why);
        }
        ItemResult js = fallbackSlot.instance.call(index, context, cancellation);
        callNanos += js.nanos();
        String stdout = failed.stdout() + fallbackSlot.takeInitStdout() + js.stdout();
        String stderr = failed.stderr() + fallbackSlot.takeInitStderr() + js.stderr();
        return new ItemResult(
                index,
                js.runtime(),
                js.items(),
                js.failure(),
                stdout,
                stderr,
                failed.logsTruncated() || js.logsTruncated(),
                failed.nanos() + js.nanos(),
                failed.memoryPages(),
                why);
    }

    @Override
    public void close() {
        primary.close();
        if (fallbackSlot != null) fallbackSlot.close();
    }
}
