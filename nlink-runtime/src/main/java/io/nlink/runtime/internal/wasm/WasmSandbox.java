package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.Cancellation;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.internal.SandboxInstance;
import io.nlink.runtime.internal.Watchdog;
import io.nlink.runtime.wasm.ModuleInfo;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import run.endive.runtime.ImportValues;
import run.endive.runtime.Instance;
import run.endive.runtime.WasmInterruptedException;
import run.endive.wasi.WasiExitException;
import run.endive.wasm.WasmEngineException;

/**
 * One live instance of a node's module: the unit of isolation. A batch takes one sandbox and
 * calls {@link #call} for each item in turn (so the instance and its start-up cost are paid once
 * per batch, not per item). Not thread-safe: one thread drives a sandbox at a time.
 *
 * <p>Two kinds, chosen by the module's exports ({@link ModuleInfo#abi()}): a {@link
 * ReactorSandbox} calls {@code allocate}/{@code execute_node} per item; a {@link CommandSandbox}
 * runs a WASI command's {@code _start} once and exchanges NDJSON lines with it over stdin and
 * stdout. Whatever the guest does, the host gets an {@link io.nlink.runtime.ItemResult}; after a
 * failure whose kind {@link Kind#discardsInstance() discards the instance}, {@link #usable()}
 * turns false and the caller takes a fresh sandbox from the same {@link WasmNode}.
 */
public abstract sealed class WasmSandbox extends SandboxInstance permits ReactorSandbox, CommandSandbox {
    public static final String RUNTIME = "wasm";

    private static final Pattern COMPILED_FUNCTION = Pattern.compile("func_(\\d+)");

    private static final java.util.concurrent.atomic.AtomicLong HOST_FAULTS =
            new java.util.concurrent.atomic.AtomicLong();

    /** Items failed with {@link Kind#HOST_FAULT} in this process so far: each is a bug to find. */
    public static long hostFaults() {
        return HOST_FAULTS.get();
    }

    final WasmNode node;
    SandboxWasi wasi;
    CappedMemory memory;

    WasmSandbox(WasmNode node, SandboxLimits limits) {
        super(limits);
        this.node = node;
    }

    static WasmSandbox create(WasmNode node, SandboxLimits limits) throws SandboxException {
        return node.info().abi() == ModuleInfo.Abi.COMMAND
                ? new CommandSandbox(node, limits)
                : new ReactorSandbox(node, limits);
    }

    /** What runs on the calling thread right after instantiation, inside the init bound. */
    @FunctionalInterface
    interface StartUp {
        void run(Instance instance);
    }

    /**
     * Instantiates the module against {@code sandboxWasi} and runs {@code startUp}, both under the
     * init bound. On failure the WASI is released and the failure is an {@code INSTANTIATION}.
     *
     * @param startFrom the snapshot the memory maps from the start (startUp then restores the
     *     globals), or null for the module's declared initial memory
     */
    final Instance instantiate(SandboxWasi sandboxWasi, InitSnapshot startFrom, StartUp startUp)
            throws SandboxException {
        this.wasi = sandboxWasi;
        ModuleInfo.MemoryInfo declared = node.info().memory();
        if (declared.initialPages() > limits.memoryPages()) {
            throw failedToStart(new NodeFailure(
                    Kind.INSTANTIATION,
                    "the module declares "
                            + SandboxLimits.describePages(declared.initialPages())
                            + " of initial memory, above this node's "
                            + limits.memoryLimitText()
                            + " memory limit"));
        }
        CappedMemory[] created = new CappedMemory[1];
        try (Watchdog.Deadline deadline = Watchdog.start(limits.initTimeout())) {
            try {
                Instance instance = Instance.builder(node.module())
                        .withImportValues(ImportValues.builder()
                                .addFunction(sandboxWasi.functions())
                                .build())
                        .withMachineFactory(node.machines())
                        .withMemoryFactory(declaredLimits ->
                                created[0] = new CappedMemory(declaredLimits, limits.memoryPages(), startFrom))
                        .withTableFactory(BudgetedTable.factory())
                        .withStart(false)
                        .build();
                this.memory = created[0];
                startUp.run(instance);
                return instance;
            } catch (RuntimeException | Error e) { // everything: traps, and host faults a guest reached
                throw failedToStart(classify(e, deadline.expired(), created[0], INITIALISING, limits.initTimeout()));
            }
        }
    }

    private static final String INITIALISING = "while initialising (instantiation or _initialize)";

    /** An {@code INSTANTIATION} failure carrying {@code failure}'s message, with the WASI released. */
    final SandboxException failedToStart(NodeFailure failure) {
        return failedToStart(failure, stderr.take());
    }

    /** As {@link #failedToStart(NodeFailure)}, with the guest's stderr already taken. */
    final SandboxException failedToStart(NodeFailure failure, String log) {
        wasi.close();
        return new SandboxException(new NodeFailure(Kind.INSTANTIATION, failure.message(), failure.function()), log);
    }

    public WasmNode node() {
        return node;
    }

    public SandboxLimits limits() {
        return limits;
    }

    @Override
    public int memoryPages() {
        return memory.pages();
    }

    @Override
    public int peakMemoryPages() {
        return memory.peakPages();
    }

    @Override
    protected String runtime() {
        return RUNTIME;
    }

    /**
     * Names the failure behind a guest exception thrown under {@code deadline}: {@code CANCELED}
     * when the caller's cancellation stopped it, otherwise as {@link #classify(Throwable, boolean,
     * CappedMemory, String, Duration)}.
     */
    final NodeFailure classify(
            Throwable e,
            Watchdog.Deadline deadline,
            Cancellation cancellation,
            CappedMemory mem,
            String when,
            Duration timeLimit) {
        return deadline.canceled()
                ? canceled(cancellation, when, guestFunction(e))
                : classify(e, deadline.expired(), mem, when, timeLimit);
    }

    /** Names the failure behind a guest exception; {@code timeLimit} is the bound that was armed. */
    final NodeFailure classify(Throwable e, boolean timedOut, CappedMemory mem, String when, Duration timeLimit) {
        String function = guestFunction(e);
        String where = function == null ? "" : " in " + function;
        if (timedOut) {
            return new NodeFailure(Kind.TIMEOUT, timeLimitMessage(timeLimit, when) + where, function);
        }
        if (causeOf(e, WasmInterruptedException.class) != null) {
            return new NodeFailure(Kind.TIMEOUT, "the node was interrupted by the host " + when + where, function);
        }
        if (mem != null && mem.growRefused()) {
            return new NodeFailure(Kind.MEMORY_LIMIT, memoryLimitMessage(mem), function);
        }
        WasiExitException exit = causeOf(e, WasiExitException.class);
        if (exit != null) {
            return new NodeFailure(
                    Kind.EXIT, "the node exited with code " + exit.exitCode() + " " + when + guestSaid(), function);
        }
        if (causeOf(e, StackOverflowError.class) != null) {
            return new NodeFailure(
                    Kind.TRAP,
                    "the node exhausted the call stack (unbounded recursion?) " + when + where + guestSaid(),
                    function);
        }
        if (!(e instanceof WasmEngineException)) {
            HOST_FAULTS.incrementAndGet();
            String what =
                    e instanceof OutOfMemoryError ? "the host ran out of heap memory" : "the host failed with " + e;
            return new NodeFailure(
                    Kind.HOST_FAULT,
                    what + " " + when + where
                            + "; the instance was discarded (this is nLink's fault, not the node's: please report it with the package)",
                    function);
        }
        return new NodeFailure(
                Kind.TRAP, "the node trapped " + when + where + ": " + e.getMessage() + guestSaid(), function);
    }

    final String memoryLimitMessage(CappedMemory mem) {
        if (!mem.refusedAtCap()) {
            return "the node ran out of memory at the maximum its module declares, "
                    + mem.maximumPagesAllowed()
                    + " pages ("
                    + SandboxLimits.describePages(mem.maximumPagesAllowed())
                    + "), below the sandbox's "
                    + limits.memoryLimitText()
                    + " limit: raise the module's maximum memory when building it";
        }
        return "the node exceeded the "
                + limits.memoryLimitText()
                + " memory limit ("
                + limits.memoryPages()
                + " pages of 64 KiB): it asked to grow its memory past the cap";
    }

    /** The exception itself or its nearest cause of that type: host calls wrap what they throw. */
    static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** "; it said: <first stderr line>", since a dying guest usually explains itself there. */
    final String guestSaid() {
        String text = stderr.peek().strip();
        int nl = text.indexOf('\n');
        String first = nl < 0 ? text : text.substring(0, nl);
        return first.isEmpty() ? "" : "; it said: " + first;
    }

    /** The innermost guest function on the stack when the failure happened. */
    private String guestFunction(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = guestFunction(t.getStackTrace());
            if (name != null) {
                return name;
            }
        }
        return null;
    }

    /** The innermost guest function among these frames (of an exception, or of a running thread). */
    final String guestFunction(StackTraceElement[] frames) {
        for (StackTraceElement frame : frames) {
            Matcher m = COMPILED_FUNCTION.matcher(frame.getMethodName());
            if (m.matches()) {
                return node.functionName(Integer.parseInt(m.group(1)));
            }
        }
        return null;
    }

    /**
     * Puts the instance back into exactly the state of a freshly started one, for another batch;
     * false when it cannot be (then it must be discarded). What a batch is done with comes here
     * through {@link #close()}.
     */
    abstract boolean reset();

    /** Done with it: its node keeps it, reset, for another batch when it can; otherwise discarded. */
    @Override
    public void close() {
        node.giveBack(this);
    }

    @Override
    public void discard() {
        retire();
        wasi.close();
    }
}
