package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.internal.ReadyInstances;
import io.nlink.runtime.internal.ReadyMemory;
import io.nlink.runtime.wasm.ModuleInfo;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.WasmModule;

/**
 * A module that passed the ABI checks and was compiled: shared and thread-safe. Each batch takes
 * its own {@link WasmSandbox} from it, in exactly the state the guest's start-up leaves, in the
 * cheapest way the module allows:
 * <ol>
 *   <li>one a previous batch gave back, reset in place to the snapshot of that state (the cost of
 *       the pages the batch wrote; {@link #reuses()});
 *   <li>the spare started ahead of need ({@link #spareStarts()});
 *   <li>a new instance: an instantiation whose memory maps the snapshot copy-on-write ({@link
 *       #snapshotStarts()}), or for the first instance, and for modules a snapshot cannot capture
 *       (InitSnapshot#possible), an instantiation, the guest's {@code _initialize} and the node's
 *       warm-up items ({@link #warmUp()}).
 * </ol>
 * Never a compile: that happened when the node was loaded.
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
    private final AtomicLong snapshotStarts = new AtomicLong();
    /** Over every node of the process, for {@code NodeRuntime.metrics()}. */
    private static final AtomicLong SNAPSHOT_STARTS = new AtomicLong();

    private final ReadyInstances<WasmSandbox> ready;
    private final Duration spareIdle;
    /** Contexts each instance not started from the snapshot runs after _initialize (WasmEngine#load(byte[], List)). */
    private final List<byte[]> warmUp;

    WasmNode(
            WasmModule module,
            ModuleInfo info,
            Function<Instance, Machine> machines,
            Set<Integer> interpretedFunctions,
            long compileNanos,
            boolean fromDiskCache,
            Duration spareIdle,
            List<byte[]> warmUp) {
        this.warmUp = List.copyOf(warmUp);
        this.spareIdle = spareIdle;
        this.fromDiskCache = fromDiskCache;
        this.module = module;
        this.info = info;
        this.machines = machines;
        this.interpretedFunctions = Set.copyOf(interpretedFunctions);
        this.compileNanos = compileNanos;
        this.ready = new ReadyInstances<>(limits -> WasmSandbox.create(this, limits), spareIdle);
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
        return ready.take(limits);
    }

    /** A batch is done with {@code sandbox}: kept, reset, for the next one when it can be; else discarded. */
    void giveBack(WasmSandbox sandbox) {
        ready.giveBack(sandbox, sandbox.limits(), WasmSandbox::reset);
    }

    /** Instances handed out already started, from the node's spare (WasmEngine.Options#spareIdle). */
    public long spareStarts() {
        return ready.served();
    }

    /** Instances handed out again after a batch gave them back and they were reset in place. */
    public long reuses() {
        return ready.reused();
    }

    /** Reset instances waiting for the next batch now. */
    public int readyInstances() {
        return ready.keptCount();
    }

    /**
     * Instances started from the memory snapshot taken after the first start-up instead of running
     * {@code _initialize} again (InitSnapshot).
     */
    public long snapshotStarts() {
        return snapshotStarts.get();
    }

    /** {@link #snapshotStarts()} summed over every node of the process. */
    public static long allSnapshotStarts() {
        return SNAPSHOT_STARTS.get();
    }

    /** The snapshot a new instance under {@code limits} can start from, or null. */
    InitSnapshot snapshotFor(SandboxLimits limits) {
        InitSnapshot s = snapshot;
        if (s == null || !s.fits(limits)) return null;
        snapshotStarts.incrementAndGet();
        SNAPSHOT_STARTS.incrementAndGet();
        return s;
    }

    /** Whether a module with a start section: it runs at instantiation, before a snapshot can be mapped. */
    boolean hasStartSection() {
        return module.startSection().isPresent();
    }

    /**
     * The snapshot of an instance that has just started, taken now when the module allows one and
     * there is none yet; null when there cannot be one (yet).
     */
    InitSnapshot snapshotOf(Instance instance, CappedMemory memory, SandboxLimits limits) {
        InitSnapshot existing = snapshot;
        if (existing != null) return existing.fits(limits) ? existing : null; // taken meanwhile by another instance
        Boolean possible = snapshotPossible;
        if (possible == null) snapshotPossible = possible = InitSnapshot.possible(module);
        if (!possible) return null;
        if (memory.pages() > InitSnapshot.MAX_PAGES) {
            snapshotPossible = false; // too big: do not try again per instance
            return null;
        }
        long bytes = (long) memory.pages() * SandboxLimits.PAGE_SIZE;
        if (!ReadyMemory.reserve(bytes)) return null; // no room now: the next instance asks again
        InitSnapshot taken = InitSnapshot.take(instance, memory);
        ReadyMemory.releaseWhenUnreachable(taken, bytes);
        snapshot = taken;
        return taken;
    }

    /** This module, compiled as it is, with its own snapshot taken after {@code warmUp}. */
    WasmNode withWarmUp(List<byte[]> warmUp) {
        return new WasmNode(
                module, info, machines, interpretedFunctions, compileNanos, fromDiskCache, spareIdle, warmUp);
    }

    /** The warm-up contexts, in order; empty for most nodes. */
    List<byte[]> warmUp() {
        return warmUp;
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
