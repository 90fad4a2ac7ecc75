package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.Cancellation;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.internal.Watchdog;
import io.nlink.runtime.internal.wasm.CommandChannel.Outcome;
import io.nlink.runtime.internal.wasm.CommandChannel.Status;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import run.endive.runtime.ExportFunction;
import run.endive.runtime.Instance;

/**
 * A sandbox for a WASI command module (the adapter ABI in docs/abi.md): one long-lived run of
 * {@code _start} per instance, on a guest thread of its own, fed one NDJSON context line per item
 * through a {@link CommandChannel}. A command cannot return to the host between items, so it
 * blocks in {@code fd_read} instead; the lane's thread hands it the next line and waits for the
 * result line, under the item time bound. A guest that exits, traps, breaks the line protocol or
 * runs too long fails the item it was serving and is retired, like a failed reactor instance.
 */
final class CommandSandbox extends WasmSandbox {
    /** Like a native main thread's stack: interpreters such as CPython recurse deeply. */
    private static final long GUEST_STACK_BYTES = 8L << 20;

    /** How long closing waits for the interrupted guest thread to unwind. */
    private static final long STOP_WAIT_MILLIS = 1000;

    private static final String STARTING = "while starting (instantiation, then _start until it first reads stdin)";
    private static final String RUNNING = "while running _start";

    /** A command that ends before reading stdin is most often a reactor built as a command by mistake. */
    private static final String NOT_A_NODE_HINT =
            ". A command node reads its contexts from stdin until the host stops it (docs/abi.md, adapter ABI);"
                    + " to build a reactor instead: Go -buildmode=c-shared, C -mexec-model=reactor";

    private static final AtomicLong GUESTS = new AtomicLong();

    private final CommandChannel channel;
    private final Thread guest;

    CommandSandbox(WasmNode node, SandboxLimits limits) throws SandboxException {
        super(node, limits);
        long start = System.nanoTime();
        this.channel = new CommandChannel(limits.maxOutputBytes(), stderr, limits.maxLogBytes());
        Instance instance =
                instantiate(new SandboxWasi(channel.stdout, channel.stderr, channel.stdinRead), null, started -> {});
        ExportFunction main = instance.export("_start");
        this.guest = new Thread(
                null, () -> runGuest(main), "nlink-command-guest-" + GUESTS.incrementAndGet(), GUEST_STACK_BYTES);
        guest.setDaemon(true);
        guest.start();
        Outcome ready = channel.awaitReady(limits.initTimeout().toNanos() - (System.nanoTime() - start));
        if (ready.status() != Status.READY) {
            NodeFailure failure = failure(ready, STARTING, limits.initTimeout());
            if (ready.status() == Status.ENDED) {
                failure = new NodeFailure(failure.kind(), failure.message() + NOT_A_NODE_HINT, failure.function());
            }
            stopGuest();
            throw failedToStart(failure);
        }
        started();
    }

    /** The guest thread: {@code _start} until it returns, exits, traps or is stopped. */
    private void runGuest(ExportFunction main) {
        Throwable cause = null;
        try {
            main.apply();
        } catch (Throwable t) { // anything the guest causes ends it; the lane reports it
            cause = t;
        }
        channel.guestEnded(cause);
    }

    @Override
    protected byte[] exchange(byte[] context, Cancellation cancellation) throws ItemFailedException {
        memory.clearGrowRefused();
        // The guest runs on its own thread: a cancellation interrupts the lane's wait for the
        // answer, and the instance, discarded for it, then stops the guest (discard()).
        try (Watchdog.Deadline deadline = Watchdog.start(limits.itemTimeout(), cancellation)) {
            Outcome outcome =
                    channel.exchange(asLine(context), limits.itemTimeout().toNanos());
            if (outcome.status() == Status.RESULT) {
                return outcome.line();
            }
            if (deadline.canceled() && outcome.status() == Status.TIMED_OUT) {
                throw new ItemFailedException(canceled(cancellation, RUNNING, guestFunction(guest.getStackTrace())));
            }
            throw new ItemFailedException(failure(outcome, RUNNING, limits.itemTimeout()));
        }
    }

    /**
     * The context as one NDJSON line. The codec's compact JSON has no raw newline; any other
     * caller's would be whitespace between tokens (a raw newline inside a string is not JSON),
     * so it becomes a space.
     */
    private static byte[] asLine(byte[] context) {
        byte[] line = java.util.Arrays.copyOf(context, context.length + 1);
        for (int i = 0; i < context.length; i++) {
            if (line[i] == '\n') {
                line[i] = ' ';
            }
        }
        line[context.length] = '\n';
        return line;
    }

    private NodeFailure failure(Outcome outcome, String when, Duration timeLimit) {
        return switch (outcome.status()) {
            case TOO_LONG ->
                new NodeFailure(
                        Kind.OUTPUT_TOO_LARGE,
                        "the node wrote a result line longer than the sandbox's output limit of "
                                + limits.maxOutputBytes() + " bytes");
            case VIOLATION -> new NodeFailure(Kind.BAD_RESULT, outcome.violation());
            case TIMED_OUT -> {
                String function = guestFunction(guest.getStackTrace());
                yield new NodeFailure(
                        Kind.TIMEOUT,
                        timeLimitMessage(timeLimit, when) + (function == null ? "" : " in " + function),
                        function);
            }
            case ENDED ->
                outcome.endedBy() != null
                        ? classify(outcome.endedBy(), false, memory, when, timeLimit)
                        : memory.growRefused()
                                ? new NodeFailure(Kind.MEMORY_LIMIT, memoryLimitMessage(memory))
                                : new NodeFailure(
                                        Kind.EXIT,
                                        "the node exited with code 0 (its _start returned) " + when + guestSaid());
            case RESULT, READY -> throw new IllegalStateException("not a failure: " + outcome.status());
        };
    }

    /** Ends the guest thread: a read unwinds it, and so does the interrupt anywhere in guest code. */
    private void stopGuest() {
        channel.close();
        guest.interrupt();
        try {
            guest.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A command's state includes its running guest thread: never reset, always a new instance. */
    @Override
    boolean reset() {
        return false;
    }

    @Override
    public void discard() {
        retire();
        stopGuest();
        wasi.close();
    }
}
