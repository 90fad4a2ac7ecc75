package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static io.nlink.runtime.Guests.wat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.internal.wasm.WasmSandbox;
import io.nlink.runtime.wasm.InvalidModuleException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-written modules (assembled by wabt's wat2wasm) for what toolchains rarely emit on purpose:
 * ABI violations caught at load, and guests failing in each way the host must report.
 */
class ModuleRulesTest {
    /** A well-behaved node: bump allocator, returns [{"json":{"ok":true}}] (22 bytes at 16). */
    private static final String ALLOCATOR = """
              (memory (export "memory") 1 512)
              (global $bump (mut i32) (i32.const 1024))
              (data (i32.const 16) "[{\\"json\\":{\\"ok\\":true}}]")
              (func $allocate (export "allocate") (param $size i32) (result i32)
                (local $p i32)
                (local.set $p (global.get $bump))
                (global.set $bump (i32.add (global.get $bump) (local.get $size)))
                (local.get $p))
              (func (export "deallocate") (param i32 i32))
            """;

    private static final String OK_RESULT = "(i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 22))";

    private static String node(String executeBody, String extra) {
        return "(module\n" + ALLOCATOR + extra + "\n"
                + "(func $execute_node (export \"execute_node\") (param $ptr i32) (param $len i32) (result i64)\n"
                + executeBody + ")\n)";
    }

    private static WasmNode load(String wat) throws InvalidModuleException {
        return Guests.ENGINE.load(wat(wat));
    }

    private static List<String> problems(String wat) {
        try {
            Guests.ENGINE.load(wat(wat));
        } catch (InvalidModuleException e) {
            return e.problems();
        }
        throw new AssertionError("the module loaded, but should have been refused");
    }

    private static ItemResult callOnce(WasmNode node, SandboxLimits limits) throws SandboxException {
        try (WasmSandbox sandbox = node.newInstance(limits)) {
            return sandbox.call(0, ItemCodec.encodeContext(obj("{}"), obj("{}")));
        }
    }

    @Test
    void aMinimalNodeRuns() throws Exception {
        ItemResult r = callOnce(load(node(OK_RESULT, "")), SandboxLimits.DEFAULTS);
        assertThat(r.items()).containsExactly(obj("{\"ok\":true}"));
    }

    @Test
    void theInterpreterRunsItToo() throws Exception {
        WasmEngine interpreting =
                new WasmEngine(WasmEngine.Options.DEFAULTS.withMode(WasmEngine.ExecutionMode.INTERPRETED));
        ItemResult r = callOnce(interpreting.load(wat(node(OK_RESULT, ""))), SandboxLimits.DEFAULTS);
        assertThat(r.items()).containsExactly(obj("{\"ok\":true}"));
    }

    @Test
    void aFunctionTooLargeForTheJvmStillRunsInterpretedAndIsReported() throws Exception {
        StringBuilder body = new StringBuilder("(local $x i32)\n");
        for (int i = 0; i < 40_000; i++) {
            body.append("(local.set $x (i32.add (local.get $x) (i32.const ")
                    .append(i % 7)
                    .append(")))\n");
        }
        String wat = node(
                "(drop (call $huge (i32.const 1)))\n" + OK_RESULT,
                "(func $huge (param i32) (result i32) " + body + " (local.get $x))");
        WasmNode node = load(wat);
        assertThat(node.interpretedFunctions()).hasSize(1);
        assertThat(callOnce(node, SandboxLimits.DEFAULTS).items()).containsExactly(obj("{\"ok\":true}"));
    }

    @Test
    void missingAndMistypedExportsAreNamedWithTheExpectedSignature() {
        assertThat(problems("(module " + ALLOCATOR + ")"))
                .containsExactly("does not export execute_node(i32, i32) -> i64");
        assertThat(problems("(module " + ALLOCATOR
                        + "(func (export \"execute_node\") (param i32 i32) (result i32) (i32.const 0)))"))
                .containsExactly("exports execute_node(i32, i32) -> i32, expected execute_node(i32, i32) -> i64");
        assertThat(problems("(module (memory 1) (func (export \"allocate\") (param i64) (result i32) (i32.const 0))"
                        + "(func (export \"execute_node\") (param i32 i32) (result i64) (i64.const 0)))"))
                .containsExactly("exports allocate(i64) -> i32, expected allocate(i32) -> i32");
    }

    @Test
    void aWasiCommandIsToldToBuildAReactor() {
        assertThat(problems("(module (memory 1) (func (export \"_start\")))"))
                .anySatisfy(p -> assertThat(p)
                        .contains("does not export allocate")
                        .contains("WASI command")
                        .contains("-buildmode=c-shared"));
    }

    @Test
    void importsOutsideWasiPreview1AreRefused() {
        assertThat(problems(node(OK_RESULT, "")
                        .replaceFirst(
                                "\\(module", "(module (import \"env\" \"fetch\" (func (param i32) (result i32)))")))
                .containsExactly(
                        "imports function env.fetch(i32) -> i32, which the sandbox does not provide: a node may import only WASI preview1 (wasi_snapshot_preview1) functions");
        assertThat(problems(node(OK_RESULT, "")
                        .replaceFirst(
                                "\\(module",
                                "(module (import \"wasi_snapshot_preview1\" \"fd_write\" (func (param i32)))")))
                .containsExactly(
                        "imports wasi_snapshot_preview1.fd_write as (i32) -> () but WASI preview1 defines it as (i32, i32, i32, i32) -> i32");
    }

    @Test
    void anImportedOrOversizedMemoryIsRefused() {
        String imported = node(OK_RESULT, "")
                .replace("(memory (export \"memory\") 1 512)", "(import \"env\" \"memory\" (memory 1))");
        assertThat(problems(imported)).anySatisfy(p -> assertThat(p).contains("imports a memory (env.memory)"));
        String huge =
                node(OK_RESULT, "").replace("(memory (export \"memory\") 1 512)", "(memory (export \"memory\") 600)");
        assertThat(problems(huge))
                .containsExactly(
                        "declares an initial memory of 600 pages (38400 KiB), above the sandbox's cap of 512 pages (32 MiB);"
                                + " lower the initial memory (for example the linker's --initial-memory) or the stack size");
    }

    @Test
    void bytesThatAreNotWasmAreRefused() {
        assertThatThrownBy(() -> Guests.ENGINE.load("not a module".getBytes()))
                .isInstanceOf(InvalidModuleException.class)
                .hasMessageContaining("not a valid WebAssembly module");
    }

    @Test
    void aCapLoweredBelowTheModulesInitialMemoryRefusesToInstantiate() throws Exception {
        WasmNode node = load(
                node(OK_RESULT, "").replace("(memory (export \"memory\") 1 512)", "(memory (export \"memory\") 4)"));
        assertThatThrownBy(() -> node.newInstance(SandboxLimits.DEFAULTS.withMemoryPages(2)))
                .isInstanceOf(SandboxException.class)
                .hasMessage("the module declares 256 KiB of initial memory, above this node's 128 KiB memory limit");
    }

    @Test
    void loopsInInitializeOrInTheStartFunctionAreStoppedByTheInitBound() throws Exception {
        SandboxLimits limits = SandboxLimits.DEFAULTS.withInitTimeout(Duration.ofMillis(200));
        for (String extra : List.of(
                "(func (export \"_initialize\") (loop $l (br $l)))", "(func $spin (loop $l (br $l))) (start $spin)")) {
            WasmNode node = load(node(OK_RESULT, extra));
            long start = System.nanoTime();
            assertThatThrownBy(() -> node.newInstance(limits)).isInstanceOfSatisfying(SandboxException.class, e -> {
                assertThat(e.failure().kind()).isEqualTo(Kind.INSTANTIATION);
                assertThat(e.getMessage()).contains("time limit of 200 ms while initialising");
            });
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
            assertThat(Thread.currentThread().isInterrupted())
                    .as("the watchdog's interrupt must not leak")
                    .isFalse();
        }
    }

    @Test
    void aTrapNamesTheGuestFunctionFromTheNameSection() throws Exception {
        WasmNode node = load(node("(call $explode) " + OK_RESULT, "(func $explode unreachable)"));
        ItemResult r = callOnce(node, SandboxLimits.DEFAULTS);
        assertThat(r.failure().kind()).isEqualTo(Kind.TRAP);
        assertThat(r.failure().function()).isEqualTo("explode");
        assertThat(r.failure().message())
                .startsWith("the node trapped while running execute_node in explode: ")
                .contains("unreachable");
    }

    @Test
    void growingPastTheCapIsAMemoryLimitFailure() throws Exception {
        String body = "(if (i32.eq (memory.grow (i32.const 600)) (i32.const -1)) (then unreachable)) " + OK_RESULT;
        ItemResult r = callOnce(load(node(body, "")), SandboxLimits.DEFAULTS);
        assertThat(r.failure().kind()).isEqualTo(Kind.MEMORY_LIMIT);
        assertThat(r.failure().message()).startsWith("the node exceeded the 32 MiB memory limit (512 pages of 64 KiB)");
    }

    @Test
    void unboundedRecursionIsATrapAndTheHostLives() throws Exception {
        WasmNode node = load(node(
                "(call $down (i32.const 0)) " + OK_RESULT,
                "(func $down (param i32) (call $down (i32.add (local.get 0) (i32.const 1))))"));
        ItemResult r = callOnce(node, SandboxLimits.DEFAULTS);
        assertThat(r.failure().kind()).isEqualTo(Kind.TRAP);
        assertThat(r.failure().message()).containsIgnoringCase("stack");
        assertThat(callOnce(node, SandboxLimits.DEFAULTS).failure().kind()).isEqualTo(Kind.TRAP); // and again
    }

    @Test
    void badAllocationsAndImpossibleResultsAreRefusedBeforeAnyCopy() throws Exception {
        WasmNode zeroAllocator =
                load(node(OK_RESULT, "").replace("(local.get $p))", "(drop (local.get $p)) (i32.const 0))"));
        assertThat(callOnce(zeroAllocator, SandboxLimits.DEFAULTS).failure().message())
                .startsWith("allocate(")
                .contains(") returned 0, not a usable buffer in the guest's 65536 bytes of memory");

        ItemResult gigabytes = callOnce(
                load(node("(i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 0xFFFFFFFF))", "")),
                SandboxLimits.DEFAULTS);
        assertThat(gigabytes.failure().kind()).isEqualTo(Kind.OUTPUT_TOO_LARGE);
        assertThat(gigabytes.failure().message()).contains("4294967295 bytes");

        ItemResult wraps = callOnce(load(node("(i64.const 0xFFFFFFF000000100)", "")), SandboxLimits.DEFAULTS);
        assertThat(wraps.failure().kind()).isEqualTo(Kind.BAD_RESULT);
        assertThat(wraps.failure().message())
                .contains("[ptr=4294967280, len=256]")
                .contains("outside the guest's 65536 bytes");
    }

    @Test
    void aTrapOnOneItemFailsOnlyThatItemWithContinueOnFail() {
        WasmNode node;
        try {
            node = load(node("(if (i32.gt_u (local.get $len) (i32.const 40)) (then unreachable)) " + OK_RESULT, ""));
        } catch (InvalidModuleException e) {
            throw new AssertionError(e);
        }
        List<JsonNode> items =
                List.of(obj("{}"), obj("{}"), obj("{\"boom\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}"), obj("{}"), obj("{}"));
        List<ItemResult> results = new ArrayList<>();
        try (BatchRunner batch = new BatchRunner(
                node, SandboxLimits.DEFAULTS, obj("{}"), BatchOptions.DEFAULTS.withContinueOnFail(true))) {
            assertThat(batch.run(items.iterator(), results::add)).isTrue();
            assertThat(batch.summary().instances()).isEqualTo(2);
            assertThat(batch.summary().failures()).isEqualTo(1);
            assertThat(batch.summary().itemsOut()).isEqualTo(4);
        }
        assertThat(results).extracting(ItemResult::ok).containsExactly(true, true, false, true, true);
        assertThat(results.get(2).index()).isEqualTo(2);
        assertThat(results.get(2).failure().kind()).isEqualTo(Kind.TRAP);
    }

    @Test
    void aModulesOwnLowerMaximumIsNamedAsSuch() throws Exception {
        String body = "(if (i32.eq (memory.grow (i32.const 5)) (i32.const -1)) (then unreachable)) " + OK_RESULT;
        WasmNode node =
                load(node(body, "").replace("(memory (export \"memory\") 1 512)", "(memory (export \"memory\") 1 2)"));
        ItemResult r = callOnce(node, SandboxLimits.DEFAULTS);
        assertThat(r.failure().kind()).isEqualTo(Kind.MEMORY_LIMIT);
        assertThat(r.failure().message())
                .startsWith("the node ran out of memory at the maximum its module declares, 2 pages (128 KiB)");
    }

    @Test
    void aTrapInAllocateSaysSo() throws Exception {
        WasmNode node = load(node(OK_RESULT, "").replace("(local.set $p (global.get $bump))", "unreachable"));
        ItemResult r = callOnce(node, SandboxLimits.DEFAULTS);
        assertThat(r.failure().message()).startsWith("the node trapped while running allocate in allocate");
    }

    @Test
    void socketCallsAnswerWithAnErrorInsteadOfTrapping() throws Exception {
        String accept =
                "(import \"wasi_snapshot_preview1\" \"sock_accept\" (func $accept (param i32 i32 i32) (result i32)))";
        String body =
                "(if (i32.ne (call $accept (i32.const 7) (i32.const 0) (i32.const 64)) (i32.const 8)) (then unreachable)) "
                        + "(if (i32.ne (call $accept (i32.const 1) (i32.const 0) (i32.const 64)) (i32.const 57)) (then unreachable)) "
                        + OK_RESULT;
        WasmNode node = load(node(body, "")
                .replaceFirst("\\(module", "(module " + java.util.regex.Matcher.quoteReplacement(accept)));
        assertThat(callOnce(node, SandboxLimits.DEFAULTS).items()).containsExactly(obj("{\"ok\":true}"));
    }

    @Test
    void whatInitializePrintsArrivesWithTheFirstItem() throws Exception {
        String write =
                "(import \"wasi_snapshot_preview1\" \"fd_write\" (func $write (param i32 i32 i32 i32) (result i32)))";
        String init = "(data (i32.const 100) \"init says hi\\n\")"
                + "(func (export \"_initialize\") (i32.store (i32.const 200) (i32.const 100)) (i32.store (i32.const 204) (i32.const 13))"
                + " (drop (call $write (i32.const 1) (i32.const 200) (i32.const 1) (i32.const 300))))";
        WasmNode node = load(node(OK_RESULT, init)
                .replaceFirst("\\(module", "(module " + java.util.regex.Matcher.quoteReplacement(write)));
        try (BatchRunner batch = new BatchRunner(node, SandboxLimits.DEFAULTS, obj("{}"), BatchOptions.DEFAULTS)) {
            assertThat(batch.next(obj("{}")).stdout()).isEqualTo("init says hi\n");
            assertThat(batch.next(obj("{}")).stdout()).isEmpty();
        }
    }

    @Test
    void aModuleThatCannotStartFailsEveryItemWithoutRetrying() throws Exception {
        WasmNode node = load(node(OK_RESULT, "(func (export \"_initialize\") unreachable)"));
        List<ItemResult> results = new ArrayList<>();
        try (BatchRunner batch = new BatchRunner(
                node, SandboxLimits.DEFAULTS, obj("{}"), BatchOptions.DEFAULTS.withContinueOnFail(true))) {
            batch.run(List.<JsonNode>of(obj("{}"), obj("{}"), obj("{}")).iterator(), results::add);
            assertThat(batch.summary().instances()).isZero();
            assertThat(batch.summary().failures()).isEqualTo(3);
        }
        assertThat(results).extracting(r -> r.failure().kind()).containsOnly(Kind.INSTANTIATION);
        assertThat(results.get(0).failure().message())
                .contains("while initialising")
                .contains("unreachable");
    }
}
