package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.Cancellation;
import java.util.List;
import java.util.Map;

/**
 * What a caller of {@link WorkflowEngine} can do to a run while it goes: hear each node start and
 * finish ({@link Listener}), stop it ({@link #stop}), and give nodes pinned output instead of
 * running them ({@code pinData}, n8n's: only for manual runs from the editor).
 *
 * <p>Stopping ends the sandbox call under way at once: the run's {@link #cancellation()} is given
 * to every sandbox call its nodes make (a community node's item, a Code or Function node's batch,
 * an expression batch), and {@link #stop} cancels it, which stops a spinning guest or script as
 * its time bound would, within milliseconds rather than at the bound. Between calls stopping is
 * cooperative: the engine checks before each node and a node's per-item loop ({@link
 * io.nlink.workflow.nodes.NodeRun#eachItem}) before each item; a built-in node that takes all its
 * items at once (Aggregate, Sort, …) finishes them. The node under way is recorded as {@code
 * canceled}; no later node runs. A sub-workflow's run ({@link #child}) stops with its caller's.
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
    /** Holds the stop: its reason is the run's, and it ends the sandbox call under way. */
    private final Cancellation cancellation;

    /** @param pinData node name → the items it outputs instead of running ({@link PinData#of}) */
    public RunControl(Listener listener, Map<String, List<JsonNode>> pinData) {
        this(listener, pinData, new Cancellation());
    }

    private RunControl(Listener listener, Map<String, List<JsonNode>> pinData, Cancellation cancellation) {
        this.listener = listener;
        this.pinData = Map.copyOf(pinData);
        this.cancellation = cancellation;
    }

    private volatile RunFacts facts = RunFacts.NONE;

    /** The control of a sub-workflow's run: stopped when this one is; no listener, no pins. */
    RunControl child() {
        RunControl child = new RunControl(new Listener() {}, Map.of(), cancellation.child());
        child.facts = new RunFacts(null, false, null, "integrated", null); // n8n's mode for a called workflow
        return child;
    }

    /** Tells the run what its caller knows of it ({@code $workflow}, {@code $execution}); set before it starts. */
    public RunControl withFacts(RunFacts facts) {
        this.facts = java.util.Objects.requireNonNull(facts);
        return this;
    }

    public RunFacts facts() {
        return facts;
    }

    /**
     * Stops the run: the sandbox call under way ends now (its node is recorded as canceled), and
     * the engine runs nothing more. The first reason given is the one recorded.
     */
    public void stop(String reason) {
        cancellation.cancel(reason);
    }

    /** What every sandbox call of this run is given, so that {@link #stop} ends it. */
    public Cancellation cancellation() {
        return cancellation;
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
        return cancellation.reason();
    }

    Listener listener() {
        return listener;
    }

    /** The items pinned on {@code node}, or null when it runs as usual. */
    List<JsonNode> pinned(String node) {
        return pinData.get(node);
    }
}
