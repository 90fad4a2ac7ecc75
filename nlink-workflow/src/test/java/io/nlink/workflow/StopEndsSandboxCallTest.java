package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop ends the sandbox call under way, not only what comes after it: a community node spinning
 * in wasm, a Code node's {@code while(true){}} (all items at once, and per item), an expression
 * that never returns, and the same inside a sub-workflow, each under a 30 s item bound, end
 * within seconds of the stop, recorded as {@code canceled}.
 */
class StopEndsSandboxCallTest {
    /** The bound no case may reach: a run that ends near it was not cut short. */
    private static final SandboxLimits LIMITS = SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofSeconds(30));

    /** "Well before the bound", generous for a loaded two-core machine. */
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    /** How long after its node starts the stop comes: the sandbox call is surely under way by then. */
    private static final long STOP_AFTER_MILLIS = 400;

    private static final ScheduledExecutorService STOPPER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-stopper");
        t.setDaemon(true);
        return t;
    });

    /** A reactor node whose execute_node spins for ever. */
    private static final String SPINNING_NODE = """
            (module
              (memory (export "memory") 1 16)
              (global $bump (mut i32) (i32.const 1024))
              (func (export "allocate") (param $n i32) (result i32) (local $p i32)
                (local.set $p (global.get $bump))
                (global.set $bump (i32.add (global.get $bump) (local.get $n)))
                (local.get $p))
              (func (export "deallocate") (param i32 i32))
              (func $spin (export "execute_node") (param i32 i32) (result i64)
                (loop $forever (br $forever))
                unreachable))
            """;

    static WorkflowEngine engine;

    @BeforeAll
    static void engine(@TempDir Path dir) throws Exception {
        Path spin = Files.createDirectories(dir.resolve("spin"));
        Files.writeString(spin.resolve("package.json"), """
                {"name": "nlink-community.spin", "version": "1.0.0", "description": "Spins for ever.",
                 "license": "MIT", "keywords": ["nlink-community-node"]}
                """);
        Files.writeString(spin.resolve("definition.json"), """
                {"name": "spin", "displayName": "Spin", "description": "Spins for ever.", "version": 1,
                 "inputs": ["main"], "outputs": ["main"], "properties": []}
                """);
        Files.write(spin.resolve("execution.wasm"), wat2wasm(dir, SPINNING_NODE));
        engine = new WorkflowEngine(new PackageResolver(Fixtures.RUNTIME, LIMITS, List.of(spin)), Fixtures.JS, LIMITS);
    }

    @AfterAll
    static void stopper() {
        STOPPER.shutdownNow();
    }

    private static byte[] wat2wasm(Path dir, String text) throws Exception {
        Path source = dir.resolve("spin.wat");
        Path output = dir.resolve("spin.wasm");
        Files.writeString(source, text);
        Process p = new ProcessBuilder("wat2wasm", source.toString(), "-o", output.toString())
                .redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("wat2wasm: %s", log).isZero();
        return Files.readAllBytes(output);
    }

    /**
     * Runs a Manual Trigger then {@code nodes} on two items, stopping the run {@link
     * #STOP_AFTER_MILLIS} after node {@code stopIn} starts; checks that the run ended promptly
     * after the stop, canceled at {@code stopIn}, with nothing after it run.
     */
    private static Execution stopWhileIn(String stopIn, String... nodes) throws Exception {
        RunControl[] control = new RunControl[1];
        long[] stoppedAt = new long[1];
        control[0] = new RunControl(
                new RunControl.Listener() {
                    @Override
                    public void nodeStarted(String node, List<Integer> itemsIn) {
                        if (!node.equals(stopIn)) return;
                        STOPPER.schedule(
                                () -> {
                                    stoppedAt[0] = System.nanoTime();
                                    control[0].stop("stopped by the test");
                                },
                                STOP_AFTER_MILLIS,
                                TimeUnit.MILLISECONDS);
                    }
                },
                Map.of());
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(nodes)),
                null,
                Fixtures.items("[{\"n\": 1}, {\"n\": 2}]"),
                r -> {},
                control[0]);
        long ended = System.nanoTime();
        assertThat(stoppedAt[0]).as("the stop came while the node ran").isNotZero();
        assertThat(Duration.ofNanos(ended - stoppedAt[0]))
                .as("ended soon after the stop, well before the 30 s bound")
                .isLessThan(PROMPTLY);
        assertThat(run.status()).isEqualTo(Execution.Status.CANCELED);
        assertThat(run.errorNode()).isEqualTo(stopIn);
        assertThat(run.error()).contains("stopped by the test");
        assertThat(run.node(stopIn).status()).isEqualTo("canceled");
        assertThat(run.nodes()).extracting(Execution.NodeRecord::name).doesNotContain("After");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        return run;
    }

    private static final String AFTER = "{\"name\": \"After\", \"type\": \"n8n-nodes-base.noOp\", \"parameters\": {}}";

    private static String code(String name, String mode, String js) {
        return "{\"name\": \"" + name + "\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"mode\": \"" + mode
                + "\", \"jsCode\": " + Json.MAPPER.valueToTree(js) + "}}";
    }

    @Test
    void aCommunityNodeSpinningInWasmIsCanceledAtOnce() throws Exception {
        Execution run = stopWhileIn(
                "Spin", "{\"name\": \"Spin\", \"type\": \"nlink-community.spin\", \"parameters\": {}}", AFTER);
        assertThat(run.node("Spin").runtime()).isEqualTo("wasm");
        // the item under way was not recorded as the node's own failure
        assertThat(run.node("Spin").itemErrors()).isEmpty();
    }

    @Test
    void aCodeNodeLoopingOverAllItemsIsCanceledAtOnce() throws Exception {
        stopWhileIn("Code", code("Code", "runOnceForAllItems", "while (true) {}\nreturn items;"), AFTER);
    }

    @Test
    void aCodeNodeLoopingOnOneItemIsCanceledAndTheNextItemNeverRuns() throws Exception {
        Execution run = stopWhileIn(
                "Code", code("Code", "runOnceForEachItem", "while ($json.n === 1) {}\nreturn $json;"), AFTER);
        assertThat(run.node("Code").itemErrors()).isEmpty();
    }

    @Test
    void anExpressionThatNeverReturnsIsCanceledAtOnce() throws Exception {
        String set = "{\"name\": \"Set\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"parameters\": {"
                + "\"assignments\": {\"assignments\": [{\"name\": \"x\", \"value\": \"={{ (() => { while (true) {} })() }}\","
                + " \"type\": \"string\"}]}}}";
        stopWhileIn("Set", set, AFTER);
    }

    @Test
    void aSubWorkflowsLoopingCodeNodeEndsWithItsCallersStop() throws Exception {
        String sub =
                "{\"name\": \"sub\", \"nodes\": [{\"name\": \"In\", \"type\": \"n8n-nodes-base.executeWorkflowTrigger\","
                        + " \"parameters\": {}}, " + code("Loop", "runOnceForAllItems", "while (true) {}") + "],"
                        + " \"connections\": {\"In\": {\"main\": [[{\"node\": \"Loop\", \"index\": 0}]]}}}";
        String call = "{\"name\": \"Call\", \"type\": \"n8n-nodes-base.executeWorkflow\", \"parameters\": {"
                + "\"source\": \"parameter\", \"workflowJson\": " + Json.MAPPER.valueToTree(sub) + "}}";
        stopWhileIn("Call", call, AFTER);
    }
}
