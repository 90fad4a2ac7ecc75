package io.nlink.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.internal.NodeRuntimes;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.wasm.InvalidModuleException;
import io.nlink.runtime.wasm.ModuleInfo;
import java.util.Optional;
import java.util.Set;

/**
 * A package {@link NodeRuntime#load loaded} and ready to run: its runtime chosen (execution.wasm,
 * or execution.js when the wasm is missing or cannot run), its module compiled. Immutable and
 * thread-safe: keep it and start any number of batches from it, at once or one after another.
 */
public final class LoadedNode {
    private final NodePackage pkg;
    private final NodeExecutable executable;
    private final String fallbackWhy;
    private final SandboxLimits limits;

    LoadedNode(NodePackage pkg, NodeExecutable executable, String fallbackWhy, SandboxLimits limits) {
        this.pkg = pkg;
        this.executable = executable;
        this.fallbackWhy = fallbackWhy;
        this.limits = limits;
    }

    /** The package: its manifest, its definition (parameters: {@code definition().resolveParams}), its files. */
    public NodePackage pkg() {
        return pkg;
    }

    /** "wasm" or "js": which runtime runs the items. Every {@link ItemResult} says it too. */
    public String runtime() {
        return executable.runtime();
    }

    /** Why execution.js runs instead of execution.wasm, or null when wasm runs. */
    public String fallbackWhy() {
        return fallbackWhy;
    }

    /**
     * What runs the items, for hosts that drive instances themselves or hand the node on (a
     * workflow's node resolver, the store's golden vectors); {@link #batch} is the usual way.
     */
    public NodeExecutable executable() {
        return executable;
    }

    /**
     * A batch: the node over a stream of items with one set of parameters, under the runtime's
     * limits, one lane. Results come in input order; close it when done (it gives its instance
     * back to be reused by the next batch).
     *
     * @param params the node's parameters as it receives them; {@code pkg().definition().resolveParams(given)}
     *     checks given values and fills in defaults
     */
    public BatchRunner batch(ObjectNode params) {
        return batch(params, BatchOptions.DEFAULTS, limits);
    }

    /** A batch with its own options: lanes in parallel, whether it goes on after a failed item. */
    public BatchRunner batch(ObjectNode params, BatchOptions options) {
        return batch(params, options, limits);
    }

    /**
     * A batch its caller may cut short from another thread ({@link Cancellation}): the call under
     * way ends within milliseconds, as one past its time bound does, and the items after it fail
     * at once, all with {@link NodeFailure.Kind#CANCELED}.
     */
    public BatchRunner batch(ObjectNode params, BatchOptions options, Cancellation cancellation) {
        return new BatchRunner(executable, limits, params, options, cancellation);
    }

    /** A batch under limits of its own (a cluster member runs a sender's, capped by its own). */
    public BatchRunner batch(ObjectNode params, BatchOptions options, SandboxLimits limits) {
        return new BatchRunner(executable, limits, params, options);
    }

    /**
     * The facts of the package's execution.wasm (exports, imports, memory, ABI problems), or
     * empty when it has none or the bytes do not parse. Free when wasm runs; otherwise the module
     * is parsed again.
     */
    public Optional<ModuleInfo> module() {
        if (NodeRuntimes.primary(executable) instanceof WasmNode wasm) return Optional.of(wasm.info());
        if (pkg.wasm() == null) return Optional.empty();
        try {
            return Optional.of(NodeRuntime.inspect(pkg.wasm()));
        } catch (InvalidModuleException e) {
            return Optional.empty();
        }
    }

    /**
     * How the module was made runnable, when wasm runs.
     *
     * @param fromCompileCache     read from the runtime's compile cache rather than compiled
     * @param nanos                parse, check and compile (or cache read) time
     * @param interpretedFunctions functions too large to compile, which run in the interpreter
     *                             70-80 times slower: a performance problem worth reporting to
     *                             the node's author
     */
    public record Compilation(boolean fromCompileCache, long nanos, Set<Integer> interpretedFunctions) {}

    /** How the module was compiled; empty when execution.js runs. */
    public Optional<Compilation> compilation() {
        if (!(NodeRuntimes.primary(executable) instanceof WasmNode wasm)) return Optional.empty();
        return Optional.of(new Compilation(wasm.fromDiskCache(), wasm.compileNanos(), wasm.interpretedFunctions()));
    }
}
