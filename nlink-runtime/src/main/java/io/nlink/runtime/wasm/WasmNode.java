package io.nlink.runtime.wasm;

import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.WasmModule;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.SpareInstance;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;

/**
 * A module that passed the ABI checks and was compiled: shared and thread-safe. Each batch takes
 * its own {@link WasmSandbox} from it; creating one costs an instantiation and the guest's
 * {@code _initialize} — only for the first instance when the module allows a snapshot of the
 * state {@code _initialize} leaves (InitSnapshot) — never a compile.
 */
public final class WasmNode implements NodeExecutable {
    private final WasmModule module;
    private final ModuleInfo info;
    private final Function<Instance, Machine> machines;
    private final Set<Integer> interpretedFunctions;
    private final long compileNanos;
    private final boolean fromDiskCache;
    /** Null until the first instance has run _initialize (and forever when a snapshot is unsound). */
    private volatile InitSnapshot snapshot;
    private volatile Boolean snapshotPossible;
    private final java.util.concurrent.atomic.AtomicLong snapshotStarts = new java.util.concurrent.atomic.AtomicLong();
    private final SpareInstance<WasmSandbox> spare;

    WasmNode(
            WasmModule module,
            ModuleInfo info,
            Function<Instance, Machine> machines,
            Set<Integer> interpretedFunctions,
            long compileNanos,
            boolean fromDiskCache,
            Duration spareIdle) {
        this.fromDiskCache = fromDiskCache;
        this.module = module;
        this.info = info;
        this.machines = machines;
        this.interpretedFunctions = Set.copyOf(interpretedFunctions);
        this.compileNanos = compileNanos;
        this.spare = new SpareInstance<>(limits -> WasmSandbox.create(this, limits), spareIdle);
    }

    public ModuleInfo info() {
        return info;
    }

    /**
     * Functions the compiler could not turn into JVM methods (too large) and that therefore run in
     * the engine's interpreter, 70-80x slower. Empty for every example module; non-empty is a
     * performance problem worth reporting to the node's author.
     */
    public Set<Integer> interpretedFunctions() {
        return interpretedFunctions;
    }

    /** Parse, check and compile (or load from the disk cache) time of this module, in nanoseconds. */
    public long compileNanos() {
        return compileNanos;
    }

    /** Whether the compiled classes came from the engine's cache directory rather than a compile. */
    public boolean fromDiskCache() {
        return fromDiskCache;
    }

    @Override
    public String runtime() {
        return WasmSandbox.RUNTIME;
    }

    /**
     * A fresh instance under these limits, with {@code _initialize} already run.
     *
     * @throws SandboxException when the module cannot be instantiated under these limits, or its
     *     initialisation traps, exits or runs past {@link SandboxLimits#initTimeout()}
     */
    @Override
    public WasmSandbox newInstance(SandboxLimits limits) throws SandboxException {
        return spare.take(limits);
    }

    /** Instances handed out already started, from the node's spare (WasmEngine.Options#spareIdle). */
    public long spareStarts() {
        return spare.served();
    }

    /**
     * Instances started from the memory snapshot taken after the first {@code _initialize}
     * instead of running it again (InitSnapshot).
     */
    public long snapshotStarts() {
        return snapshotStarts.get();
    }

    /** The snapshot a new instance under {@code limits} can start from, or null. */
    InitSnapshot snapshotFor(SandboxLimits limits) {
        InitSnapshot s = snapshot;
        if (s == null || !s.fits(limits)) return null;
        snapshotStarts.incrementAndGet();
        return s;
    }

    /** Keeps the state of an instance that has just run _initialize, when the module allows it. */
    void offerSnapshot(Instance instance, CappedMemory memory) {
        if (snapshot != null) return;
        Boolean possible = snapshotPossible;
        if (possible == null) snapshotPossible = possible = InitSnapshot.possible(module);
        if (possible) {
            long bytes = (long) memory.pages() * io.nlink.runtime.SandboxLimits.PAGE_SIZE;
            if (memory.pages() > InitSnapshot.MAX_PAGES) {
                snapshotPossible = false; // too big: do not try again per instance
            } else if (io.nlink.runtime.ReadyMemory.reserve(bytes)) { // else no room now: the next instance asks again
                InitSnapshot taken = InitSnapshot.take(instance, memory);
                io.nlink.runtime.ReadyMemory.releaseWhenUnreachable(taken, bytes);
                snapshot = taken;
            }
        }
    }

    WasmModule module() {
        return module;
    }

    Function<Instance, Machine> machines() {
        return machines;
    }

    /** The function's name from the module's name section, or "function #N" without one. */
    String functionName(int index) {
        String name = module.nameSection() == null ? null : module.nameSection().nameOfFunction(index);
        return name != null ? name : "function #" + index;
    }
}
