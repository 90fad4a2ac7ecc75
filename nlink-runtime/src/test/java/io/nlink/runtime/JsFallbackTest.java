package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.internal.NodeRuntimes;
import io.nlink.runtime.internal.js.JsEngine;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The execution.js fallback: when it runs, that it says so, and what a hostile script cannot do. */
class JsFallbackTest {
    private static final JsEngine JS = new JsEngine();
    private static final NodeRuntimes RUNTIMES = new NodeRuntimes(Guests.ENGINE, JS);

    /** The seed's hello node, in JavaScript. */
    static final String HELLO_JS = """
            function execute_node(input) {
              const text = typeof input.params.text === 'string' ? input.params.text : 'World';
              console.log('greeting ' + text);
              return [{ json: { wasm_processed: true,
                                message: 'Hello, ' + text + '! Greetings from WebAssembly Runtime! 🚀',
                                original_data: input.$json } }];
            }
            """;

    @AfterAll
    static void close() {
        JS.close();
    }

    private static NodePackage pkg(Path dir, byte[] wasm, String js) throws Exception {
        Files.createDirectories(dir);
        Files.copy(Guests.example("hello-go").resolve("package.json"), dir.resolve("package.json"));
        Files.copy(Guests.example("hello-go").resolve("definition.json"), dir.resolve("definition.json"));
        if (wasm != null) Files.write(dir.resolve("execution.wasm"), wasm);
        if (js != null) Files.writeString(dir.resolve("execution.js"), js);
        return PackageLoader.load(dir);
    }

    /** As {@link #pkg}, with {@code "perItemFallback": true} in definition.json. */
    private static NodePackage optedIn(Path dir, byte[] wasm, String js) throws Exception {
        String definition = Files.readString(Guests.example("hello-go").resolve("definition.json"));
        Files.writeString(
                dir.resolve("definition.json"), definition.replaceFirst("\\{", "{\"perItemFallback\": true,"));
        Files.copy(Guests.example("hello-go").resolve("package.json"), dir.resolve("package.json"));
        if (wasm != null) Files.write(dir.resolve("execution.wasm"), wasm);
        if (js != null) Files.writeString(dir.resolve("execution.js"), js);
        return PackageLoader.load(dir);
    }

    /**
     * A module that answers {@code [{"json":{"ok":true}}]} to small items, traps on items whose
     * context is over 80 bytes, and loops forever on items over 200 bytes.
     */
    private static byte[] trapsOnBigItems() {
        return Guests.wat(HostileWat.returning(HostileWat.OK.getBytes(java.nio.charset.StandardCharsets.UTF_8), """
                (if (i32.gt_u (local.get $len) (i32.const 200)) (then (loop $spin (br $spin))))
                (if (i32.gt_u (local.get $len) (i32.const 80)) (then unreachable))
                """));
    }

    private static List<ItemResult> runAll(NodeExecutable node, SandboxLimits limits, String... items) {
        List<ItemResult> results = new ArrayList<>();
        try (BatchRunner batch =
                new BatchRunner(node, limits, obj("{}"), BatchOptions.DEFAULTS.withContinueOnFail(true))) {
            batch.run(java.util.Arrays.stream(items).<JsonNode>map(Guests::obj).iterator(), results::add);
            lastSummary = batch.summary();
        }
        return results;
    }

    private static io.nlink.runtime.batch.BatchSummary lastSummary;

    private static ItemResult runOne(NodeExecutable node, String params, String item) {
        try (BatchRunner batch = new BatchRunner(node, SandboxLimits.DEFAULTS, obj(params), BatchOptions.DEFAULTS)) {
            return batch.next(obj(item));
        }
    }

    @Test
    void aJsOnlyPackageRunsOnJsAndSaysSo(@TempDir Path dir) throws Exception {
        NodeRuntimes.Choice choice = RUNTIMES.choose(pkg(dir, null, HELLO_JS), SandboxLimits.DEFAULTS);
        assertThat(choice.runtime()).isEqualTo("js");
        assertThat(choice.fallbackWhy()).isEqualTo("the package has no execution.wasm");

        ItemResult r = runOne(choice.executable(), "{\"text\":\"nLink\"}", "{\"a\":1}");
        assertThat(r.runtime()).isEqualTo("js");
        assertThat(r.items())
                .containsExactly(
                        obj(
                                "{\"wasm_processed\":true,\"message\":\"Hello, nLink! Greetings from WebAssembly Runtime! 🚀\",\"original_data\":{\"a\":1}}"));
        assertThat(r.stdout()).isEqualTo("greeting nLink\n");
    }

    @Test
    void aBrokenWasmFallsBackToJsAndRecordsWhy(@TempDir Path dir) throws Exception {
        NodeRuntimes.Choice choice = RUNTIMES.choose(pkg(dir, "not wasm".getBytes(), HELLO_JS), SandboxLimits.DEFAULTS);
        assertThat(choice.runtime()).isEqualTo("js");
        assertThat(choice.fallbackWhy()).startsWith("execution.wasm cannot run: it is not a valid WebAssembly module");
        assertThat(runOne(choice.executable(), "{}", "{}").runtime()).isEqualTo("js");
    }

    @Test
    void aWasmThatCannotStartFallsBackToJs(@TempDir Path dir) throws Exception {
        byte[] wasm = Guests.wat("""
                (module (memory (export "memory") 1)
                  (func (export "_initialize") unreachable)
                  (func (export "allocate") (param i32) (result i32) (i32.const 16))
                  (func (export "execute_node") (param i32 i32) (result i64) (i64.const 0)))
                """);
        NodeRuntimes.Choice choice = RUNTIMES.choose(pkg(dir, wasm, HELLO_JS), SandboxLimits.DEFAULTS);
        assertThat(choice.runtime()).isEqualTo("js");
        assertThat(choice.fallbackWhy())
                .startsWith("execution.wasm failed to start: the node trapped while initialising");
    }

    @Test
    void aWorkingWasmRunsAndTheJsStaysUnused(@TempDir Path dir) throws Exception {
        NodeRuntimes.Choice choice =
                RUNTIMES.choose(pkg(dir, Guests.exampleWasm("hello-go"), HELLO_JS), SandboxLimits.DEFAULTS);
        assertThat(choice.runtime()).isEqualTo("wasm");
        assertThat(choice.fallbackWhy()).isNull();
    }

    @Test
    void withTheFallbackOffABrokenWasmIsTheErrorAndAJsOnlyPackageStillRuns(@TempDir Path dir) throws Exception {
        try (NodeRuntime runtime =
                NodeRuntime.builder().javascriptFallback(false).build()) {
            NodePackage broken = pkg(dir.resolve("broken"), "not wasm".getBytes(), HELLO_JS);
            assertThatThrownBy(() -> runtime.load(broken))
                    .isInstanceOf(NoRuntimeException.class)
                    .satisfies(e -> assertThat(((NoRuntimeException) e).problems())
                            .singleElement()
                            .asString()
                            .startsWith("execution.wasm it is not a valid WebAssembly module"));

            LoadedNode jsOnly = runtime.load(pkg(dir.resolve("js-only"), null, HELLO_JS));
            assertThat(jsOnly.runtime()).isEqualTo("js");
            try (BatchRunner batch = jsOnly.batch(obj("{\"text\":\"x\"}"))) {
                assertThat(batch.next(obj("{}")).items().get(0).get("message").textValue())
                        .startsWith("Hello, x!");
            }
        }
    }

    @Test
    void withNeitherRuntimeTheErrorSaysWhy(@TempDir Path dir) throws Exception {
        NodePackage broken = pkg(dir, "not wasm".getBytes(), null);
        assertThatThrownBy(() -> RUNTIMES.choose(broken, SandboxLimits.DEFAULTS))
                .isInstanceOf(NoRuntimeException.class)
                .hasMessageStartingWith(
                        "nlink-community.wasm_demo@1.0.0 cannot run: execution.wasm it is not a valid WebAssembly module");
        NodePackage empty = new NodePackage("x", broken.manifest(), broken.definition(), null, null);
        assertThatThrownBy(() -> RUNTIMES.choose(empty, SandboxLimits.DEFAULTS))
                .hasMessageContaining("has neither execution.wasm nor execution.js");
    }

    @Test
    void aHostileScriptFindsNothingToReach() {
        String probe = """
                function attempt(f) { try { return String(f()); } catch (e) { return 'refused: ' + e; } }
                function execute_node(input) {
                  return [{ json: {
                    javaType: attempt(() => Java.type('java.lang.System')),
                    polyglotEval: attempt(() => Polyglot.eval('python', '1')),
                    require: attempt(() => require('fs')),
                    process: attempt(() => process.env.HOME),
                    load: attempt(() => load('/etc/passwd')),
                    read: attempt(() => read('/etc/passwd')),
                    quit: typeof quit,
                    worker: typeof Worker,
                    fetch: typeof fetch,
                    xhr: typeof XMLHttpRequest,
                    graalHost: attempt(() => Graal.versionJS)
                  } }];
                }
                """;
        ItemResult r = runOne(JS.load(probe), "{}", "{}");
        assertThat(r.failure()).isNull();
        JsonNode seen = r.items().get(0);
        assertThat(seen.get("javaType").textValue()).startsWith("refused:");
        assertThat(seen.get("polyglotEval").textValue()).startsWith("refused:");
        assertThat(seen.get("require").textValue()).startsWith("refused:");
        assertThat(seen.get("process").textValue()).startsWith("refused:");
        assertThat(seen.get("load").textValue()).startsWith("refused:");
        assertThat(seen.get("read").textValue()).startsWith("refused:");
        assertThat(seen.get("worker").textValue()).isEqualTo("undefined");
        assertThat(seen.get("fetch").textValue()).isEqualTo("undefined");
        assertThat(seen.get("xhr").textValue()).isEqualTo("undefined");
    }

    @Test
    void aLoopingScriptIsStoppedAndTheNextItemRunsOnAFreshContext() {
        String js =
                "function execute_node(input) { if (input.$json.spin) { while (true) {} } return [{json: {ok: true}}]; }";
        SandboxLimits limits = SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofMillis(300));
        List<ItemResult> results = new ArrayList<>();
        long start = System.nanoTime();
        try (BatchRunner batch =
                new BatchRunner(JS.load(js), limits, obj("{}"), BatchOptions.DEFAULTS.withContinueOnFail(true))) {
            batch.run(List.<JsonNode>of(obj("{\"spin\":true}"), obj("{}")).iterator(), results::add);
            assertThat(batch.summary().instances()).isEqualTo(2);
        }
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
        assertThat(results.get(0).failure().kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(results.get(0).failure().message()).contains("time limit of 300 ms");
        assertThat(results.get(1).items()).containsExactly(obj("{\"ok\":true}"));
    }

    @Test
    void throwsSyntaxErrorsAndBadResultsAreReportedWithTheirPlace() {
        ItemResult thrown = runOne(JS.load("function execute_node(i) {\n  throw new Error('boom');\n}"), "{}", "{}");
        assertThat(thrown.failure().kind()).isEqualTo(Kind.TRAP);
        assertThat(thrown.failure().message()).isEqualTo("the node threw Error: boom (execution.js:2)");

        ItemResult undefinedResult = runOne(JS.load("function execute_node(i) {}"), "{}", "{}");
        assertThat(undefinedResult.failure().kind()).isEqualTo(Kind.BAD_RESULT);
        assertThat(undefinedResult.failure().message()).contains("empty result");

        ItemResult refused = runOne(JS.load("function execute_node(i) { return {error: 'no'}; }"), "{}", "{}");
        assertThat(refused.failure().kind()).isEqualTo(Kind.NODE_ERROR);
        assertThat(refused.failure().message()).isEqualTo("no");

        ItemResult missing = runOne(JS.load("var x = 1;"), "{}", "{}");
        assertThat(missing.failure().message()).contains("does not define a function execute_node(input)");

        ItemResult syntax = runOne(JS.load("function execute_node( {"), "{}", "{}");
        assertThat(syntax.failure().kind()).isEqualTo(Kind.INSTANTIATION);
        assertThat(syntax.failure().message()).startsWith("execution.js failed to load: SyntaxError");
    }

    @Test
    void aTopLevelLoopIsStoppedByTheInitBound() throws Exception {
        SandboxLimits limits = SandboxLimits.DEFAULTS.withInitTimeout(Duration.ofMillis(300));
        assertThatThrownBy(() -> JS.load("while (true) {}").newInstance(limits))
                .isInstanceOfSatisfying(
                        SandboxException.class,
                        e -> assertThat(e.getMessage())
                                .isEqualTo(
                                        "the node was stopped after running longer than its time limit of 300 ms while loading execution.js"));
    }

    @Test
    void theOutputLimitHoldsForScriptsToo() {
        String js = "function execute_node(i) { return [{json: {blob: 'x'.repeat(200000)}}]; }";
        try (BatchRunner batch = new BatchRunner(
                JS.load(js), SandboxLimits.DEFAULTS.withMaxOutputBytes(100_000), obj("{}"), BatchOptions.DEFAULTS)) {
            ItemResult r = batch.next(obj("{}"));
            assertThat(r.failure().kind()).isEqualTo(Kind.OUTPUT_TOO_LARGE);
        }
    }

    @Test
    void optedInAWasmTrapOrTimeoutIsReRunOnJsWhichSaysWhy(@TempDir Path dir) throws Exception {
        NodeRuntimes.Choice choice = RUNTIMES.choose(optedIn(dir, trapsOnBigItems(), HELLO_JS), SandboxLimits.DEFAULTS);
        assertThat(choice.runtime()).isEqualTo("wasm");
        assertThat(choice.fallbackWhy()).isNull();
        assertThat(choice.executable().perItemFallback()).isNotNull();

        String big = "{\"pad\":\"" + "x".repeat(60) + "\"}";
        String huge = "{\"pad\":\"" + "x".repeat(200) + "\"}";
        SandboxLimits limits = SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofMillis(1000));
        List<ItemResult> r = runAll(choice.executable(), limits, "{}", big, "{}", huge, big);

        assertThat(r.get(0).runtime()).isEqualTo("wasm");
        assertThat(r.get(0).fallbackWhy()).isNull();
        assertThat(r.get(0).items()).containsExactly(obj("{\"ok\":true}"));

        ItemResult trapped = r.get(1);
        assertThat(trapped.ok()).isTrue();
        assertThat(trapped.runtime()).isEqualTo("js");
        assertThat(trapped.fallbackWhy()).startsWith("execution.wasm failed on this item (TRAP: the node trapped");
        assertThat(trapped.items().get(0).get("message").textValue())
                .isEqualTo("Hello, World! Greetings from WebAssembly Runtime! 🚀");
        assertThat(trapped.stdout()).isEqualTo("greeting World\n");

        assertThat(r.get(2).runtime()).isEqualTo("wasm"); // the next item gets a fresh wasm instance

        ItemResult timedOut = r.get(3);
        assertThat(timedOut.runtime()).isEqualTo("js");
        assertThat(timedOut.ok()).isTrue();
        assertThat(timedOut.fallbackWhy())
                .startsWith("execution.wasm failed on this item (TIMEOUT: ")
                .contains("time limit of 1 s");

        assertThat(r.get(4).runtime()).isEqualTo("js");
        assertThat(lastSummary.fallbacks()).isEqualTo(3);
        assertThat(lastSummary.failures()).isZero();
        // wasm: the first instance and one for each item after a failure (items 2 and 4); js: one, reused
        assertThat(lastSummary.instances()).isEqualTo(4);
    }

    @Test
    void optedInTheNodesOwnErrorAnswerIsNotReRun(@TempDir Path dir) throws Exception {
        byte[] refuses = Guests.wat(HostileWat.returning("{\"error\":\"no\"}"));
        NodeRuntimes.Choice choice = RUNTIMES.choose(optedIn(dir, refuses, HELLO_JS), SandboxLimits.DEFAULTS);
        List<ItemResult> r = runAll(choice.executable(), SandboxLimits.DEFAULTS, "{}");
        assertThat(r.get(0).runtime()).isEqualTo("wasm");
        assertThat(r.get(0).failure().kind()).isEqualTo(Kind.NODE_ERROR);
        assertThat(r.get(0).fallbackWhy()).isNull();
        assertThat(lastSummary.fallbacks()).isZero();
    }

    @Test
    void optedInWhenJsFailsTooTheItemFailsWithBothReasons(@TempDir Path dir) throws Exception {
        String throwing = "function execute_node(i) {\n  throw new Error('also broken');\n}";
        NodeRuntimes.Choice choice = RUNTIMES.choose(optedIn(dir, trapsOnBigItems(), throwing), SandboxLimits.DEFAULTS);
        List<ItemResult> r =
                runAll(choice.executable(), SandboxLimits.DEFAULTS, "{\"pad\":\"" + "x".repeat(60) + "\"}");
        assertThat(r.get(0).runtime()).isEqualTo("js");
        assertThat(r.get(0).failure().message()).isEqualTo("the node threw Error: also broken (execution.js:2)");
        assertThat(r.get(0).fallbackWhy()).startsWith("execution.wasm failed on this item (TRAP:");
        assertThat(lastSummary.failures()).isEqualTo(1);
        assertThat(lastSummary.fallbacks()).isEqualTo(1);
    }

    @Test
    void notOptedInAWasmTrapStaysTheItemsFailure(@TempDir Path dir) throws Exception {
        NodeRuntimes.Choice choice = RUNTIMES.choose(pkg(dir, trapsOnBigItems(), HELLO_JS), SandboxLimits.DEFAULTS);
        assertThat(choice.executable().perItemFallback()).isNull();
        List<ItemResult> r =
                runAll(choice.executable(), SandboxLimits.DEFAULTS, "{\"pad\":\"" + "x".repeat(60) + "\"}");
        assertThat(r.get(0).runtime()).isEqualTo("wasm");
        assertThat(r.get(0).failure().kind()).isEqualTo(Kind.TRAP);
        assertThat(r.get(0).fallbackWhy()).isNull();
        assertThat(lastSummary.fallbacks()).isZero();
    }

    @Test
    void optingInWithoutExecutionJsIsRefusedAtLoad(@TempDir Path dir) {
        assertThatThrownBy(() -> optedIn(dir, trapsOnBigItems(), null))
                .isInstanceOfSatisfying(
                        io.nlink.runtime.pkg.InvalidPackageException.class,
                        e -> assertThat(e.problems())
                                .extracting(Object::toString)
                                .containsExactly(
                                        "definition.json: perItemFallback: is true, but the package has no execution.js to re-run failed items on: add execution.js or remove the field"));
    }

    @Test
    void aPerItemFallbackThatIsNotTrueOrFalseIsRefused(@TempDir Path dir) throws Exception {
        String definition = Files.readString(Guests.example("hello-go").resolve("definition.json"));
        Files.writeString(
                dir.resolve("definition.json"), definition.replaceFirst("\\{", "{\"perItemFallback\": \"yes\","));
        Files.copy(Guests.example("hello-go").resolve("package.json"), dir.resolve("package.json"));
        Files.writeString(dir.resolve("execution.js"), HELLO_JS);
        assertThatThrownBy(() -> PackageLoader.load(dir))
                .isInstanceOfSatisfying(
                        io.nlink.runtime.pkg.InvalidPackageException.class,
                        e -> assertThat(e.problems())
                                .extracting(Object::toString)
                                .containsExactly(
                                        "definition.json: perItemFallback: expected true or false; got string \"yes\""));
    }
}
