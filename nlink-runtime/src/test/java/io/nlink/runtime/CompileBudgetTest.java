package io.nlink.runtime;

import static io.nlink.runtime.HostileWat.assemble;
import static io.nlink.runtime.HostileWat.node;
import static io.nlink.runtime.HostileWat.okBody;
import static io.nlink.runtime.HostileWat.okData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.wasm.InvalidModuleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Modules that are cheap to upload and expensive to load (docs/reliability.md, "What loading a
 * module costs"): each shape over a structural limit is refused from its section headers, well
 * before the seconds to minutes its parse and compile took; a module within the limits that
 * still compiles too long is stopped at the compile budget; real guests load as before.
 */
class CompileBudgetTest {
    /**
     * Generous: each refusal below reads section headers (or, for br_table and nesting, parses),
     * where loading took 2 s to past the 30 s budget; 1.5 s seen on a machine at load average 18.
     */
    private static final long QUICK_MS = 3_000;

    private static List<String> refusedQuickly(String wat) {
        byte[] wasm = assemble(wat);
        long start = System.nanoTime();
        try {
            new WasmEngine().load(wasm);
        } catch (InvalidModuleException e) {
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println(wasm.length + " bytes refused in " + ms + " ms: " + e.problems());
            assertThat(ms).isLessThan(QUICK_MS);
            // nlink validate reports the same without compiling
            assertThat(inspectedProblems(wasm)).isEqualTo(e.problems());
            return e.problems();
        }
        throw new AssertionError("the module loaded, but should have been refused");
    }

    @Test
    void moreFunctionsThanTheLimitAreRefusedBeforeTheCompile() {
        // 100,000 took 6-29 s to load (compile)
        assertThat(refusedQuickly(HostileWat.manyFunctions(50_001)))
                .singleElement()
                .asString()
                .startsWith("declares 50005 functions, more than the sandbox's limit of 50000 (each is compiled")
                .contains("build a smaller one");
    }

    @Test
    void moreFunctionTypesThanTheLimitAreRefused() {
        // 100,000 types took 52 s: the compiler's cost grows with their square
        assertThat(refusedQuickly(ModuleShapes.manyTypes(5_001)))
                .singleElement()
                .asString()
                .matches("declares 500[0-9] function types, more than the sandbox's limit of 5000 .*");
    }

    @Test
    void moreExportsImportsAndDataSegmentsThanTheLimitsAreRefused() {
        assertThat(refusedQuickly(ModuleShapes.manyExports(20_000)))
                .singleElement()
                .asString()
                .startsWith("declares 20004 exports, more than the sandbox's limit of 20000");
        assertThat(refusedQuickly(ModuleShapes.manyDataSegments(250_000)))
                .singleElement()
                .asString()
                .startsWith("declares 250001 data segments, more than the sandbox's limit of 250000");
        StringBuilder imports = new StringBuilder();
        for (int i = 0; i < 1_001; i++) {
            imports.append("(import \"wasi_snapshot_preview1\" \"sched_yield\" (func $y")
                    .append(i)
                    .append(" (result i32)))\n");
        }
        assertThat(refusedQuickly(HostileWat.withImports(node(okBody(), okData()), imports.toString())))
                .singleElement()
                .asString()
                .startsWith("declares 1001 imports, more than the sandbox's limit of 1000");
    }

    @Test
    void anElementSectionOverOneMebibyteIsRefused() {
        // a declarative segment needs no table, so the table budget does not see it
        assertThat(refusedQuickly(ModuleShapes.bigElementSegment(1_100_000)))
                .singleElement()
                .asString()
                .startsWith("declares 1")
                .contains("bytes of element segments, more than the sandbox's limit of 1048576");
    }

    @Test
    void aFunctionOverTheSizeLimitAndOneWithTooManyLocalsAreRefused() {
        // 100,000 rounds of 4 instructions: a body of about 775 KB; 250,000 took 2.2 s
        assertThat(refusedQuickly(HostileWat.enormousFunction(100_000)))
                .singleElement()
                .asString()
                .startsWith("has a function (body 3 of the code section) of ")
                .contains("more than the sandbox's limit of 524288")
                .endsWith("split the function or build with optimisation (-O2, --release)");
        String locals = " i32".repeat(65_537);
        assertThat(refusedQuickly(node(okBody(), okData() + "(func $many (local" + locals + "))")))
                .singleElement()
                .asString()
                .startsWith("has a function (body 3 of the code section) that declares more than 65536 locals");
    }

    @Test
    void aBrTableOverTheLabelLimitAndNestingOverTheDepthLimitAreRefused() throws Exception {
        // half a million labels fit in a 512 KiB function and ran the compiler past 30 s of CPU
        assertThat(refusedQuickly(ModuleShapes.bigBrTable(500_000)))
                .containsExactly("function 3 has a br_table of 500000 labels, more than the sandbox's limit of 30000"
                        + " (the compiler's time grows faster than their number); split the switch");
        assertThat(refusedQuickly(ModuleShapes.deepNesting(5_001)))
                .containsExactly("function 3 nests blocks more than 5000 deep, the sandbox's limit (no real guest"
                        + " nests deeper than about 550); flatten the function");
        // within the limits they load (the br_table's function too large for one JVM method: interpreted)
        assertThat(new WasmEngine()
                        .load(assemble(ModuleShapes.bigBrTable(29_999)))
                        .interpretedFunctions())
                .containsExactly(3);
        assertThat(new WasmEngine()
                        .load(assemble(ModuleShapes.deepNesting(4_999)))
                        .interpretedFunctions())
                .isEmpty();
    }

    @Test
    void aModuleWithinTheLimitsThatCompilesPastTheBudgetIsStoppedAtIt() throws Exception {
        // 30,000 small functions take 1.5-5.5 s to load here; the budget is a tenth of a second
        byte[] wasm = assemble(HostileWat.manyFunctions(30_000));
        WasmEngine engine = new WasmEngine(WasmEngine.Options.DEFAULTS.withCompileBudget(Duration.ofMillis(100)));
        long start = System.nanoTime();
        InvalidModuleException refused =
                org.junit.jupiter.api.Assertions.assertThrows(InvalidModuleException.class, () -> engine.load(wasm));
        assertThat(refused.problems())
                .singleElement()
                .asString()
                .startsWith("loading it (parse and compile) took more than the host's compile budget of 0.1 s of CPU"
                        + " time, and was stopped after ")
                .endsWith("build a smaller module (fewer and smaller functions, without debug information)");
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("30,000 functions refused at a 0.1 s budget after " + ms + " ms");
        // CPU time: on a busy machine the wall time to reach 0.1 s of it is longer
        assertThat(ms).isLessThan(1_500);
        // the stopped compile ends at its next class, and gives its slot back
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (compileWorkersAlive() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(compileWorkersAlive()).isZero();
        // nothing of the refusal is cached: with a budget that fits, the same module loads
        WasmNode loaded = new WasmEngine().load(wasm);
        assertThat(loaded.interpretedFunctions()).isEmpty();
    }

    @Test
    void theRuntimeBuildersCompileBudgetIsTheOneItsLoadsRunUnder(@TempDir Path dir) throws Exception {
        Files.copy(Guests.example("hello-go").resolve("package.json"), dir.resolve("package.json"));
        Files.copy(Guests.example("hello-go").resolve("definition.json"), dir.resolve("definition.json"));
        Files.write(dir.resolve("execution.wasm"), assemble(HostileWat.manyFunctions(30_000)));
        NodePackage pkg = PackageLoader.load(dir);
        try (NodeRuntime runtime =
                NodeRuntime.builder().compileBudget(Duration.ofMillis(100)).build()) {
            assertThatThrownBy(() -> runtime.load(pkg))
                    .isInstanceOf(NoRuntimeException.class)
                    .hasMessageContaining("took more than the host's compile budget of 0.1 s of CPU time");
        }
        // the same package within a budget that fits (the default, 30 s) loads
        try (NodeRuntime runtime = NodeRuntime.builder().build()) {
            assertThat(runtime.load(pkg).runtime()).isEqualTo("wasm");
        }
        assertThatThrownBy(() -> NodeRuntime.builder().compileBudget(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the compile budget must be positive, got PT0S");
    }

    @Test
    void theSeedsGoNodeIsWellWithinEveryLimitAndLoads() throws Exception {
        byte[] wasm = Guests.exampleWasm("hello-go");
        assertThat(WasmEngine.inspect(wasm).problems()).isEmpty();
        long start = System.nanoTime();
        WasmNode node = new WasmEngine().load(wasm);
        System.out.println("hello-go loaded in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        assertThat(node.interpretedFunctions()).isEmpty();
    }

    /** What {@code nlink validate} reports: a shape refused from the headers throws, the rest are listed. */
    private static List<String> inspectedProblems(byte[] wasm) {
        try {
            return WasmEngine.inspect(wasm).problems();
        } catch (InvalidModuleException e) {
            return e.problems();
        }
    }

    private static long compileWorkersAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("nlink-compile-") && t.isAlive())
                .count();
    }
}
