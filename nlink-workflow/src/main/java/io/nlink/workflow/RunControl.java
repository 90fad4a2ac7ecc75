package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * What a caller of {@link WorkflowEngine} can do to a run while it goes: hear each node start and
 * finish ({@link Listener}), stop it ({@link #stop}), and give nodes pinned output instead of
 * running them ({@code pinData}, n8n's: only for manual runs from the editor).
 *
 * <p>Stopping is cooperative: the engine checks before each node and a node's per-item loop
 * ({@link io.nlink.workflow.nodes.NodeRun#eachItem}) before each item. What runs in one go is not
 * cut short: one sandbox call (a Code node's whole batch, a community node's item, an expression
 * batch) ends at its own timeout, and a node that takes all its items at once (Aggregate, Sort, …)
 * finishes them. The node under way is recorded as {@code canceled}; no later node runs.
 *
 * <p>Thread-safe: {@link #stop} is called from another thread than the run's.
 */
public final class RunControl {
    /** Hears the run's progress, on the run's thread: keep it quick and never throw. */
    public interface Listener {
        /** {@code node} starts with {@code itemsIn} items per input. */
        default void nodeStarted(String node, List<Integer> itemsIn) {}

        /** {@code node} is done: ran, failed, was skipped, disabled, pinned or canceled. */
        default void nodeFinished(Execution.NodeRecord record) {}
    }

    /** Thrown where a stop is noticed inside a node; the engine records the node as canceled. */
    public static final class Stopped extends RuntimeException {
        Stopped(String reason) {
            super(reason, null, false, false);
        }
    }

    /** No listener, no pins, never stopped: what a run without a caller to tell is given. */
    public static RunControl none() {
        return new RunControl(new Listener() {}, Map.of());
    }

    private final Listener listener;
    private final Map<String, List<JsonNode>> pinData;
    private volatile String stopReason;
    /** The run whose stop this one follows (a sub-workflow's caller), or null. */
    private final RunControl parent;

    /** @param pinData node name → the items it outputs instead of running ({@link PinData#of}) */
    public RunControl(Listener listener, Map<String, List<JsonNode>> pinData) {
        this(listener, pinData, null);
    }

    private RunControl(Listener listener, Map<String, List<JsonNode>> pinData, RunControl parent) {
        this.listener = listener;
        this.pinData = Map.copyOf(pinData);
        this.parent = parent;
    }

    /** The control of a sub-workflow's run: stopped when this one is; no listener, no pins. */
    RunControl child() {
        return new RunControl(new Listener() {}, Map.of(), this);
    }

    /** Asks the run to stop at its next check; the first reason given is the one recorded. */
    public void stop(String reason) {
        if (stopReason == null) stopReason = reason;
    }

    public boolean stopRequested() {
        return stopReason() != null;
    }

    /** Throws {@link Stopped} when a stop was asked for: called between items. */
    public void checkNotStopped() {
        String reason = stopReason();
        if (reason != null) throw new Stopped(reason);
    }

    String stopReason() {
        String reason = stopReason;
        return reason != null || parent == null ? reason : parent.stopReason();
    }

    Listener listener() {
        return listener;
    }

    /** The items pinned on {@code node}, or null when it runs as usual. */
    List<JsonNode> pinned(String node) {
        return pinData.get(node);
    }
}
