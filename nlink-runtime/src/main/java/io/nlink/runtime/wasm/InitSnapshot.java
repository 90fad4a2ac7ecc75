package io.nlink.runtime.wasm;

import run.endive.runtime.GlobalInstance;
import run.endive.runtime.Instance;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.AnnotatedInstruction;
import run.endive.wasm.types.FunctionBody;
import run.endive.wasm.types.MutabilityType;
import run.endive.wasm.types.OpCode;
import io.nlink.runtime.SandboxLimits;
import java.util.EnumSet;
import java.util.Set;

/**
 * A reactor's state right after {@code _initialize}: its linear memory and its mutable globals.
 * A new instance that starts from it skips {@code _initialize} — for a Go node the runtime's whole
 * start-up, most of an instance's cost (measured: 50-87 ms of which instantiation is 13 ms) — and
 * pays a memory copy instead.
 *
 * <p>Sound only when memory and globals are the whole state {@code _initialize} leaves behind, so
 * modules whose code can change tables or drop passive segments are never snapshotted: after
 * instantiation their tables and segments are as the module declares them, which a restore keeps.
 * What WASI gave the initialiser (clock readings, random seeds) is shared by every instance made
 * from one snapshot.
 *
 * <p>A snapshot is kept on heap for as long as its node is cached, so only modules whose memory
 * after {@code _initialize} is at most {@link #MAX_PAGES} are snapshotted (a Go node's is about 8
 * MiB); with the engine's 32 cached nodes that bounds snapshots to 320 MiB in the worst case.
 */
final class InitSnapshot {
    /** Instructions whose effect lives outside memory and globals. */
    private static final Set<OpCode> STATE_OUTSIDE_MEMORY = EnumSet.of(
            OpCode.TABLE_SET, OpCode.TABLE_GROW, OpCode.TABLE_FILL, OpCode.TABLE_COPY, OpCode.TABLE_INIT,
            OpCode.ELEM_DROP, OpCode.MEMORY_INIT, OpCode.DATA_DROP);

    /** Largest memory kept: 10 MiB. Bigger initialisers run _initialize every time. */
    static final int MAX_PAGES = 160;

    private final int pages;
    private final byte[] memory;
    private final int[] globals;
    private final long[] low;
    private final long[] high;

    private InitSnapshot(int pages, byte[] memory, int[] globals, long[] low, long[] high) {
        this.pages = pages;
        this.memory = memory;
        this.globals = globals;
        this.low = low;
        this.high = high;
    }

    /** Whether a snapshot of {@code module} after {@code _initialize} captures all its state. */
    static boolean possible(WasmModule module) {
        if (module.codeSection() == null) return true;
        for (FunctionBody body : module.codeSection().functionBodies()) {
            for (AnnotatedInstruction instruction : body.instructions()) {
                if (STATE_OUTSIDE_MEMORY.contains(instruction.opcode())) return false;
            }
        }
        return true;
    }

    /** The instance's state, or null when its memory is larger than {@link #MAX_PAGES}. */
    static InitSnapshot take(Instance instance, CappedMemory memory) {
        int pages = memory.pages();
        if (pages > MAX_PAGES) return null;
        int count = instance.globalCount();
        int mutable = 0;
        for (int i = 0; i < count; i++) {
            if (instance.global(i).getMutabilityType() == MutabilityType.Var) mutable++;
        }
        int[] globals = new int[mutable];
        long[] low = new long[mutable];
        long[] high = new long[mutable];
        for (int i = 0, j = 0; i < count; i++) {
            GlobalInstance g = instance.global(i);
            if (g.getMutabilityType() != MutabilityType.Var) continue;
            globals[j] = i;
            low[j] = g.getValueLow();
            high[j] = g.getValueHigh();
            j++;
        }
        return new InitSnapshot(pages, memory.readBytes(0, pages * SandboxLimits.PAGE_SIZE), globals, low, high);
    }

    /** Whether an instance under {@code limits} can hold this snapshot's memory. */
    boolean fits(SandboxLimits limits) {
        return pages <= limits.memoryPages();
    }

    /** Puts a freshly instantiated instance (its _initialize not run) into the snapshotted state. */
    void restore(Instance instance, CappedMemory into) {
        int missing = pages - into.pages();
        if (missing > 0 && into.grow(missing) < 0) {
            throw new IllegalStateException("cannot grow memory to the snapshot's " + pages + " pages");
        }
        into.write(0, memory);
        for (int j = 0; j < globals.length; j++) {
            GlobalInstance g = instance.global(globals[j]);
            g.setValueLow(low[j]);
            g.setValueHigh(high[j]);
        }
    }

    int pages() {
        return pages;
    }
}
