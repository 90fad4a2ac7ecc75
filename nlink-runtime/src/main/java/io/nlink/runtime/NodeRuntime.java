package io.nlink.runtime;

import io.nlink.runtime.internal.NodeRuntimes;
import io.nlink.runtime.internal.ReadyInstances;
import io.nlink.runtime.internal.ReadyMemory;
import io.nlink.runtime.internal.js.JsEngine;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.wasm.InvalidModuleException;
import io.nlink.runtime.wasm.ModuleInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The front door of the nLink runtime: what a Java program embeds to run community nodes. One
 * {@code NodeRuntime} owns both engines (WebAssembly, compiled to JVM bytecode, and JavaScript for
 * execution.js), the compiled-module cache and the sandbox limits; the CLI, the cluster and the
 * server each build theirs this way. Build one per process (or per set of options) and share it:
 * it is thread-safe, and a module is compiled once per runtime however many batches run it.
 *
 * <pre>{@code
 * try (NodeRuntime runtime = NodeRuntime.builder()
 *         .compileCache(Path.of(System.getProperty("user.home"), ".cache", "nlink", "compiled"))
 *         .build()) {
 *     LoadedNode node = runtime.load(Path.of("examples/hello-go"));        // folder or .zip
 *     ObjectNode params = node.pkg().definition().resolveParams(Json.parse("{\"text\":\"nLink\"}"));
 *     try (BatchRunner batch = node.batch(params)) {
 *         batch.run(items.iterator(), result -> System.out.println(result.items()));
 *     }
 * }
 * }</pre>
 *
 * Every item gives an {@link ItemResult}, in input order, whatever the node does: a trap, a
 * timeout or a memory limit is that item's failure, never an exception out of {@code run}.
 * EmbeddingExampleTest runs this example; README.md, "Embedding the runtime", explains it.
 */
public final class NodeRuntime implements AutoCloseable {
    private final SandboxLimits limits;
    private final WasmEngine wasm;
    private final JsEngine js;
    private final NodeRuntimes runtimes;

    private NodeRuntime(Builder b) {
        this.limits = b.limits;
        WasmEngine.Options options = new WasmEngine.Options(
                b.interpreter ? WasmEngine.ExecutionMode.INTERPRETED : WasmEngine.ExecutionMode.COMPILED,
                b.compiledModulesInMemory,
                b.compileCache,
                b.readyInstanceIdle,
                b.compileBudget);
        this.wasm = new WasmEngine(options);
        this.js = new JsEngine(b.readyInstanceIdle);
        this.runtimes = new NodeRuntimes(wasm, js, b.javascriptFallback);
    }

    /** A builder with every option at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * How a runtime is set up. Every option has a default suited to running untrusted community
     * nodes in one process; each says what it costs.
     */
    public static final class Builder {
        private SandboxLimits limits = SandboxLimits.DEFAULTS;
        private Path compileCache;
        private int compiledModulesInMemory = 32;
        private boolean interpreter;
        private boolean javascriptFallback = true;
        private Duration readyInstanceIdle = Duration.ofSeconds(30);
        private Duration compileBudget = WasmEngine.Options.DEFAULT_COMPILE_BUDGET;

        private Builder() {}

        /**
         * What one sandbox instance may use: memory cap, time per item, sizes of contexts, results
         * and logs, JavaScript allocation. Default {@link SandboxLimits#DEFAULTS} (32 MiB, 10 s per
         * item, 8 MiB in and out); each limit and its cost is documented there. Nodes load and
         * batches run under these unless a call gives its own.
         */
        public Builder limits(SandboxLimits limits) {
            this.limits = java.util.Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * A directory where compiled modules are kept across processes. Default: none, modules
         * are compiled in memory once per runtime. With one, a process's first load of a module
         * it compiled before reads classes instead of compiling (3.6 s of a 4.7 s CLI run of the
         * Go example); the cost is disk, about the module's size in classes per module. The
         * directory holds classes the host runs: it must be writable by this user only.
         */
        public Builder compileCache(Path directory) {
            this.compileCache = directory;
            return this;
        }

        /**
         * Compiled modules kept in memory, least recently used evicted first. Default 32. Each
         * costs roughly its module size in loaded classes; an evicted
         * module is compiled (or read from {@link #compileCache}) again on its next load.
         */
        public Builder compiledModulesInMemory(int modules) {
            if (modules < 1)
                throw new IllegalArgumentException("compiledModulesInMemory must be at least 1, got " + modules);
            this.compiledModulesInMemory = modules;
            return this;
        }

        /**
         * Run guest code in the engine's interpreter instead of compiling it to JVM bytecode.
         * Default false. The interpreter saves the compile (about 1-3 s per MB of module, once)
         * and runs 70-80 times slower: for debugging, not for work.
         */
        public Builder interpreter(boolean on) {
            this.interpreter = on;
            return this;
        }

        /**
         * Whether a package's execution.js may stand in for its execution.wasm: when the module is
         * refused or cannot start, and per item when definition.json opts in ({@code
         * "perItemFallback": true}). Default true. Its cost: a package that has both files starts
         * one wasm instance at load to check that it can. Off, such a package's wasm problems are
         * the load's error; a package with only execution.js runs on it either way.
         */
        public Builder javascriptFallback(boolean on) {
            this.javascriptFallback = on;
            return this;
        }

        /**
         * How long each node keeps one started instance ready for its next batch after being
         * used, or {@link Duration#ZERO} for none. Default 30 s. A batch then waits only for the
         * hand-over (0.3-2 ms measured on a 2-core VM) instead of a start (Go: 5-10 ms warm, the
         * first 20-90 ms). The cost is one instance's memory per recently used node (a Go node:
         * about 3 MB), within a process-wide budget of an eighth of the heap.
         */
        public Builder readyInstanceIdle(Duration idle) {
            this.readyInstanceIdle = ReadyInstances.checkIdle(idle);
            return this;
        }

        /**
         * CPU time the parse and compile of one module may take before the module is refused
         * ("build a smaller module"). Default 30 s, about six times what the largest real guest
         * (the 13.6 MB Python kit) takes on a quiet 2-core machine. What it costs: a module that
         * compiles too long holds up to this much of one core before it is refused (at most one
         * compile per core runs at once; the others wait, at most this long in wall time, for a
         * slot). Lower it where uploads are untrusted and modules small; raise it for a larger
         * module on a slow machine. A module read from the {@link #compileCache} only parses.
         */
        public Builder compileBudget(Duration budget) {
            java.util.Objects.requireNonNull(budget, "budget");
            if (budget.isNegative() || budget.isZero()) {
                throw new IllegalArgumentException("the compile budget must be positive, got " + budget);
            }
            this.compileBudget = budget;
            return this;
        }

        public NodeRuntime build() {
            return new NodeRuntime(this);
        }
    }

    /** The limits nodes load and batches run under unless a call gives its own. */
    public SandboxLimits limits() {
        return limits;
    }

    /**
     * Loads the package at {@code path} (a folder, or a file ending in .zip) and readies it to
     * run: the module is checked against the nLink ABI and compiled, or execution.js prepared.
     *
     * @throws InvalidPackageException listing every problem of the package's files
     * @throws NoRuntimeException      when the package is well formed but cannot run anywhere
     */
    public LoadedNode load(Path path) throws IOException, InvalidPackageException, NoRuntimeException {
        return load(PackageLoader.load(path));
    }

    /** Loads a package from ZIP bytes, as an upload delivers them; {@code source} names it in messages. */
    public LoadedNode loadZip(String source, InputStream zip)
            throws IOException, InvalidPackageException, NoRuntimeException {
        return load(PackageLoader.loadZip(source, zip));
    }

    /** Readies an already loaded package to run under this runtime's limits. */
    public LoadedNode load(NodePackage pkg) throws NoRuntimeException {
        return load(pkg, limits);
    }

    /**
     * Readies {@code pkg} to run, checking that it starts under {@code limits} when that decides
     * between execution.wasm and execution.js.
     */
    public LoadedNode load(NodePackage pkg, SandboxLimits limits) throws NoRuntimeException {
        NodeRuntimes.Choice choice = runtimes.choose(pkg, limits);
        return new LoadedNode(pkg, choice.executable(), choice.fallbackWhy(), this.limits);
    }

    /**
     * Parses a module and checks it against the nLink ABI without compiling it: what {@code nlink
     * validate} reports and the store's capability sheet shows.
     *
     * @throws InvalidModuleException when the bytes are not a WebAssembly module at all, or its shape is over a limit
     */
    public static ModuleInfo inspect(byte[] wasm) throws InvalidModuleException {
        return WasmEngine.inspect(wasm);
    }

    /** This runtime's JavaScript, for code the host brings itself (a workflow's Code node and expressions). */
    public JavaScript javascript() {
        return js;
    }

    /**
     * What the runtime did so far, for reports and monitoring.
     *
     * @param compilations      modules this runtime compiled (a cache hit does not count)
     * @param compileCacheHits  modules this runtime read already compiled from its {@linkplain
     *                          Builder#compileCache compile cache}
     * @param instancesStarted  node instances started in this process (wasm and JavaScript), on a
     *                          batch's path or ahead of need
     * @param sparesServed      batches served by an instance started ahead of need
     * @param snapshotStarts    wasm instances started from their node's memory snapshot taken
     *                          after its first start-up, instead of running {@code _initialize}
     * @param reused            batches served by an instance an earlier batch gave back, reset
     * @param notKept           instances given back and ended (not resettable, or no room)
     * @param readyNow          reset instances waiting for a batch now
     * @param readyBytes        memory held by ready instances and start-up snapshots
     * @param readyBudgetBytes  the most they may hold together: an eighth of the heap
     * @param hostFaults        items failed by a fault of the host (a bug in nLink a guest
     *                          reached: each is worth a report)
     */
    public record Metrics(
            long compilations,
            long compileCacheHits,
            long instancesStarted,
            long sparesServed,
            long snapshotStarts,
            long reused,
            long notKept,
            long readyNow,
            long readyBytes,
            long readyBudgetBytes,
            long hostFaults) {}

    /**
     * The figures now. The first two are this runtime's; the others are the whole process's,
     * since ready instances share one memory budget whichever runtime started them.
     */
    public Metrics metrics() {
        ReadyInstances.Totals ready = ReadyInstances.totals();
        return new Metrics(
                wasm.compilations(),
                wasm.diskCacheHits(),
                ready.started(),
                ready.sparesServed(),
                WasmNode.allSnapshotStarts(),
                ready.reused(),
                ready.notKept(),
                ready.keptNow(),
                ReadyMemory.held(),
                ReadyMemory.budget(),
                io.nlink.runtime.internal.wasm.WasmSandbox.hostFaults());
    }

    /**
     * Ends the JavaScript engine and the instances kept ready for it. Batches still running on
     * JavaScript fail; wasm nodes loaded from this runtime stay usable until unreachable.
     */
    @Override
    public void close() {
        js.close();
    }
}
