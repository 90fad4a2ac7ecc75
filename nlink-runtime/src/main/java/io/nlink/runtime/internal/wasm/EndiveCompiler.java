package io.nlink.runtime.internal.wasm;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import run.endive.compiler.InterpreterFallback;
import run.endive.compiler.internal.ClassLoadingCollector;
import run.endive.compiler.internal.Compiler;
import run.endive.compiler.internal.MachineFactory;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;
import run.endive.wasm.WasmModule;

/**
 * The one place nLink uses Endive's {@code compiler.internal} package, which Endive may change in
 * any release. Why at all: the public {@code MachineFactoryCompiler} returns only a machine
 * factory, and nLink needs two more things from a compile: which functions were too large to
 * compile and run interpreted (reported to the node's author, and checked against the per-frame
 * budget, {@link InstanceBudget}), and the generated class bytes, which {@link
 * CompiledModuleCache} stores. Only the internal {@code Compiler}'s result has both. After an
 * Endive upgrade, this class is what to fix.
 */
final class EndiveCompiler {
    private EndiveCompiler() {}

    /**
     * A compiled module.
     *
     * @param machines             what runs each new instance's functions
     * @param interpretedFunctions functions left to the interpreter (too large for one JVM method)
     * @param mainClassName        the generated class the compiled-module cache loads first
     * @param classBytes           every generated class, by name, for the compiled-module cache
     */
    record Compiled(
            Function<Instance, Machine> machines,
            Set<Integer> interpretedFunctions,
            String mainClassName,
            Map<String, byte[]> classBytes) {}

    /**
     * Compiles every function it can to JVM bytecode, silently leaving the rest to the
     * interpreter (they are reported from {@link Compiled#interpretedFunctions()} instead).
     *
     * @throws run.endive.wasm.WasmEngineException or IllegalArgumentException when the compiler
     *     rejects the module
     */
    static Compiled compile(WasmModule module) {
        var result = Compiler.builder(module)
                .withClassCollectorFactory(ClassLoadingCollector::new)
                .withInterpreterFallback(InterpreterFallback.SILENT)
                .build()
                .compile();
        var collector = (ClassLoadingCollector) result.collector();
        return new Compiled(
                new MachineFactory(module, collector.machineFactory()),
                result.interpretedFunctions(),
                collector.mainClassName(),
                result.classBytes());
    }
}
