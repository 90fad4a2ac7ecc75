package io.nlink.runtime.internal.wasm;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import run.endive.compiler.InterpreterFallback;
import run.endive.compiler.internal.ClassCollector;
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
     * <p>Stops with {@link Stopped} at the next generated class once the thread is interrupted
     * ({@link CompileBudget} interrupts a compile at its budget): the compiler itself never looks.
     *
     * @throws run.endive.wasm.WasmEngineException or IllegalArgumentException when the compiler
     *     rejects the module
     */
    static Compiled compile(WasmModule module) {
        var result = Compiler.builder(module)
                .withClassCollectorFactory(StoppableCollector::new)
                .withInterpreterFallback(InterpreterFallback.SILENT)
                .build()
                .compile();
        var collector = ((StoppableCollector) result.collector()).classes;
        return new Compiled(
                new MachineFactory(module, collector.machineFactory()),
                result.interpretedFunctions(),
                collector.mainClassName(),
                result.classBytes());
    }

    /** The compile was stopped because its thread was interrupted. */
    static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("the compile was stopped", null, false, false);
        }
    }

    /**
     * Endive's class-loading collector, checking for an interrupt before each class it is handed:
     * the only point in a compile where the compiler calls out (once per class of up to 12,288
     * functions, or fewer when they are large).
     */
    private static final class StoppableCollector implements ClassCollector {
        final ClassLoadingCollector classes = new ClassLoadingCollector();

        private static void stopIfInterrupted() {
            if (Thread.currentThread().isInterrupted()) {
                throw new Stopped();
            }
        }

        @Override
        public String mainClassName() {
            return classes.mainClassName();
        }

        @Override
        public void putMainClass(String name, byte[] bytes) {
            stopIfInterrupted();
            classes.putMainClass(name, bytes);
        }

        @Override
        public void put(String name, byte[] bytes) {
            stopIfInterrupted();
            classes.put(name, bytes);
        }

        @Override
        public void putAll(ClassCollector other) {
            stopIfInterrupted();
            classes.putAll(other);
        }

        @Override
        public Map<String, byte[]> classBytes() {
            return classes.classBytes();
        }

        @Override
        public byte[] resolve(Class<?> type) {
            return classes.resolve(type);
        }
    }
}
