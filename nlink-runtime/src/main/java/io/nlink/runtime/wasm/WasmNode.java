package io.nlink.runtime.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import java.util.Set;
import java.util.function.Function;

/**
 * A module that passed the ABI checks and was compiled: immutable, shared, thread-safe. Each
 * batch takes its own {@link WasmSandbox} from it; creating one costs an instantiation and the
 * guest's {@code _initialize}, never a compile.
 */
public final class WasmNode implements NodeExecutable {
    private final WasmModule module;
    private final ModuleInfo info;
    private final Function<Instance, Machine> machines;
    private final Set<Integer> interpretedFunctions;
    private final long compileNanos;
    private final boolean fromDiskCache;

    WasmNode(
            WasmModule module,
            ModuleInfo info,
            Function<Instance, Machine> machines,
            Set<Integer> interpretedFunctions,
            long compileNanos,
            boolean fromDiskCache) {
        this.fromDiskCache = fromDiskCache;
        this.module = module;
        this.info = info;
        this.machines = machines;
        this.interpretedFunctions = Set.copyOf(interpretedFunctions);
        this.compileNanos = compileNanos;
    }

    public ModuleInfo info() {
        return info;
    }

    /**
     * Functions the compiler could not turn into JVM methods (too large) and that therefore run in
     * Chicory's interpreter, 70-80x slower. Empty for every example module; non-empty is a
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
        return WasmSandbox.create(this, limits);
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
