package io.nlink.runtime;

import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.wasm.InvalidModuleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures what each expensive module shape ({@link ModuleShapes}) costs to load with the real
 * loader, for docs/reliability.md ("What loading a module costs"). Not part of the suite: it
 * takes minutes and asserts nothing; run it with
 *
 * <pre>
 * mvn -B -ntp -o -pl nlink-runtime -am test -Dtest=CompileCostTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dnlink.measure=compile [-Dnlink.measure.modules=a.wasm,b.wasm]
 * </pre>
 *
 * Each line: the shape, the module's bytes, the time {@code inspect} takes (parse and checks,
 * no compile), the time a fresh engine's {@code load} takes (the same plus the compile), and
 * what came of it. The process's CPU time during the load is an upper bound of the compile
 * worker's (it includes the JIT's and the collector's threads).
 */
@EnabledIfSystemProperty(named = "nlink.measure", matches = "compile")
class CompileCostTest {
    @Test
    void printLoadCostOfEachShape() throws Exception {
        List<String> lines = new ArrayList<>();
        measureModules(lines);
        if (Boolean.getBoolean("nlink.measure.modulesOnly")) {
            lines.forEach(System.out::println);
            return;
        }
        measure(lines, "tiny functions", HostileWat::manyFunctions, 10_000, 30_000, 100_000);
        measure(lines, "one function, xors ×4 instr", HostileWat::enormousFunction, 25_000, 100_000, 250_000);
        measure(lines, "200-instr functions", n -> ModuleShapes.mediumFunctions(n, 50), 2_000, 10_000);
        measure(lines, "2,000-instr functions", n -> ModuleShapes.mediumFunctions(n, 500), 200, 1_000);
        measure(lines, "types", ModuleShapes::manyTypes, 10_000, 100_000);
        measure(lines, "exports", ModuleShapes::manyExports, 100_000, 1_000_000);
        measure(lines, "element entries", ModuleShapes::bigElementSegment, 100_000, 1_000_000);
        measure(lines, "data segments", ModuleShapes::manyDataSegments, 100_000, 1_000_000);
        measure(lines, "nested blocks", ModuleShapes::deepNesting, 1_000, 5_000, 10_000);
        measure(lines, "br_table labels", ModuleShapes::bigBrTable, 10_000, 30_000, 100_000);
        System.out.println("\n| Shape | Size | Module | Parse and check | Load (with compile) | Outcome |");
        System.out.println("|---|---|---|---|---|---|");
        lines.forEach(System.out::println);
    }

    private static void measureModules(List<String> lines) throws Exception {
        String paths = System.getProperty("nlink.measure.modules", "");
        for (String path : paths.split(",")) {
            if (!path.isBlank()) {
                lines.add(row(Path.of(path).toString(), "", Files.readAllBytes(Path.of(path))));
                System.out.println(lines.get(lines.size() - 1));
            }
        }
    }

    private static void measure(List<String> lines, String shape, IntFunction<String> wat, int... sizes)
            throws Exception {
        if (!shape.matches(".*(" + System.getProperty("nlink.measure.shapes", "") + ").*")) return;
        for (int size : sizes) {
            byte[] wasm = HostileWat.assemble(wat.apply(size));
            lines.add(row(shape, String.format("%,d", size), wasm));
            System.out.println(lines.get(lines.size() - 1));
        }
    }

    private static String row(String shape, String size, byte[] wasm) {
        long start = System.nanoTime();
        String inspected;
        try {
            var info = WasmEngine.inspect(wasm);
            inspected = ms(start) + (info.runnable() ? "" : " (refused)");
        } catch (InvalidModuleException e) {
            inspected = ms(start) + " (not wasm)";
        }
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        start = System.nanoTime();
        String outcome;
        try {
            WasmNode node = new WasmEngine().load(wasm);
            outcome = "loads, " + node.interpretedFunctions().size() + " interpreted";
        } catch (InvalidModuleException e) {
            outcome = "refused: " + e.problems().get(0);
        } catch (RuntimeException | StackOverflowError e) {
            outcome = "fails: " + e;
        }
        String loaded =
                ms(start) + String.format(" (process CPU %,d ms)", (os.getProcessCpuTime() - cpuStart) / 1_000_000);
        if (outcome.length() > 160) outcome = outcome.substring(0, 160) + "…";
        return "| " + shape + " | " + size + " | " + String.format("%,d", wasm.length) + " B | " + inspected + " | "
                + loaded + " | " + outcome + " |";
    }

    private static String ms(long start) {
        return String.format("%,d ms", (System.nanoTime() - start) / 1_000_000);
    }
}
