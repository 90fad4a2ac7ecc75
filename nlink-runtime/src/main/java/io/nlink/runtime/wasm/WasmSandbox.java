package io.nlink.runtime.wasm;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.ChicoryException;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxInstance;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.Watchdog;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One live instance of a node's module: the unit of isolation. A batch takes one sandbox and
 * calls {@link #call} for each item in turn (so the instance and {@code _initialize} cost are paid
 * once per batch, not per item). Not thread-safe: one thread drives a sandbox at a time.
 *
 * <p>Per item it follows the ABI in docs/abi.md: {@code allocate(len)}, copy the context in,
 * {@code execute_node(ptr, len)}, unpack {@code ptr<<32|len}, bounds-check, copy out, {@code
 * deallocate} both buffers, decode. Whatever the guest does, the host gets an {@link ItemResult};
 * after a failure whose kind {@link Kind#discardsInstance() discards the instance}, {@link
 * #usable()} turns false and the caller takes a fresh sandbox from the same {@link WasmNode}.
 */
public final class WasmSandbox extends SandboxInstance {
    public static final String RUNTIME = "wasm";

    private static final Pattern COMPILED_FUNCTION = Pattern.compile("func_(\\d+)");

    private final WasmNode node;
    private final SandboxWasi wasi;
    private final CappedMemory memory;
    private final ExportFunction allocate;
    private final ExportFunction deallocate;
    private final ExportFunction execute;

    /** The guest export being called, for failure messages: a trap may come from any of them. */
    private String phase = "";

    private WasmSandbox(WasmNode node, SandboxLimits limits) throws SandboxException {
        super(limits);
        this.node = node;
        this.wasi = new SandboxWasi(stdout, stderr);

        ModuleInfo.MemoryInfo declared = node.info().memory();
        if (declared.initialPages() > limits.memoryPages()) {
            wasi.close();
            throw new SandboxException(
                    new NodeFailure(
                            Kind.INSTANTIATION,
                            "the module declares "
                                    + SandboxLimits.describePages(declared.initialPages())
                                    + " of initial memory, above this node's "
                                    + limits.memoryLimitText()
                                    + " memory limit"),
                    "");
        }

        CappedMemory[] created = new CappedMemory[1];
        Instance instance;
        try (Watchdog.Deadline deadline = Watchdog.start(limits.initTimeout())) {
            try {
                instance =
                        Instance.builder(node.module())
                                .withImportValues(ImportValues.builder().addFunction(wasi.functions()).build())
                                .withMachineFactory(node.machines())
                                .withMemoryFactory(
                                        declaredLimits -> created[0] = new CappedMemory(declaredLimits, limits.memoryPages()))
                                .withStart(false)
                                .build();
                if (node.info().hasInitialize()) {
                    instance.export("_initialize").apply();
                }
            } catch (ChicoryException | StackOverflowError e) {
                NodeFailure failure =
                        classify(
                                e,
                                deadline.expired(),
                                created[0],
                                "while initialising (instantiation or _initialize)",
                                limits.initTimeout());
                String log = stderr.take();
                wasi.close();
                throw new SandboxException(
                        new NodeFailure(Kind.INSTANTIATION, failure.message(), failure.function()), log);
            }
        }
        this.memory = created[0];
        this.allocate = instance.export("allocate");
        this.execute = instance.export("execute_node");
        this.deallocate = node.info().exportsDeallocate() ? instance.export("deallocate") : null;
        started();
    }

    static WasmSandbox create(WasmNode node, SandboxLimits limits) throws SandboxException {
        return new WasmSandbox(node, limits);
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

    @Override
    protected byte[] exchange(byte[] context) throws ItemFailedException {
        memory.clearGrowRefused();
        try (Watchdog.Deadline deadline = Watchdog.start(limits.itemTimeout())) {
            try {
                return roundTrip(context);
            } catch (ChicoryException | StackOverflowError e) {
                throw new ItemFailedException(
                        classify(e, deadline.expired(), memory, "while running " + phase, limits.itemTimeout()));
            }
        }
    }

    /** The ABI round trip: context in, result bytes out, both guest buffers released. */
    private byte[] roundTrip(byte[] context) throws ItemFailedException {
        int length = context.length;
        phase = "allocate";
        int inPtr = (int) allocate.apply(length)[0];
        long memorySize = (long) memory.pages() * SandboxLimits.PAGE_SIZE;
        if (inPtr == 0 || Integer.toUnsignedLong(inPtr) + length > memorySize) {
            throw new ItemFailedException(
                    new NodeFailure(
                            memory.growRefused() ? Kind.MEMORY_LIMIT : Kind.BAD_RESULT,
                            memory.growRefused()
                                    ? memoryLimitMessage(memory)
                                    : "allocate("
                                            + length
                                            + ") returned "
                                            + Integer.toUnsignedString(inPtr)
                                            + ", not a usable buffer in the guest's "
                                            + memorySize
                                            + " bytes of memory"));
        }
        memory.write(inPtr, context);
        phase = "execute_node";
        long packed = execute.apply(inPtr, length)[0];
        long outPtr = packed >>> 32;
        long outLen = packed & 0xFFFF_FFFFL;
        memorySize = (long) memory.pages() * SandboxLimits.PAGE_SIZE;
        if (outLen > limits.maxOutputBytes()) {
            throw outputTooLarge(outLen);
        }
        if (outPtr + outLen > memorySize) {
            throw new ItemFailedException(
                    new NodeFailure(
                            Kind.BAD_RESULT,
                            "execute_node returned the buffer [ptr="
                                    + outPtr
                                    + ", len="
                                    + outLen
                                    + "], which lies outside the guest's "
                                    + memorySize
                                    + " bytes of memory"));
        }
        byte[] output = memory.readBytes((int) outPtr, (int) outLen);
        if (deallocate != null) {
            phase = "deallocate";
            deallocate.apply(inPtr, length);
            if (outLen > 0) {
                deallocate.apply(outPtr, outLen);
            }
        }
        return output;
    }

    /** Names the failure behind a guest exception; {@code timeLimit} is the bound that was armed. */
    private NodeFailure classify(
            Throwable e, boolean timedOut, CappedMemory mem, String when, Duration timeLimit) {
        String function = guestFunction(e);
        String where = function == null ? "" : " in " + function;
        if (timedOut) {
            return new NodeFailure(Kind.TIMEOUT, timeLimitMessage(timeLimit, when) + where, function);
        }
        if (causeOf(e, ChicoryInterruptedException.class) != null) {
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
                    Kind.TRAP, "the node exhausted the call stack (unbounded recursion?) " + when + where + guestSaid(), function);
        }
        return new NodeFailure(Kind.TRAP, "the node trapped " + when + where + ": " + e.getMessage() + guestSaid(), function);
    }


    private String memoryLimitMessage(CappedMemory mem) {
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
    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** "; it said: <first stderr line>", since a dying guest usually explains itself there. */
    private String guestSaid() {
        String text = stderr.peek().strip();
        int nl = text.indexOf('\n');
        String first = nl < 0 ? text : text.substring(0, nl);
        return first.isEmpty() ? "" : "; it said: " + first;
    }

    /** The innermost guest function on the stack when the failure happened. */
    private String guestFunction(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (StackTraceElement frame : t.getStackTrace()) {
                Matcher m = COMPILED_FUNCTION.matcher(frame.getMethodName());
                if (m.matches()) {
                    return node.functionName(Integer.parseInt(m.group(1)));
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        retire();
        wasi.close();
    }
}
