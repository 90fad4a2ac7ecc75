package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.Sha256;
import io.nlink.runtime.wasm.InvalidModuleException;
import io.nlink.runtime.wasm.ModuleInfo;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicLong;
import run.endive.runtime.InterpreterMachine;
import run.endive.wasm.Parser;
import run.endive.wasm.WasmEngineException;
import run.endive.wasm.WasmModule;

/**
 * Turns module bytes into runnable {@link WasmNode}s: parse, check against the nLink ABI, compile
 * to JVM bytecode, and keep the result keyed by the module's SHA-256 so that a module is compiled
 * once per process however many batches run it. Thread-safe; one engine serves a whole process.
 */
public final class WasmEngine {

    /** How guest code runs. */
    public enum ExecutionMode {
        /**
         * Default. Each wasm function becomes a JVM method (Endive's runtime compiler): costs
         * about 1-3 s per MB of module once, then runs 70-80x faster than the interpreter.
         * A function too large for one JVM method still runs, interpreted; {@link
         * WasmNode#interpretedFunctions()} reports it, since it is a performance problem.
         */
        COMPILED,
        /** Endive's interpreter: no compile cost, very slow. For debugging and comparison. */
        INTERPRETED
    }

    /**
     * @param mode           how guest code runs; default {@link ExecutionMode#COMPILED}
     * @param cacheSize      compiled modules kept in memory, least recently used evicted first;
     *                       default 32. Each costs roughly its module size in loaded classes.
     * @param cacheDirectory where compiled modules are kept across processes, or null (the
     *                       default) for memory only. Saves the whole compile on a process's first
     *                       run of a module (3.6 s of a 4.7 s CLI run of the Go example). Must be a
     *                       directory only this user can write: it holds classes the host runs.
     * @param spareIdle      how long each node keeps one started instance ready for its next
     *                       batch after being used ({@link io.nlink.runtime.internal.ReadyInstances}), or
     *                       {@link Duration#ZERO} for none. Default 30 s. A batch then waits for the
     *                       hand-over only (0.3-2 ms measured on a 2-core VM) instead of a start
     *                       (Go: 5-10 ms warm, the first one 20-90 ms); the cost is one instance's memory per recently used node
     *                       (a Go node: about 3 MB) and starting one instance more than used when
     *                       the node falls idle.
     * @param compileBudget  CPU time one module's parse and compile may take; default {@link
     *                       #DEFAULT_COMPILE_BUDGET}
     */
    public record Options(
            ExecutionMode mode,
            int cacheSize,
            java.nio.file.Path cacheDirectory,
            Duration spareIdle,
            Duration compileBudget) {
        /**
         * CPU time the parse and compile of one module may take ({@link CompileBudget}): 30 s,
         * about six times what the largest real guest, the 13.6 MB Python kit, takes on a quiet
         * 2-core machine. A module still compiling then is refused; what it cost is that much of
         * one core. Compiles also wait for one of {@link CompileBudget#SLOTS} slots (one per core).
         */
        public static final Duration DEFAULT_COMPILE_BUDGET = Duration.ofSeconds(30);

        public static final Options DEFAULTS =
                new Options(ExecutionMode.COMPILED, 32, null, Duration.ofSeconds(30), DEFAULT_COMPILE_BUDGET);

        public Options {
            if (cacheSize < 1) throw new IllegalArgumentException("cacheSize must be at least 1");
            io.nlink.runtime.internal.ReadyInstances.checkIdle(spareIdle);
            if (compileBudget == null || compileBudget.isNegative() || compileBudget.isZero()) {
                throw new IllegalArgumentException("the compile budget must be positive, got " + compileBudget);
            }
        }

        /** These options with the default compile budget. */
        public Options(ExecutionMode mode, int cacheSize, java.nio.file.Path cacheDirectory, Duration spareIdle) {
            this(mode, cacheSize, cacheDirectory, spareIdle, DEFAULT_COMPILE_BUDGET);
        }

        public Options withMode(ExecutionMode newMode) {
            return new Options(newMode, cacheSize, cacheDirectory, spareIdle, compileBudget);
        }

        public Options withCacheDirectory(java.nio.file.Path directory) {
            return new Options(mode, cacheSize, directory, spareIdle, compileBudget);
        }

        public Options withSpareIdle(Duration idle) {
            return new Options(mode, cacheSize, cacheDirectory, idle, compileBudget);
        }

        public Options withCompileBudget(Duration budget) {
            return new Options(mode, cacheSize, cacheDirectory, spareIdle, budget);
        }
    }

    private final Options options;
    private final Map<String, FutureTask<WasmNode>> cache;
    private final CompiledModuleCache diskCache;
    private final AtomicLong compilations = new AtomicLong();
    private final AtomicLong diskCacheHits = new AtomicLong();

    public WasmEngine() {
        this(Options.DEFAULTS);
    }

    public WasmEngine(Options options) {
        this.options = options;
        this.diskCache = options.cacheDirectory() == null ? null : CompiledModuleCache.open(options.cacheDirectory());
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, FutureTask<WasmNode>> eldest) {
                return size() > options.cacheSize();
            }
        };
    }

    public Options options() {
        return options;
    }

    /** Modules compiled by this engine so far; a cache hit (memory or disk) does not count. */
    public long compilations() {
        return compilations.get();
    }

    /** Modules this engine loaded already compiled from its cache directory. */
    public long diskCacheHits() {
        return diskCacheHits.get();
    }

    /**
     * Parses and checks a module without compiling it: what {@code nlink validate} reports.
     * Throws, rather than listing problems, for bytes that are not a module and for a shape over
     * {@link ModuleInspector#shapeProblems}'s limits, which are checked before the parse.
     */
    public static ModuleInfo inspect(byte[] wasm) throws InvalidModuleException {
        WasmModule module = parse(wasm);
        return withUnsupportedFeatures(
                ModuleInspector.inspect(module, Sha256.hex(wasm), wasm.length, SandboxLimits.PLATFORM_MAX_MEMORY_PAGES),
                module);
    }

    /**
     * Adds problems for features nLink refuses although the engine parses them. Exception handling: the engine runs it, but a {@code throw} that no
     * guest {@code catch} takes leaves the guest as {@code WasmException}, a RuntimeException that
     * is no WasmEngineException, so it passed every trap handler and reached the caller of {@code
     * call} (found by HostileGuestCorpusTest c36: a batch lane died instead of one item failing).
     * No supported toolchain emits it (C++ builds with -fno-exceptions, Rust and Go do not use
     * it), so a module that defines a tag is refused at load. An imported tag is already refused
     * with every other non-function import.
     */
    private static ModuleInfo withUnsupportedFeatures(ModuleInfo info, WasmModule module) {
        List<String> problems = new java.util.ArrayList<>(info.problems());
        int tags = module.tagSection().map(t -> t.tagCount()).orElse(0);
        if (tags > 0) {
            problems.add("uses wasm exception handling (it defines " + tags + (tags == 1 ? " tag" : " tags")
                    + "), which the sandbox does not support: build without it (C++: -fno-exceptions)");
        }
        // A shared memory (the threads proposal) cannot help a node, which can never start a
        // thread (wasi-threads is not provided), and the sandbox's memory is not shared: the
        // guest's first atomic access trapped as a misleading "out of bounds memory access"
        // (HostileGuestCorpusTest c35). Say what is wrong instead.
        if (module.memorySection().isPresent()
                && module.memorySection().get().memoryCount() > 0
                && module.memorySection().get().getMemory(0).limits().shared()) {
            problems.add(
                    "declares a shared memory (the threads proposal), which the sandbox does not support:"
                            + " a node runs on one thread; build without threads (e.g. wasm32-wasip1, not wasm32-wasip1-threads)");
        }
        problems.addAll(overBudget(module));
        problems.addAll(ModuleInspector.controlFlowProblems(module));
        if (problems.size() == info.problems().size()) {
            return info;
        }
        return new ModuleInfo(
                info.sha256(),
                info.sizeBytes(),
                info.exports(),
                info.imports(),
                info.memory(),
                info.hasInitialize(),
                info.functionNames(),
                List.copyOf(problems));
    }

    /** What the module declares beyond one instance's host budget ({@link InstanceBudget}). */
    private static List<String> overBudget(WasmModule module) {
        List<String> problems = new java.util.ArrayList<>();
        int memories = module.memorySection().map(m -> m.memoryCount()).orElse(0);
        if (memories > 1) {
            problems.add("declares " + memories + " memories (the multi-memory proposal); a node has exactly one,"
                    + " the one the host caps at 32 MiB and passes items through");
        }
        var tables = module.tableSection();
        int tableCount = tables.tableCount();
        if (tableCount > InstanceBudget.MAX_TABLES) {
            problems.add("declares " + tableCount + " tables, more than the sandbox's " + InstanceBudget.MAX_TABLES);
        } else if (tableCount > 0) {
            long entries = 0;
            for (int i = 0; i < tableCount; i++) {
                entries += tables.getTable(i).limits().min();
            }
            if (entries > InstanceBudget.MAX_TABLE_ENTRIES) {
                problems.add("declares tables of " + entries + " entries in all, more than the sandbox's "
                        + InstanceBudget.MAX_TABLE_ENTRIES + " (each entry costs the host memory per instance)");
            }
        }
        int globals = module.globalSection().globalCount();
        if (globals > InstanceBudget.MAX_GLOBALS) {
            problems.add("declares " + globals + " globals, more than the sandbox's " + InstanceBudget.MAX_GLOBALS);
        }
        return problems;
    }

    /**
     * Interpreted functions whose frames exceed the budget: every interpreted call allocates its
     * parameters and locals on the host heap, and recursion multiplies that by the call depth.
     */
    private static List<String> interpretedOverBudget(
            WasmModule module, Set<Integer> interpreted, boolean allInterpreted) {
        int imported = module.importSection().count(run.endive.wasm.types.ExternalType.FUNCTION);
        int end = imported + module.functionSection().functionCount();
        List<String> problems = new java.util.ArrayList<>();
        for (int function = imported; function < end; function++) {
            if (!allInterpreted && !interpreted.contains(function)) {
                continue;
            }
            int slots = ModuleInspector.functionType(module, function, imported)
                            .params()
                            .size()
                    + module.codeSection()
                            .getFunctionBody(function - imported)
                            .localTypes()
                            .size();
            if (slots > InstanceBudget.MAX_INTERPRETED_SLOTS) {
                problems.add("function " + function
                        + " runs in the interpreter (it is too large to compile) and declares "
                        + slots + " parameters and locals, more than the " + InstanceBudget.MAX_INTERPRETED_SLOTS
                        + " an interpreted function may have (each call costs host memory per slot): split the function"
                        + " or build with optimisation");
                if (problems.size() == 5) {
                    problems.add("(and maybe more such functions)");
                    break;
                }
            }
        }
        return problems;
    }

    /**
     * The runnable node for these module bytes, compiled on first use and cached by SHA-256.
     *
     * @throws InvalidModuleException when the bytes are not a valid module, or the module does not
     *     satisfy the nLink ABI (the exception lists every problem)
     */
    public WasmNode load(byte[] wasm) throws InvalidModuleException {
        return load(wasm, List.of());
    }

    /**
     * The runnable node for these module bytes whose instances run {@code warmUp} (contexts as
     * {@code execute_node} receives them, in order) once after {@code _initialize}: the state every
     * batch then starts from includes them (definition.json's {@code warmup}, docs/abi.md). Cached
     * by the SHA-256 of the module and of the warm-up: the same module with another warm-up is
     * another node, sharing the module's compilation.
     *
     * @throws InvalidModuleException as {@link #load(byte[])}
     */
    public WasmNode load(byte[] wasm, List<byte[]> warmUp) throws InvalidModuleException {
        String moduleKey = Sha256.hex(wasm);
        String key = warmUp.isEmpty() ? moduleKey : moduleKey + "+warmup:" + warmUpDigest(warmUp);
        FutureTask<WasmNode> task;
        boolean mine = false;
        synchronized (cache) {
            task = cache.get(key);
            if (task == null) {
                byte[] copy = wasm.clone();
                List<byte[]> warmUpCopy = warmUp.stream().map(byte[]::clone).toList();
                // The warmed node shares the module's compiled classes: only its snapshot differs.
                task = new FutureTask<>(
                        warmUp.isEmpty()
                                ? () -> compile(copy, moduleKey)
                                : () -> load(copy).withWarmUp(warmUpCopy));
                cache.put(key, task);
                mine = true;
            }
        }
        if (mine) {
            if (warmUp.isEmpty()) {
                try {
                    CompileBudget.run(task, options.compileBudget(), key);
                } catch (InvalidModuleException | RuntimeException refused) {
                    synchronized (cache) {
                        cache.remove(key, task);
                    }
                    throw refused;
                }
            } else {
                task.run(); // its module's load, inside, is the budgeted part
            }
        }
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while compiling module " + key, e);
        } catch (java.util.concurrent.CancellationException e) {
            // another caller's wait stopped this compile at the budget
            synchronized (cache) {
                cache.remove(key, task);
            }
            throw new InvalidModuleException(List.of("loading it was stopped at the host's compile budget of "
                    + options.compileBudget().toSeconds() + " s of CPU time: build a smaller module"));
        } catch (ExecutionException e) {
            synchronized (cache) {
                cache.remove(key, task);
            }
            if (e.getCause() instanceof InvalidModuleException invalid) {
                throw invalid;
            }
            throw new InvalidModuleException(List.of("compiling it failed: " + e.getCause()));
        }
    }

    private static String warmUpDigest(List<byte[]> warmUp) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (byte[] context : warmUp) {
            all.writeBytes(Integer.toString(context.length).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            all.write(':');
            all.writeBytes(context);
        }
        return Sha256.hex(all.toByteArray());
    }

    private WasmNode compile(byte[] wasm, String sha256) throws InvalidModuleException {
        long start = System.nanoTime();
        CompiledModuleCache.Stored stored =
                options.mode() == ExecutionMode.COMPILED && diskCache != null ? diskCache.read(sha256) : null;
        if (stored != null) {
            // These bytes validated when the entry was stored (CompiledModuleCache); nLink's own
            // checks still run, since they may have changed since.
            WasmModule module = parse(wasm, false);
            ModuleInfo info = runnable(module, sha256, wasm.length);
            CompiledModuleCache.Entry machines = diskCache.machines(module, stored);
            if (machines != null) {
                diskCacheHits.incrementAndGet();
                return node(module, info, machines, start, true);
            }
        }
        WasmModule module = parse(wasm, true);
        ModuleInfo info = runnable(module, sha256, wasm.length);
        CompiledModuleCache.Entry machines;
        if (options.mode() == ExecutionMode.INTERPRETED) {
            machines = new CompiledModuleCache.Entry(InterpreterMachine::new, Set.of());
        } else {
            machines = compileToBytecode(module, sha256);
            compilations.incrementAndGet();
        }
        return node(module, info, machines, start, false);
    }

    /** What nLink's checks say of a parsed module, when they find it runnable. */
    private static ModuleInfo runnable(WasmModule module, String sha256, int sizeBytes) throws InvalidModuleException {
        ModuleInfo info = withUnsupportedFeatures(
                ModuleInspector.inspect(module, sha256, sizeBytes, SandboxLimits.PLATFORM_MAX_MEMORY_PAGES), module);
        if (!info.runnable()) {
            throw new InvalidModuleException(info.problems());
        }
        return info;
    }

    private WasmNode node(
            WasmModule module, ModuleInfo info, CompiledModuleCache.Entry machines, long start, boolean fromDiskCache)
            throws InvalidModuleException {
        List<String> frameProblems = interpretedOverBudget(
                module, machines.interpretedFunctions(), options.mode() == ExecutionMode.INTERPRETED);
        if (!frameProblems.isEmpty()) {
            throw new InvalidModuleException(frameProblems);
        }
        return new WasmNode(
                module,
                info,
                machines.machines(),
                machines.interpretedFunctions(),
                System.nanoTime() - start,
                fromDiskCache,
                options.spareIdle(),
                List.of());
    }

    /** Endive's runtime compiler (through its adapter), keeping the list of functions too large for it. */
    private CompiledModuleCache.Entry compileToBytecode(WasmModule module, String sha256)
            throws InvalidModuleException {
        try {
            EndiveCompiler.Compiled compiled = EndiveCompiler.compile(module);
            if (diskCache != null) {
                diskCache.store(
                        sha256, compiled.mainClassName(), compiled.classBytes(), compiled.interpretedFunctions());
            }
            return new CompiledModuleCache.Entry(compiled.machines(), compiled.interpretedFunctions());
        } catch (WasmEngineException | IllegalArgumentException e) {
            throw new InvalidModuleException(List.of("the compiler rejected it: " + e.getMessage()));
        }
    }

    private static WasmModule parse(byte[] wasm) throws InvalidModuleException {
        return parse(wasm, true);
    }

    /**
     * @param validate false only for bytes known to have validated under this engine version (a
     *     compiled-module cache entry with their SHA-256): the parse alone is about half the time
     */
    private static WasmModule parse(byte[] wasm, boolean validate) throws InvalidModuleException {
        List<String> shape = ModuleInspector.shapeProblems(wasm);
        if (!shape.isEmpty()) {
            throw new InvalidModuleException(shape);
        }
        try {
            return Parser.builder().withValidation(validate).build().parse(() -> new ByteArrayInputStream(wasm));
        } catch (WasmEngineException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new InvalidModuleException(List.of("it is not a valid WebAssembly module (" + e.getMessage() + ")"));
        }
    }
}
