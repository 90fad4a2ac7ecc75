package io.nlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end, in process, on the example nodes the build compiled. */
class CliTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("nlink.examples.dir", "../examples"));

    @BeforeAll
    static void privateCompileCache(@TempDir Path cache) {
        System.setProperty("nlink.cacheDir", cache.resolve("compiled").toString());
    }

    /** A JavaScript-only package in {@code pkg}: hello-go's manifest and definition, and {@code script}. */
    private static void jsPackage(Path pkg, String script) throws Exception {
        Files.copy(EXAMPLES.resolve("hello-go/package.json"), pkg.resolve("package.json"));
        Files.copy(EXAMPLES.resolve("hello-go/definition.json"), pkg.resolve("definition.json"));
        Files.writeString(pkg.resolve("execution.js"), script);
    }

    private static CliRun nlink(String... args) {
        return CliRun.of(args);
    }

    @Test
    void runsTheSeedNodeOnAnItem(@TempDir Path tmp) throws Exception {
        Path input = tmp.resolve("items.json");
        Files.writeString(input, "[{\"a\":1}]");
        CliRun run = nlink(
                "run",
                EXAMPLES.resolve("hello-go").toString(),
                "--params",
                "{\"text\":\"nLink\"}",
                "--input",
                input.toString());

        assertThat(run.exit()).as(run.err()).isZero();
        List<JsonNode> lines = run.lines();
        assertThat(lines).hasSize(1);
        JsonNode json = lines.get(0).get("json");
        assertThat(json.get("wasm_processed").booleanValue()).isTrue();
        assertThat(json.get("message").textValue()).isEqualTo("Hello, nLink! Greetings from WebAssembly Runtime! 🚀");
        assertThat(json.get("original_data")).isEqualTo(Json.parse("{\"a\":1}"));
        assertThat(run.out()).contains("🚀"); // UTF-8, not \\uD83D\\uDE80
        assertThat(run.err()).contains("1 item(s) in, 1 out, 0 failed; runtime wasm; 1 instance(s), ");
        assertThat(run.err()).containsPattern("1 instance\\(s\\), [0-9]+\\.[0-9] ms each to start, 0 recycled");
    }

    @Test
    void readsNdjsonAndN8nStyleItemsAndKeepsTheirOrder(@TempDir Path tmp) throws Exception {
        Path input = tmp.resolve("items.ndjson");
        Files.writeString(
                input, "{\"json\":{\"i\":0}}\n{\"i\":1}\n\n{\"json\":{\"i\":2},\"pairedItem\":{\"item\":9}}\n");
        CliRun run = nlink("run", EXAMPLES.resolve("hello-go").toString(), "--input", input.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.lines())
                .extracting(l -> l.get("json").get("original_data").get("i").intValue())
                .containsExactly(0, 1, 2);
        assertThat(run.lines())
                .extracting(l -> l.get("pairedItem").get("item").intValue())
                .containsExactly(0, 1, 2);
    }

    @Test
    void inputThatIsNotUtf8IsRefusedWithTheByteToLookAt(@TempDir Path tmp) throws Exception {
        Path input = tmp.resolve("items.ndjson");
        // An overlong '/' (C0 AF), which Jackson on its own would decode.
        byte[] good = "{\"i\":0}\n{\"i\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = java.util.Arrays.copyOf(good, good.length + 5);
        System.arraycopy(new byte[] {(byte) 0xC0, (byte) 0xAF, '"', '}', '\n'}, 0, bytes, good.length, 5);
        Files.write(input, bytes);
        CliRun run = nlink("run", EXAMPLES.resolve("hello-go").toString(), "--input", input.toString());
        assertThat(run.exit()).as(run.err()).isNotZero();
        assertThat(run.err()).contains(input + ": invalid UTF-8 in the character that starts at byte " + good.length);
        assertThat(run.out()).as("nothing runs on input that cannot be read").isEmpty();
    }

    @Test
    void aLoopingNodeIsReportedWithTheItemAndWhy(@TempDir Path tmp) throws Exception {
        Path input = tmp.resolve("items.json");
        Files.writeString(input, "[{}, {}]");
        CliRun stop = nlink(
                "run",
                EXAMPLES.resolve("probe-go").toString(),
                "--params",
                "{\"mode\":\"loop\"}",
                "--timeout",
                "200ms",
                "--input",
                input.toString());
        assertThat(stop.exit()).isEqualTo(Main.ITEM_FAILED);
        assertThat(stop.err()).contains("stopped at item 0").contains("time limit of 200 ms");

        CliRun goOn = nlink(
                "run",
                EXAMPLES.resolve("probe-go").toString(),
                "--params",
                "{\"mode\":\"loop\"}",
                "--timeout",
                "200ms",
                "--continue-on-fail",
                "--input",
                input.toString());
        assertThat(goOn.exit()).isEqualTo(Main.ITEM_FAILED);
        List<JsonNode> lines = goOn.lines();
        assertThat(lines).hasSize(2);
        assertThat(lines)
                .extracting(l -> l.get("error").get("kind").textValue())
                .containsOnly("TIMEOUT");
        assertThat(lines)
                .extracting(l -> l.get("pairedItem").get("item").intValue())
                .containsExactly(0, 1);
        assertThat(goOn.err()).contains("2 item(s) in, 0 out, 2 failed").contains("2 instance(s)");
    }

    @Test
    void refusesParamsTheDefinitionDoesNotAllow() {
        CliRun run =
                nlink("run", EXAMPLES.resolve("probe-go").toString(), "--params", "{\"mode\":\"nope\",\"extra\":1}");
        assertThat(run.exit()).isEqualTo(Main.INVALID);
        assertThat(run.err())
                .contains("params.mode: expected one of \"echo\"")
                .contains("params.extra: this node has no such parameter");
    }

    @Test
    void refusesToRaiseTheMemoryCap() {
        CliRun run = nlink("run", EXAMPLES.resolve("hello-go").toString(), "--memory-pages", "1024");
        assertThat(run.exit()).isEqualTo(Main.INVALID);
        assertThat(run.err()).contains("above the platform cap of 512 pages (32 MiB)");
    }

    @Test
    void validatePrintsTheModuleReport() {
        CliRun run = nlink("validate", EXAMPLES.resolve("hello-go").toString());
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out())
                .contains("Package    nlink-community.wasm_demo@1.0.0")
                .contains("allocate         function (i32) -> i32")
                .contains("execute_node     function (i32, i32) -> i64")
                .contains("deallocate       function (i32, i32) -> ()")
                .contains("ok  wasi_snapshot_preview1.fd_write")
                .containsPattern("SHA-256    [0-9a-f]{64}")
                .contains("runs capped at 512 pages (32 MiB)")
                .contains("Result     OK");
    }

    @Test
    void validateNamesTheFileAndFieldOfEachProblem(@TempDir Path pkg) throws Exception {
        Files.writeString(pkg.resolve("package.json"), "{\"name\":\"Bad Name\",\"version\":\"one\"}");
        Files.writeString(
                pkg.resolve("definition.json"),
                "{\"name\":\"x\",\"displayName\":\"X\",\"properties\":[{\"name\":\"a\",\"displayName\":\"A\",\"type\":\"text\"}]}");
        Files.write(pkg.resolve("execution.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
        CliRun run = nlink("validate", pkg.toString());
        assertThat(run.exit()).isEqualTo(Main.INVALID);
        assertThat(run.out())
                .contains("package.json: name: expected an npm package name")
                .contains("package.json: version: expected a semantic version")
                .contains(
                        "definition.json: properties[0].type: expected one of string, number, boolean, options, json; got \"text\"");
    }

    @Test
    void aPackageWithOnlyExecutionJsRunsOnJavaScriptAndSaysSo(@TempDir Path pkg) throws Exception {
        jsPackage(
                pkg,
                "function execute_node(input) { return [{json: {message: 'Hello, ' + input.params.text + '!', original_data: input.$json}}]; }");
        CliRun run = nlink("run", pkg.toString(), "--params", "{\"text\":\"js\"}");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.lines().get(0).get("json"))
                .isEqualTo(Json.parse("{\"message\":\"Hello, js!\",\"original_data\":{}}"));
        assertThat(run.err())
                .contains("nlink: running execution.js because the package has no execution.wasm")
                .contains("1 item(s) in, 1 out, 0 failed; runtime js;");
    }

    @Test
    void aGuestsEscapeSequencesArePrintedVisibleNotActedOn(@TempDir Path pkg) throws Exception {
        jsPackage(pkg, """
                function execute_node(input) {
                  console.log('\\u001b[2Jcleared\\rover\\u0007');
                  console.error('\\u001b]0;retitled\\u0007second line');
                  return [{json: {ok: true}}];
                }
                """);
        CliRun run = nlink("run", pkg.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err())
                .contains("[item 0 stdout] \\x1b[2Jcleared\\x0dover\\x07")
                .contains("[item 0 stderr] \\x1b]0;retitled\\x07second line")
                .doesNotContain("\u001b")
                .doesNotContain("\r")
                .doesNotContain("\u0007");
    }

    @Test
    void jsMemorySetsTheJavaScriptMemoryLimit(@TempDir Path pkg) throws Exception {
        jsPackage(pkg, """
                function execute_node(input) {
                  if (input.$json.bomb) { const kept = []; for (;;) kept.push(new Array(1e6).fill(1.5)); }
                  return [{json: {ok: true}}];
                }
                """);
        Path items = pkg.resolve("items.json");
        Files.writeString(items, "[{}, {\"bomb\": true}, {}]");
        // In a process of its own with a small heap: the bound holds a script to its budget once the
        // heap has less than two budgets of room per script, which this test JVM's heap never nears.
        List<String> command = new java.util.ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
        for (String flag :
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (flag.startsWith("--enable-native-access") || flag.startsWith("--sun-misc-unsafe-memory-access"))
                command.add(flag);
        }
        Path output = pkg.resolve("out.ndjson");
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                "io.nlink.cli.Main",
                "run",
                pkg.toString(),
                "--input",
                items.toString(),
                "--output",
                output.toString(),
                "--js-memory",
                "16",
                "--continue-on-fail",
                "--parallelism",
                "1"));
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(pkg.resolve("log.txt").toFile())
                .start();
        assertThat(child.waitFor(2, java.util.concurrent.TimeUnit.MINUTES))
                .as("finished")
                .isTrue();
        String log = Files.readString(pkg.resolve("log.txt"));
        assertThat(child.exitValue()).as(log).isEqualTo(Main.ITEM_FAILED);
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(output)) lines.add(Json.parse(line));
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1).get("error").get("kind").textValue()).isEqualTo("MEMORY_LIMIT");
        assertThat(lines.get(1).get("error").get("message").textValue())
                .startsWith("the JavaScript allocated more than 16 MiB in one run (its memory limit)");
        assertThat(lines.get(2).get("json")).isEqualTo(Json.parse("{\"ok\":true}"));
        assertThat(log).contains("3 item(s) in, 2 out, 1 failed").doesNotContain("OutOfMemoryError");
        assertThat(nlink("run", pkg.toString(), "--js-memory", "-1").err())
                .contains("--js-memory -1: expected a number of MiB, or 0 for no bound");
    }

    @Test
    void anOptedInPackageReRunsATrappingItemOnJavaScriptAndTheSummaryCountsIt(@TempDir Path pkg) throws Exception {
        Files.copy(EXAMPLES.resolve("hello-go/package.json"), pkg.resolve("package.json"));
        String definition = Files.readString(EXAMPLES.resolve("hello-go/definition.json"));
        Files.writeString(
                pkg.resolve("definition.json"), definition.replaceFirst("\\{", "{\"perItemFallback\": true,"));
        Files.writeString(
                pkg.resolve("execution.js"), "function execute_node(input) { return [{json: {via: 'js'}}]; }");
        Path wat = pkg.resolve("traps.wat");
        Files.writeString(wat, """
                (module (memory (export "memory") 1)
                  (func (export "allocate") (param i32) (result i32) (i32.const 1024))
                  (func (export "execute_node") (param i32 i32) (result i64) unreachable))
                """);
        Process p = new ProcessBuilder(
                        "wat2wasm",
                        wat.toString(),
                        "-o",
                        pkg.resolve("execution.wasm").toString())
                .inheritIO()
                .start();
        assertThat(p.waitFor()).isZero();

        CliRun run = nlink("run", pkg.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.lines().get(0).get("json")).isEqualTo(Json.parse("{\"via\":\"js\"}"));
        assertThat(run.err())
                .contains("[item 0] ran on js because execution.wasm failed on this item (TRAP: the node trapped")
                .contains("1 item(s) in, 1 out, 0 failed; runtime wasm, 1 item(s) re-run on js (per-item fallback);");
    }

    @Test
    void scaffoldBuildAndParityTestANodeFromTheCommandLine(@TempDir Path tmp) throws Exception {
        assertThat(nlink("scaffold", "--name", "parity_demo", "--out", tmp.toString())
                        .exit())
                .isZero();
        Path dir = tmp.resolve("nlink-community.parity_demo");
        assertThat(nlink("build", dir.toString()).exit()).isZero();
        Files.writeString(dir.resolve("execution.js"), """
                function execute_node(input) {
                  const text = typeof input.params.text === 'string' ? input.params.text : 'World';
                  if (text === 'fail') return { error: 'refused: text is fail' };
                  return [{ json: { wasm_processed: true, message: 'Hello, ' + text + '! Greetings from WebAssembly Runtime! 🚀',
                                    original_data: input.$json === undefined ? null : input.$json } }];
                }
                """);
        CliRun same = nlink("test", "--parity", dir.toString());
        assertThat(same.exit()).as(same.out() + same.err()).isZero();
        assertThat(same.out())
                .contains("ok    wasm tests/basic.json")
                .contains("ok    js   tests/basic.json")
                .contains("8 passed, 0 failed");

        Files.writeString(
                dir.resolve("execution.js"),
                "function execute_node(input) { return [{ json: { message: 'different' } }]; }");
        CliRun differs = nlink("test", "--parity", dir.toString());
        assertThat(differs.exit()).isEqualTo(Main.ITEM_FAILED);
        assertThat(differs.out())
                .contains("FAIL  js   tests/basic.json: output[0].wasm_processed: missing")
                .contains("4 passed, 4 failed");
    }

    private static final Path WORKFLOWS = EXAMPLES.resolve("workflows");
    private static final Path HELLO_JS = EXAMPLES.resolveSibling("bench").resolve("nodes/hello-js");

    @Test
    void runsAWorkflowWithNodesFromPackageFolders(@TempDir Path tmp) throws Exception {
        Path record = tmp.resolve("execution.json");
        CliRun run = nlink(
                "workflow",
                "run",
                WORKFLOWS.resolve("greetings.json").toString(),
                "--input",
                WORKFLOWS.resolve("people.json").toString(),
                "--node",
                EXAMPLES.resolve("hello-go").toString(),
                "--node",
                HELLO_JS.toString(),
                "--execution",
                record.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.lines())
                .extracting(l -> l.path("json").path("message").asText())
                .containsExactly(
                        "Hello, ADA! Greetings from WebAssembly Runtime! 🚀",
                        "Hello, GRACE! Greetings from WebAssembly Runtime! 🚀",
                        "Hello, young LINUS! Greetings from WebAssembly Runtime! 🚀");
        assertThat(run.err())
                .containsPattern("Greet in Go +success +wasm +in \\[2\\] out \\[2\\]")
                .containsPattern("Greet in JavaScript +success +js ")
                .contains("nlink: success in ");
        JsonNode execution = Json.parse(Files.readAllBytes(record));
        assertThat(execution.path("status").asText()).isEqualTo("success");
        assertThat(execution.path("nodes")).hasSize(7);
    }

    @Test
    void runsAWorkflowWithNodesFromTheCommunityStoreInTheDataDirectory(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        try (io.nlink.server.db.Database db = io.nlink.server.db.Database.open(null, null, null, data);
                io.nlink.runtime.NodeRuntime runtime =
                        io.nlink.runtime.NodeRuntime.builder().build()) {
            var store = new io.nlink.server.store.NodeStore(db, runtime, io.nlink.runtime.SandboxLimits.DEFAULTS);
            store.install(
                    zip(EXAMPLES.resolve("hello-go"), "package.json", "definition.json", "execution.wasm"), "test");
            store.install(zip(HELLO_JS, "package.json", "definition.json", "execution.js"), "test");
        }
        CliRun run = nlink(
                "workflow",
                "run",
                WORKFLOWS.resolve("greetings.json").toString(),
                "--input",
                WORKFLOWS.resolve("people.json").toString(),
                "--data-dir",
                data.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.lines()).hasSize(3);

        CliRun missing = nlink(
                "workflow",
                "run",
                WORKFLOWS.resolve("greetings.json").toString(),
                "--data-dir",
                tmp.resolve("empty").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("no Community Store in").contains("--node PACKAGE");
    }

    @Test
    void aWorkflowOfBuiltInNodesRunsWithoutNodesOrAStore(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("w.json");
        Files.writeString(file, """
                {"nodes": [{"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "Note", "type": "n8n-nodes-base.stickyNote", "parameters": {"content": "a comment"}},
                  {"name": "Label", "type": "n8n-nodes-base.set", "typeVersion": 3.4,
                   "parameters": {"assignments": {"assignments": [{"name": "hello", "value": "world", "type": "string"}]}}}],
                 "connections": {"Start": {"main": [[{"node": "Label", "index": 0}]]}}}""");
        CliRun run = nlink(
                "workflow",
                "run",
                file.toString(),
                "--data-dir",
                tmp.resolve("no-such-dir").toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.lines())
                .extracting(l -> l.path("json").path("hello").asText())
                .containsExactly("world");
    }

    @Test
    void anHttpRequestRunsWithCredentialsFromAFileAndOnlyWhereItIsAllowed(@TempDir Path tmp) throws Exception {
        com.sun.net.httpserver.HttpServer api = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/me", x -> {
            byte[] body = ("{\"key\": \"" + x.getRequestHeaders().getFirst("X-Api-Key") + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        api.start();
        try {
            Path workflow = tmp.resolve("w.json");
            Files.writeString(workflow, """
                    {"nodes": [{"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                      {"name": "Fetch", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4.2,
                       "parameters": {"url": "http://127.0.0.1:%d/me", "authentication": "genericCredentialType", "genericAuthType": "httpHeaderAuth"},
                       "credentials": {"httpHeaderAuth": {"id": "k1", "name": "API key"}}}],
                     "connections": {"Start": {"main": [[{"node": "Fetch", "index": 0}]]}}}""".formatted(api.getAddress().getPort()));
            Path credentials = tmp.resolve("credentials.json");
            Files.writeString(
                    credentials,
                    "[{\"id\": \"k1\", \"name\": \"API key\", \"type\": \"httpHeaderAuth\","
                            + " \"data\": {\"name\": \"X-Api-Key\", \"value\": \"from-the-file\"}}]");
            CliRun run = nlink(
                    "workflow",
                    "run",
                    workflow.toString(),
                    "--credentials",
                    credentials.toString(),
                    "--allow-http-to",
                    "127.0.0.1");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.lines())
                    .extracting(l -> l.path("json").path("key").asText())
                    .containsExactly("from-the-file");

            CliRun without = nlink("workflow", "run", workflow.toString(), "--allow-http-to", "127.0.0.1");
            assertThat(without.exit()).isEqualTo(1);
            assertThat(without.err())
                    .contains(
                            "credential \"API key\" (id k1) (httpHeaderAuth) is not available: this run has no credentials",
                            "--credentials FILE");
            CliRun guarded = nlink("workflow", "run", workflow.toString(), "--credentials", credentials.toString());
            assertThat(guarded.exit()).isEqualTo(1);
            assertThat(guarded.err())
                    .contains(
                            "refused http://127.0.0.1:" + api.getAddress().getPort()
                                    + "/me: 127.0.0.1 is a loopback address",
                            "--allow-http-to");
            Files.writeString(
                    credentials,
                    "[{\"id\": \"k1\", \"type\": \"httpHeaderAuth\", \"data\": {\"name\": \"X-Api-Key\"}}]");
            CliRun bad = nlink("workflow", "run", workflow.toString(), "--credentials", credentials.toString());
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.err()).contains("credentials[0]: data.value: expected a string");
        } finally {
            api.stop(0);
        }
    }

    @Test
    void anInvalidWorkflowListsItsProblems(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("w.json");
        Files.writeString(file, "{\"nodes\": [{\"name\": \"Fetch\", \"type\": \"n8n-nodes-base.googleSheets\"}]}");
        CliRun run = nlink("workflow", "run", file.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err())
                .contains("cannot run:")
                .contains(
                        "  - this workflow uses node types nLink does not have: n8n-nodes-base.googleSheets (\"Fetch\")");
    }

    private static byte[] zip(Path dir, String... files) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
            for (String f : files) {
                zip.putNextEntry(new java.util.zip.ZipEntry(f));
                zip.write(Files.readAllBytes(dir.resolve(f)));
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
