package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.SandboxLimits;
import java.util.EnumSet;
import java.util.Set;
import run.endive.runtime.GlobalInstance;
import run.endive.runtime.Instance;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.AnnotatedInstruction;
import run.endive.wasm.types.FunctionBody;
import run.endive.wasm.types.Global;
import run.endive.wasm.types.MutabilityType;
import run.endive.wasm.types.OpCode;

/**
 * A reactor's state right after its start-up ({@code _initialize} when it exports one, else
 * instantiation): its linear memory, as read-only 64 KiB pages, and its mutable globals. Two uses:
 * <ul>
 *   <li>A new instance starts from it instead of running {@code _initialize} again — for a Go node
 *       the runtime's whole start-up (measured: 50-87 ms of which instantiation is 13 ms) — and its
 *       memory maps the snapshot's pages copy-on-write ({@link CappedMemory}), so nothing is copied.
 *   <li>An instance that has served a batch is reset to it in place ({@link ReactorSandbox#reset}),
 *       paying only for the pages the batch wrote.
 * </ul>
 *
 * <p>Sound only when memory and globals are the whole state the guest can change, so modules whose
 * code can change tables, drop or copy from passive segments, throw exceptions (the engine keeps
 * thrown values per instance) or keep references in mutable globals are never snapshotted: their
 * tables, segments and reference globals are as the module declares them after instantiation, which
 * a restore keeps. What WASI gave the initialiser (clock readings, random seeds) is shared by every
 * instance made from one snapshot.
 *
 * <p>A snapshot is kept on heap for as long as its node is cached, so only modules whose memory
 * after start-up is at most {@link #MAX_PAGES} are snapshotted (a Go node's is about 8 MiB); its bytes
 * count against {@link io.nlink.runtime.internal.ReadyMemory}.
 */
final class InitSnapshot {
    /** Instructions whose effect lives outside memory and globals. */
    private static final Set<OpCode> STATE_OUTSIDE_MEMORY = EnumSet.of(
            OpCode.TABLE_SET,
            OpCode.TABLE_GROW,
            OpCode.TABLE_FILL,
            OpCode.TABLE_COPY,
            OpCode.TABLE_INIT,
            OpCode.ELEM_DROP,
            OpCode.MEMORY_INIT,
            OpCode.DATA_DROP,
            OpCode.THROW,
            OpCode.THROW_REF);

    /** Largest memory kept: 10 MiB. Bigger initialisers run _initialize every time. */
    static final int MAX_PAGES = 160;

    /** Never written: instances read them, and copy one before their first write to it. */
    private final byte[][] pages;

    private final int[] globals;
    private final long[] low;
    private final long[] high;

    private InitSnapshot(byte[][] pages, int[] globals, long[] low, long[] high) {
        this.pages = pages;
        this.globals = globals;
        this.low = low;
        this.high = high;
    }

    /** Whether a snapshot of {@code module} after start-up captures all the state its code can change. */
    static boolean possible(WasmModule module) {
        for (Global global : module.globalSection().globals()) {
            if (global.mutabilityType() == MutabilityType.Var
                    && global.valueType().isReference()) return false;
        }
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
        int count = memory.pages();
        if (count > MAX_PAGES) return null;
        byte[][] pages = new byte[count][];
        for (int i = 0; i < count; i++) {
            pages[i] = memory.readBytes(i * SandboxLimits.PAGE_SIZE, SandboxLimits.PAGE_SIZE);
        }
        int globalCount = instance.globalCount();
        int mutable = 0;
        for (int i = 0; i < globalCount; i++) {
            if (instance.global(i).getMutabilityType() == MutabilityType.Var) mutable++;
        }
        int[] globals = new int[mutable];
        long[] low = new long[mutable];
        long[] high = new long[mutable];
        for (int i = 0, j = 0; i < globalCount; i++) {
            GlobalInstance g = instance.global(i);
            if (g.getMutabilityType() != MutabilityType.Var) continue;
            globals[j] = i;
            low[j] = g.getValueLow();
            high[j] = g.getValueHigh();
            j++;
        }
        return new InitSnapshot(pages, globals, low, high);
    }

    /** Whether an instance under {@code limits} can hold this snapshot's memory. */
    boolean fits(SandboxLimits limits) {
        return pages.length <= limits.memoryPages();
    }

    /**
     * Puts an instance into the snapshotted state: a fresh one (its start-up not run) or one that
     * has served items. Memory maps the snapshot's pages again; mutable globals get their values.
     */
    void restore(Instance instance, CappedMemory into) {
        into.resetTo(this);
        for (int j = 0; j < globals.length; j++) {
            GlobalInstance g = instance.global(globals[j]);
            g.setValueLow(low[j]);
            g.setValueHigh(high[j]);
        }
    }

    /** The pages themselves, for {@link CappedMemory} to map: callers never write into them. */
    byte[][] pageArrays() {
        return pages;
    }

    int pages() {
        return pages.length;
    }

    /** Bytes the snapshot holds. */
    long bytes() {
        return (long) pages.length * SandboxLimits.PAGE_SIZE;
    }
}
