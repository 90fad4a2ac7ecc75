package io.nlink.server;

import static io.nlink.server.GuestWat.assemble;
import static io.nlink.server.GuestWat.expect;
import static io.nlink.server.GuestWat.node;
import static io.nlink.server.GuestWat.wasi;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.Sha256;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 19 through the server: the store validates an upload by starting an instance in the
 * server's own JVM and a test run runs items through it, so an upload alone reaches the host's
 * heap. Each case here is a package whose module aims at that heap or at the server's time (more
 * memories, huge tables, globals, interpreted frames, WASI calls sized by the guest, host calls
 * that block, recursion, many uploads of the largest memory a node may have), uploaded and
 * test-run over real HTTP as the dashboard does.
 *
 * <p>Maven runs this class alone in a JVM of {@code -Xmx256m -XX:+ExitOnOutOfMemoryError}
 * (nlink-server/pom.xml, execution {@code small-heap}), the server in it: one OutOfMemoryError
 * ends that JVM and fails the build. The last test shows the server still serving afterwards,
 * with the heap it keeps after a collection below {@link #HEAP_AFTERWARDS_BYTES}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf(value = "inASmallHeap", disabledReason = "runs in the small-heap execution (-Xmx256m), see the pom")
class HostileGuestServerTest extends SharedServer {
    /** Maven's small-heap execution runs this class: its heap bounds are only meaningful there. */
    static boolean inASmallHeap() {
        return Runtime.getRuntime().maxMemory() <= 256L << 20;
    }

    /** The bound a test run applies to each item: the server's configured sandbox limits. */
    private static final Duration ITEM_TIMEOUT = ServerConfig.DEFAULTS.limits().itemTimeout();

    /** How long past the bound a stopped item may take to answer on a busy two-core machine. */
    private static final Duration STOP_SLACK = Duration.ofSeconds(2);

    /** Used heap after a full collection once every case has run (measured: 114-117 MiB, the Go node loaded). */
    private static final long HEAP_AFTERWARDS_BYTES = 160L << 20;

    private static final String PREFIX = "nlink-community.hostile_";

    // ---------------------------------------------------------------- refused at upload

    static Stream<Arguments> refusedModules() {
        return Stream.of(
                refused(
                        "second_memory",
                        "declares 2 memories (the multi-memory proposal); a node has exactly one",
                        () -> assemble(node(1, "", "(memory $second 512 512)", ""), "--enable-multi-memory")),
                refused(
                        "million_entry_table",
                        "declares tables of 1000000 entries in all, more than the sandbox's 262144",
                        () -> assemble(node(1, "", "(table 1000000 funcref)", ""))),
                refused(
                        "seventy_thousand_globals",
                        "declares 70001 globals, more than the sandbox's 65536",
                        () -> assemble(node(1, "", "(global i32 (i32.const 0))".repeat(70_000), ""))),
                refused(
                        "interpreted_frame_of_fifty_thousand_locals",
                        "runs in the interpreter (it is too large to compile) and declares 50002 parameters and locals,"
                                + " more than the 128 an interpreted function may have",
                        () -> assemble(interpretedRecursion(50_000))));
    }

    private static Arguments refused(String name, String reason, Supplier<byte[]> wasm) {
        return Arguments.of(name, reason, wasm);
    }

    /**
     * A function of 20,000 straight-line instructions (too large for the compiler, so it runs in
     * the interpreter, which allocates each call's locals on the host heap) with {@code locals}
     * i64 locals, recursing a million deep: at 50,000 locals about 1 MB of heap per call.
     */
    private static String interpretedRecursion(int locals) {
        StringBuilder f = new StringBuilder("(func $deep (param $depth i32) (result i32) (local $x i32)");
        f.append(" (local i64)".repeat(locals));
        f.append("\n(if (local.get $depth) (then (drop (call $deep (i32.sub (local.get $depth) (i32.const 1))))))\n");
        for (int i = 0; i < 20_000; i++) {
            f.append("local.get $x i32.const ").append(i % 251).append(" i32.xor local.set $x\n");
        }
        f.append("local.get $x)\n");
        return node(1, "", f.toString(), "(drop (call $deep (i32.const 1000000)))");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedModules")
    @Order(1)
    void isRefusedAtUploadWithItsReasonAndNothingIsInstalled(String name, String reason, Supplier<byte[]> wasm)
            throws Exception {
        byte[] zip = TestNodes.withModule(PREFIX + name, wasm.get());
        ApiClient.Response r = server.owner.upload(zip);
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        assertThat(r.json().path("error").asText())
                .as(r.toString())
                .startsWith("the package was refused: execution.wasm")
                .contains(reason);
        assertThat(server.owner.get("/api/nodes/" + PREFIX + name).status()).isEqualTo(404);
        assertThat(server.owner.get("/api/nodes").json().path("nodes").findValuesAsText("name"))
                .doesNotContain(PREFIX + name);
        assertThat(TestDatabase.H2.count(data, "package_blobs", "sha256", Sha256.hex(zip)))
                .isZero();
    }

    // ---------------------------------------------------------------- accepted, hostile when run

    /** Uploads {@code wat} as the node {@code name}, which the store must accept; its version. */
    private static String install(String name, String wat) {
        ApiClient.Response upload = server.owner.upload(TestNodes.withModule(PREFIX + name, assemble(wat)));
        assertThat(upload.status()).as(upload.toString()).isEqualTo(201);
        return upload.json().path("version").asText();
    }

    /** The node page's test run of one item through {@code name}@{@code version}: the whole response. */
    private static JsonNode testRun(String name, String version) {
        ApiClient.Response run = server.owner.post(
                "/api/nodes/" + PREFIX + name + "/versions/" + version + "/run",
                Map.of("params", Map.of(), "items", List.of(Map.of("id", 1))));
        assertThat(run.status()).as(run.toString()).isEqualTo(200);
        JsonNode result = run.json();
        assertThat(result.path("results")).as(run.toString()).hasSize(1);
        return result;
    }

    private static JsonNode uploadAndTestRun(String name, String wat) {
        return testRun(name, install(name, wat));
    }

    private static JsonNode onlyResult(JsonNode run) {
        return run.path("results").get(0);
    }

    private static void assertAnsweredOk(JsonNode run) {
        JsonNode item = onlyResult(run);
        assertThat(item.path("ok").asBoolean()).as(item.toString()).isTrue();
        assertThat(item.path("items").toString()).isEqualTo("[{\"ok\":true}]");
    }

    @Test
    @Order(2)
    void aTableGrowOfFourBillionEntriesOrPastTheBudgetAnswersMinusOneInsideTheGuest() {
        String body = expect("(table.grow $t (ref.null func) (i32.const -1))", -1) // 4,294,967,295 entries
                + expect("(table.grow $t (ref.null func) (i32.const 300000))", -1) // past the 262,144 budget
                + expect("(table.grow $t (ref.null func) (i32.const 1000))", 1); // within it: the old size
        assertAnsweredOk(uploadAndTestRun("table_grow", node(1, "", "(table $t 1 funcref)", body)));
    }

    @Test
    @Order(2)
    void anFdReadOfTwoGibibytesFromStdinReadsNothingAndTheItemAnswers() {
        String body =
                "(i32.store (i32.const 1024) (i32.const 2048)) (i32.store (i32.const 1028) (i32.const 0x80000000))\n"
                        + expect("(call $fd_read (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 1100))", 0)
                        + expect("(i32.load (i32.const 1100))", 0); // nothing read: stdin is at its end
        assertAnsweredOk(uploadAndTestRun("fd_read", node(1, wasi("fd_read"), "", body)));
    }

    @Test
    @Order(2)
    void aFloodOfThirtyTwoMebibyteFdWritesIsCutAtTheLogBoundAndTheItemAnswers() {
        // 63 iovecs of the whole 32 MiB memory per call (2,016 MiB, just under the 2 GiB a call may
        // name), 100 calls to stdout and 100 to stderr: about 400 GiB "written"
        StringBuilder body =
                new StringBuilder("(memory.fill (i32.const 4096) (i32.const 0x78) (i32.const 0x1FFF000))\n");
        for (int i = 0; i < 63; i++) {
            body.append("(i32.store (i32.const ")
                    .append(1024 + i * 8)
                    .append(") (i32.const 0))")
                    .append("(i32.store (i32.const ")
                    .append(1028 + i * 8)
                    .append(") (i32.const 0x2000000))\n");
        }
        body.append("(loop $again\n")
                .append(expect("(call $fd_write (i32.const 1) (i32.const 1024) (i32.const 63) (i32.const 1600))", 0))
                .append(expect("(i32.load (i32.const 1600))", 63L * 0x2000000))
                .append(expect("(call $fd_write (i32.const 2) (i32.const 1024) (i32.const 63) (i32.const 1600))", 0))
                .append("(global.set $calls (i32.add (global.get $calls) (i32.const 1)))\n")
                .append("(br_if $again (i32.lt_u (global.get $calls) (i32.const 100))))\n");
        JsonNode run = uploadAndTestRun(
                "fd_write_flood",
                node(512, wasi("fd_write"), "(global $calls (mut i32) (i32.const 0))", body.toString()));
        assertAnsweredOk(run);
        JsonNode item = onlyResult(run);
        int maxLog = ServerConfig.DEFAULTS.limits().maxLogBytes();
        assertThat(item.path("logsTruncated").asBoolean()).isTrue();
        assertThat(item.path("stdout").asText()).hasSize(maxLog).endsWith("xxxxxxxx");
        assertThat(item.path("stderr").asText()).hasSize(maxLog);
        assertThat(item.path("micros").asDouble())
                .as("µs for 400 GiB of iovecs")
                .isLessThan(5_000_000);
    }

    /**
     * Two guests that never return, test-run at once (the store grants two test runs at a time, so
     * both hold a sandbox together): a loop of 32 MiB random_gets, which keeps the host copying, and
     * a poll_oneoff sleeping for an hour, which keeps it waiting. Each item fails as a timeout at the
     * store's item bound; run side by side the class waits for that bound once, not twice.
     */
    @Test
    @Order(2)
    void aRandomGetLoopAndAnHourLongPollOneoffRunningAtOnceAreEachStoppedAtTheItemTimeout() throws Exception {
        String randomGets = "(loop $again (drop (call $random_get (i32.const 0) (i32.const 0x2000000))) (br $again))";
        // one subscription: userdata, EVENT_CLOCK, CLOCK_MONOTONIC, an hour relative
        String hourLongPoll = "(i64.store (i32.const 1024) (i64.const 7))"
                + "(i32.store8 (i32.const 1032) (i32.const 0))"
                + "(i32.store (i32.const 1040) (i32.const 1))"
                + "(i64.store (i32.const 1048) (i64.const 3600000000000))\n"
                + "(drop (call $poll_oneoff (i32.const 1024) (i32.const 2048) (i32.const 1) (i32.const 3000)))";
        String randomVersion = install("random_get_loop", node(512, wasi("random_get"), "", randomGets));
        String pollVersion = install("poll_oneoff_hour", node(1, wasi("poll_oneoff"), "", hourLongPoll));
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Stopped> random = callers.submit(() -> timed(() -> testRun("random_get_loop", randomVersion)));
            Future<Stopped> poll = callers.submit(() -> timed(() -> testRun("poll_oneoff_hour", pollVersion)));
            assertStoppedAtTheBound("random_get loop", random.get());
            assertStoppedAtTheBound("hour-long poll_oneoff", poll.get());
        }
    }

    private record Stopped(JsonNode run, Duration took) {}

    private static Stopped timed(Supplier<JsonNode> testRun) {
        long start = System.nanoTime();
        JsonNode run = testRun.get();
        return new Stopped(run, Duration.ofNanos(System.nanoTime() - start));
    }

    /** The item failed as a timeout that names the bound, and the response came within the bound and a little. */
    private static void assertStoppedAtTheBound(String what, Stopped stopped) {
        JsonNode item = onlyResult(stopped.run());
        assertThat(item.path("ok").asBoolean()).as(what + ": " + item).isFalse();
        assertThat(item.path("errorKind").asText()).as(what).isEqualTo("TIMEOUT");
        assertThat(item.path("error").asText())
                .as(what)
                .startsWith("the node was stopped after running longer than its time limit of "
                        + ITEM_TIMEOUT.toSeconds() + " s while running execute_node");
        assertThat(stopped.took())
                .as(what + ": the test run's answer")
                .isBetween(ITEM_TIMEOUT, ITEM_TIMEOUT.plus(STOP_SLACK));
    }

    @Test
    @Order(2)
    void unboundedRecursionInCompiledCodeTrapsWithTheStackExhausted() {
        String recurse = "(func $down (param $n i32) (result i32)"
                + " (i32.add (call $down (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))";
        JsonNode item =
                onlyResult(uploadAndTestRun("recursion", node(1, "", recurse, "(drop (call $down (i32.const 0)))")));
        assertThat(item.path("ok").asBoolean()).as(item.toString()).isFalse();
        assertThat(item.path("errorKind").asText()).isEqualTo("TRAP");
        assertThat(item.path("error").asText()).startsWith("the node exhausted the call stack (unbounded recursion?)");
    }

    /**
     * Uploads alone: eight different nodes, each declaring the 32 MiB of memory every node may have,
     * uploaded one after another. Validating one starts an instance in the server's JVM; whatever an
     * upload leaves started must not add up (eight of them are all the heap this JVM has).
     */
    @Test
    @Order(2)
    void eightUploadsOfThirtyTwoMebibyteNodesLeaveNoInstanceHoldingTheHeap() {
        for (int i = 0; i < 8; i++) {
            install("full_memory_" + i, node(512, "", "", "(drop (i32.const " + i + "))")); // a module of its own
        }
        assertThat(usedHeapAfterCollection().getUsed())
                .as("used heap after a full collection, in bytes")
                .isLessThan(HEAP_AFTERWARDS_BYTES);
    }

    // ---------------------------------------------------------------- JavaScript memory bombs

    /** Keeps every array it makes: GraalJS's community edition has no heap cap of its own. */
    private static final String JS_BOMB = "const kept = []; for (;;) kept.push(new Array(1e6).fill(1.5));";

    private static byte[] readHelloJs(String file) {
        try {
            return java.nio.file.Files.readAllBytes(TestNodes.HELLO_JS.resolve(file));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @Order(2)
    void anExecutionJsMemoryBombIsStoppedWithAClearErrorAndTheNodeStillAnswers() {
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put(
                "package.json",
                ("{\"name\": \"" + PREFIX + "js_bomb\", \"version\": \"1.0.0\"}").getBytes(StandardCharsets.UTF_8));
        files.put("definition.json", readHelloJs("definition.json"));
        files.put(
                "execution.js",
                ("function execute_node(input) {\n"
                                + "  if (input.$json.bomb) { " + JS_BOMB + " }\n"
                                + "  return [{json: {ok: true}}];\n}\n")
                        .getBytes(StandardCharsets.UTF_8));
        ApiClient.Response upload = server.owner.upload(TestNodes.zip(files));
        assertThat(upload.status()).as(upload.toString()).isEqualTo(201);
        ApiClient.Response run = server.owner.post(
                "/api/nodes/" + PREFIX + "js_bomb/versions/1.0.0/run",
                Map.of("params", Map.of(), "items", List.of(Map.of("bomb", true), Map.of("id", 2))));
        assertThat(run.status()).as(run.toString()).isEqualTo(200);
        JsonNode bomb = run.json().path("results").get(0);
        assertThat(bomb.path("ok").asBoolean()).as(bomb.toString()).isFalse();
        assertThat(bomb.path("errorKind").asText()).as(bomb.toString()).isEqualTo("MEMORY_LIMIT");
        assertThat(bomb.path("error").asText())
                .startsWith("the JavaScript allocated more than 64 MiB in one run (its memory limit)");
        JsonNode next = run.json().path("results").get(1);
        assertThat(next.path("ok").asBoolean())
                .as("the item after the bomb, on a fresh context: " + next)
                .isTrue();
    }

    @Test
    @Order(2)
    void aCodeNodeMemoryBombFailsItsExecutionWithAClearErrorAndTheWorkflowRunsAgain() throws Exception {
        String workflow = """
                {"name": "Code bomb", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "parameters": {}},
                  {"name": "Bomb", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "if ($input.first().json.bomb) { %s } return [{json: {ok: true}}];"}}
                ], "connections": {"Start": {"main": [[{"node": "Bomb", "index": 0}]]}}}""".formatted(JS_BOMB);
        ApiClient.Response created = server.owner.post("/api/workflows", io.nlink.runtime.json.Json.parse(workflow));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        long id = created.json().path("id").asLong();
        ApiClient.Response bombed =
                server.owner.post("/api/workflows/" + id + "/run", Map.of("items", List.of(Map.of("bomb", true))));
        assertThat(bombed.json().path("status").asText()).as(bombed.toString()).isEqualTo("error");
        assertThat(bombed.json().path("error").asText())
                .as(bombed.toString())
                .contains("the JavaScript allocated more than 64 MiB in one run (its memory limit)");
        ApiClient.Response again =
                server.owner.post("/api/workflows/" + id + "/run", Map.of("items", List.of(Map.of("bomb", false))));
        assertThat(again.json().path("status").asText()).as(again.toString()).isEqualTo("success");
    }

    // ---------------------------------------------------------------- afterwards

    @Test
    @Order(3)
    void afterAllOfItTheServerStillServesWithinABoundedHeap() throws Exception {
        ApiClient.Response upload = server.owner.upload(TestNodes.helloGo());
        assertThat(upload.status()).as(upload.toString()).isEqualTo(201);
        String name = upload.json().path("name").asText();
        String version = upload.json().path("version").asText();
        ApiClient.Response run = server.owner.post(
                "/api/nodes/" + name + "/versions/" + version + "/run",
                Map.of("params", Map.of("text", "survivor"), "items", List.of(Map.of("id", 1))));
        assertThat(run.status()).as(run.toString()).isEqualTo(200);
        JsonNode item = run.json().path("results").get(0);
        assertThat(item.path("ok").asBoolean()).as(item.toString()).isTrue();
        assertThat(item.path("items").get(0).path("message").asText()).startsWith("Hello, survivor!");

        ApiClient.Response nodes = server.owner.get("/api/nodes");
        assertThat(nodes.status()).isEqualTo(200);
        assertThat(nodes.json().path("nodes").findValuesAsText("name"))
                .contains(name, PREFIX + "table_grow", PREFIX + "recursion");
        assertThat(server.anonymous().get("/api/nodes").status()).isEqualTo(401);

        assertThat(server.server.runtime().metrics().hostFaults())
                .as("no item was a host fault")
                .isZero();
        MemoryUsage heap = usedHeapAfterCollection();
        System.out.printf(
                "hostile: heap after GC %.1f MiB of %.1f MiB (bound %d MiB)%n",
                heap.getUsed() / 1048576.0, heap.getMax() / 1048576.0, HEAP_AFTERWARDS_BYTES >> 20);
        assertThat(heap.getUsed())
                .as("used heap after a full collection, in bytes")
                .isLessThan(HEAP_AFTERWARDS_BYTES);
    }

    private static MemoryUsage usedHeapAfterCollection() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    }
}
