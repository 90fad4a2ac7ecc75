package io.nlink.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.Cancellation;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.SandboxLimits;
import java.time.Duration;
import java.util.List;

/**
 * What every runtime's instance does around the guest call, so that wasm and JavaScript report
 * alike: refuse an oversized context before the guest sees it, decode the result with
 * {@link ItemCodec}, capture stdout and stderr per item, and retire the instance after a failure
 * that discards it. Subclasses supply the exchange itself.
 */
public abstract class SandboxInstance implements NodeInstance {
    protected final SandboxLimits limits;
    protected final LogCapture stdout;
    protected final LogCapture stderr;
    private boolean usable = true;
    private String initStdout = "";
    private String initStderr = "";

    protected SandboxInstance(SandboxLimits limits) {
        this.limits = limits;
        this.stdout = new LogCapture(limits.maxLogBytes());
        this.stderr = new LogCapture(limits.maxLogBytes());
    }

    /**
     * The guest's side of one item: the context in, the result's bytes out. The guest is stopped
     * when {@code cancellation} is cancelled, as when the time bound passes (tie the item's
     * {@link io.nlink.runtime.internal.Watchdog Watchdog} deadline to it), and the item fails with
     * {@link #canceled}.
     */
    protected abstract byte[] exchange(byte[] context, Cancellation cancellation) throws ItemFailedException;

    /** "wasm" or "js", as results name it. */
    protected abstract String runtime();

    /** @throws IllegalStateException when called after the instance became unusable */
    @Override
    public final ItemResult call(long index, byte[] context, Cancellation cancellation) {
        if (!usable) {
            throw new IllegalStateException(
                    "this " + runtime() + " instance failed earlier; take a fresh one from its node");
        }
        long start = System.nanoTime();
        if (cancellation.isCanceled()) {
            return finish(index, start, List.of(), canceled(cancellation, "before the item ran", null));
        }
        if (context.length > limits.maxContextBytes()) {
            return finish(
                    index,
                    start,
                    List.of(),
                    new NodeFailure(
                            NodeFailure.Kind.CONTEXT_TOO_LARGE,
                            "the item's context is " + context.length + " bytes, over the sandbox's limit of "
                                    + limits.maxContextBytes() + " bytes"));
        }
        byte[] output;
        try {
            output = exchange(context, cancellation);
        } catch (ItemFailedException e) {
            return finish(index, start, List.of(), e.failure());
        }
        return switch (ItemCodec.decodeResult(output)) {
            case ItemCodec.Items items -> finish(index, start, items.items(), null);
            case ItemCodec.Refused refused ->
                finish(index, start, List.of(), new NodeFailure(NodeFailure.Kind.NODE_ERROR, refused.error()));
            case ItemCodec.Invalid invalid ->
                finish(
                        index,
                        start,
                        List.of(),
                        new NodeFailure(NodeFailure.Kind.BAD_RESULT, "the node " + invalid.why()));
        };
    }

    private ItemResult finish(long index, long start, List<JsonNode> items, NodeFailure failure) {
        if (failure != null && failure.kind().discardsInstance()) {
            usable = false;
        }
        boolean truncated = stdout.truncated() || stderr.truncated();
        return new ItemResult(
                index,
                runtime(),
                items,
                failure,
                stdout.take(),
                stderr.take(),
                truncated,
                System.nanoTime() - start,
                memoryPages());
    }

    @Override
    public final boolean usable() {
        return usable;
    }

    /** Subclasses call this when their instance has started: what it printed so far is start-up output. */
    protected final void started() {
        initStdout = stdout.take();
        initStderr = stderr.take();
    }

    @Override
    public final String initStdout() {
        return initStdout;
    }

    @Override
    public final String initStderr() {
        return initStderr;
    }

    /**
     * For an instance reset to its freshly started state: its start-up output was handed out with
     * its first item already, and nothing captured since belongs to the next batch.
     */
    protected final void forgetLogs() {
        initStdout = "";
        initStderr = "";
        stdout.take();
        stderr.take();
    }

    /** Marks the instance unusable; subclasses release their runtime in {@link #close()}. */
    protected final void retire() {
        usable = false;
    }

    /** The refusal of a result over the output limit, checked before anything is copied. */
    protected final ItemFailedException outputTooLarge(long bytes) {
        return new ItemFailedException(new NodeFailure(
                NodeFailure.Kind.OUTPUT_TOO_LARGE,
                "the node returned a result of " + bytes + " bytes, over the sandbox's output limit of "
                        + limits.maxOutputBytes() + " bytes"));
    }

    /** "the node was stopped after running longer than its time limit of 10 s <when>". */
    protected static String timeLimitMessage(Duration limit, String when) {
        String text = limit.toMillis() % 1000 == 0 ? limit.toSeconds() + " s" : limit.toMillis() + " ms";
        return "the node was stopped after running longer than its time limit of " + text + " " + when;
    }

    /**
     * The failure of a call its caller cancelled: "the call was canceled by its caller <when> in
     * <function> (stopped by alice); the instance was discarded".
     */
    protected static NodeFailure canceled(Cancellation cancellation, String when, String function) {
        return new NodeFailure(
                NodeFailure.Kind.CANCELED,
                "the call was canceled by its caller " + when + (function == null ? "" : " in " + function) + " ("
                        + cancellation.reason() + "); the instance was discarded",
                function);
    }

    /** An item the guest failed, for {@link #exchange} to throw. */
    public static final class ItemFailedException extends Exception {
        private final NodeFailure failure;

        public ItemFailedException(NodeFailure failure) {
            super(failure.message(), null, false, false);
            this.failure = failure;
        }

        public NodeFailure failure() {
            return failure;
        }
    }
}
