package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.js.JsEngine;
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
    static final String HELLO_JS =
            """
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
        Files.copy(Guests.example("hello-go").resolve("package.json"), dir.resolve("package.json"));
        Files.copy(Guests.example("hello-go").resolve("definition.json"), dir.resolve("definition.json"));
        if (wasm != null) Files.write(dir.resolve("execution.wasm"), wasm);
        if (js != null) Files.writeString(dir.resolve("execution.js"), js);
        return PackageLoader.load(dir);
    }

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
        assertThat(r.items()).containsExactly(obj(
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
        assertThat(choice.fallbackWhy()).startsWith("execution.wasm failed to start: the node trapped while initialising");
    }

    @Test
    void aWorkingWasmRunsAndTheJsStaysUnused(@TempDir Path dir) throws Exception {
        NodeRuntimes.Choice choice = RUNTIMES.choose(pkg(dir, Guests.exampleWasm("hello-go"), HELLO_JS), SandboxLimits.DEFAULTS);
        assertThat(choice.runtime()).isEqualTo("wasm");
        assertThat(choice.fallbackWhy()).isNull();
    }

    @Test
    void withNeitherRuntimeTheErrorSaysWhy(@TempDir Path dir) throws Exception {
        NodePackage broken = pkg(dir, "not wasm".getBytes(), null);
        assertThatThrownBy(() -> RUNTIMES.choose(broken, SandboxLimits.DEFAULTS))
                .isInstanceOf(NodeRuntimes.NoRuntimeException.class)
                .hasMessageStartingWith("nlink-community.wasm_demo@1.0.0 cannot run: execution.wasm it is not a valid WebAssembly module");
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
        String js = "function execute_node(input) { if (input.$json.spin) { while (true) {} } return [{json: {ok: true}}]; }";
        SandboxLimits limits = SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofMillis(300));
        List<ItemResult> results = new ArrayList<>();
        long start = System.nanoTime();
        try (BatchRunner batch = new BatchRunner(JS.load(js), limits, obj("{}"), BatchOptions.DEFAULTS.withContinueOnFail(true))) {
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
                .isInstanceOfSatisfying(SandboxException.class, e -> assertThat(e.getMessage())
                        .isEqualTo("the node was stopped after running longer than its time limit of 300 ms while loading execution.js"));
    }

    @Test
    void theOutputLimitHoldsForScriptsToo() {
        String js = "function execute_node(i) { return [{json: {blob: 'x'.repeat(200000)}}]; }";
        try (BatchRunner batch = new BatchRunner(JS.load(js), SandboxLimits.DEFAULTS.withMaxOutputBytes(100_000), obj("{}"), BatchOptions.DEFAULTS)) {
            ItemResult r = batch.next(obj("{}"));
            assertThat(r.failure().kind()).isEqualTo(Kind.OUTPUT_TOO_LARGE);
        }
    }
}
