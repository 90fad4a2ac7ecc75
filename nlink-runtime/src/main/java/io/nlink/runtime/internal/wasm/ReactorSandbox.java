package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.Cancellation;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeFailure;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.internal.Watchdog;
import java.util.List;
import run.endive.runtime.ExportFunction;
import run.endive.runtime.Instance;

/**
 * A sandbox for a reactor module, following the ABI in docs/abi.md per item: {@code
 * allocate(len)}, copy the context in, {@code execute_node(ptr, len)}, unpack {@code ptr<<32|len},
 * bounds-check, copy out, {@code deallocate} both buffers. Runs on the caller's thread.
 */
final class ReactorSandbox extends WasmSandbox {
    private final Instance instance;
    private final ExportFunction allocate;
    private final ExportFunction deallocate;
    private final ExportFunction execute;
    /** The state {@link #reset} restores: the node's snapshot; null when the module allows none. */
    private final InitSnapshot resetPoint;

    /** The guest export being called, for failure messages: a trap may come from any of them. */
    private String phase = "";

    ReactorSandbox(WasmNode node, SandboxLimits limits) throws SandboxException {
        super(node, limits);
        InitSnapshot snapshot = node.snapshotFor(limits);
        // A start section runs at instantiation, on whatever memory there is: map the snapshot after it.
        InitSnapshot mappedAtStart = node.hasStartSection() ? null : snapshot;
        this.instance = instantiate(new SandboxWasi(stdout, stderr), mappedAtStart, started -> {
            if (snapshot != null) {
                snapshot.restore(started, memory);
            } else if (node.info().hasInitialize()) {
                started.export("_initialize").apply();
            }
        });
        this.allocate = instance.export("allocate");
        this.execute = instance.export("execute_node");
        this.deallocate = node.info().exportsDeallocate() ? instance.export("deallocate") : null;
        started(); // what _initialize printed; the warm-up's output is dropped with its results
        if (snapshot != null) {
            this.resetPoint = snapshot;
        } else {
            warmUp();
            // The first instance: its state becomes the snapshot, and its memory maps it from now on.
            this.resetPoint = node.snapshotOf(instance, memory, limits);
            if (resetPoint != null) resetPoint.restore(instance, memory);
        }
    }

    /**
     * Runs the node's warm-up items (definition.json's {@code warmup}) on the just-initialised
     * instance, each as a batch's item would run, bound and all; their results and output are
     * dropped. Each must succeed: a node whose declared warm-up fails does not start, which tells
     * its author at the first run (and at upload, where the golden vectors run) rather than never.
     */
    private void warmUp() throws SandboxException {
        List<byte[]> items = node.warmUp();
        for (int i = 0; i < items.size(); i++) {
            ItemResult result = call(i, items.get(i));
            if (result.failure() != null) {
                NodeFailure failure = result.failure();
                throw failedToStart(
                        new NodeFailure(
                                Kind.INSTANTIATION,
                                "definition.json warmup[" + i + "] failed, so the node cannot start: "
                                        + failure.message() + " (fix the item or remove it from warmup)",
                                failure.function()),
                        result.stderr());
            }
        }
    }

    /**
     * Back to the snapshot: memory (the pages written since, and the size), mutable globals, logs.
     * Tables, passive segments and thrown exceptions cannot have changed (InitSnapshot#possible);
     * an instance whose guest may have changed the WASI state, or that failed, is not reset.
     */
    @Override
    boolean reset() {
        if (resetPoint == null || !usable() || wasi.stateChanged()) return false;
        resetPoint.restore(instance, memory);
        forgetLogs();
        return true;
    }

    /** The instance's own objects besides memory (machine, globals, tables, log buffers), roughly. */
    private static final long INSTANCE_BYTES = 64 * 1024;

    @Override
    public long heldBytes() {
        return memory.heldBytes() + INSTANCE_BYTES;
    }

    @Override
    protected byte[] exchange(byte[] context, Cancellation cancellation) throws ItemFailedException {
        memory.clearGrowRefused();
        try (Watchdog.Deadline deadline = Watchdog.start(limits.itemTimeout(), cancellation)) {
            try {
                return roundTrip(context);
            } catch (RuntimeException | Error e) { // everything: traps, and host faults a guest reached
                throw new ItemFailedException(
                        classify(e, deadline, cancellation, memory, "while running " + phase, limits.itemTimeout()));
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
            throw new ItemFailedException(new NodeFailure(
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
            throw new ItemFailedException(new NodeFailure(
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
}
