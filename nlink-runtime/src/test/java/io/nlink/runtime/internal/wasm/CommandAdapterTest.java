package io.nlink.runtime.internal.wasm;

import static io.nlink.runtime.Guests.obj;
import static io.nlink.runtime.Guests.wat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.Cancellation;
import io.nlink.runtime.Guests;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.batch.BatchSummary;
import io.nlink.runtime.wasm.InvalidModuleException;
import io.nlink.runtime.wasm.ModuleInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The adapter ABI for WASI command guests, proven with small hand-written commands (assembled by
 * wabt's wat2wasm): one {@code _start} serves many items over stdin and stdout, and every way a
 * guest can misbehave fails one item and retires the instance, within the sandbox's bounds.
 */
class CommandAdapterTest {
    /**
     * A command reading NDJSON lines 16 bytes at a time into a buffer at 4096, counting items in
     * {@code $count}; {@code START} runs before the first read, {@code ITEM} per line (its
     * length, newline excluded, in {@code $len}). Helpers write to stdout in pieces, so the host
     * must assemble a line from several fd_write calls.
     */
    private static final String COMMAND = """
            (module
              (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") 4 8)
              (global $count (mut i32) (i32.const 0))
              (data (i32.const 100) "[{\\"json\\":{\\"n\\":")
              (data (i32.const 120) "}}]\\n")
              (data (i32.const 130) "not json\\n")
              (data (i32.const 140) "{\\"error\\":\\"nope\\"}\\n")
              (data (i32.const 160) "[{\\"json\\":")
              (data (i32.const 170) "}]\\n")
              (data (i32.const 180) "hello\\n")
              (data (i32.const 190) "log \\n")
              (data (i32.const 300) "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
              (func $read_line (result i32)
                (local $len i32) (local $n i32)
                (block $done
                  (loop $more
                    (if (i32.gt_u (local.get $len) (i32.const 200000)) (then unreachable))
                    (i32.store (i32.const 0) (i32.add (i32.const 4096) (local.get $len)))
                    (i32.store (i32.const 4) (i32.const 16))
                    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
                    (local.set $n (i32.load (i32.const 8)))
                    (if (i32.eqz (local.get $n)) (then (return (i32.const -1))))
                    (local.set $len (i32.add (local.get $len) (local.get $n)))
                    (br_if $done (i32.eq (i32.load8_u (i32.add (i32.const 4095) (local.get $len))) (i32.const 10)))
                    (br $more)))
                (i32.sub (local.get $len) (i32.const 1)))
              (func $write (param $fd i32) (param $ptr i32) (param $len i32)
                (i32.store (i32.const 0) (local.get $ptr))
                (i32.store (i32.const 4) (local.get $len))
                (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
              (func $write_count (param $fd i32)
                (local $v i32) (local $p i32)
                (local.set $v (global.get $count))
                (local.set $p (i32.const 216))
                (loop $digit
                  (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                  (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
                  (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
                  (br_if $digit (local.get $v)))
                (call $write (local.get $fd) (local.get $p) (i32.sub (i32.const 216) (local.get $p))))
              (func $answer_count
                (call $write (i32.const 1) (i32.const 100) (i32.const 14))
                (call $write_count (i32.const 1))
                (call $write (i32.const 1) (i32.const 120) (i32.const 4)))
              (func $spin (loop $forever (br $forever)))
              (func $start (export "_start")
                (local $len i32)
                START
                (loop $next
                  (local.set $len (call $read_line))
                  (if (i32.lt_s (local.get $len) (i32.const 0)) (then (return)))
                  (global.set $count (i32.add (global.get $count) (i32.const 1)))
                  ITEM
                  (br $next))))
            """;

    private static final String ANSWER = "(call $answer_count)";

    /** Answers like {@link #ANSWER}, except that on the {@code n}th item of an instance it does {@code instead}. */
    private static String onItem(int n, String instead) {
        return "(if (i32.eq (global.get $count) (i32.const " + n + ")) (then " + instead + ") (else " + ANSWER + "))";
    }

    private static String commandText(String start, String item) {
        return COMMAND.replace("START", start).replace("ITEM", item);
    }

    private static WasmNode command(String start, String item) throws InvalidModuleException {
        return Guests.ENGINE.load(wat(commandText(start, item)));
    }

    /** Keeps no spare instance, whose guest thread would be alive by design (ReadyInstances). */
    private static final WasmEngine NO_SPARES =
            new WasmEngine(WasmEngine.Options.DEFAULTS.withSpareIdle(Duration.ZERO));

    private static WasmNode command(String item) throws InvalidModuleException {
        return command("", item);
    }

    private static byte[] context(String json) {
        return ItemCodec.encodeContext(obj("{}"), obj(json));
    }

    /** Runs {@code count} items through a batch with continue-on-fail, returning the results and the summary. */
    private static BatchSummary batch(WasmNode node, SandboxLimits limits, int count, List<ItemResult> results) {
        List<JsonNode> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            items.add(obj("{\"i\":" + i + "}"));
        }
        try (BatchRunner batch =
                new BatchRunner(node, limits, obj("{}"), BatchOptions.DEFAULTS.withContinueOnFail(true))) {
            batch.run(items.iterator(), results::add);
            return batch.summary();
        }
    }

    private static List<Integer> counts(List<ItemResult> results) {
        return results.stream()
                .map(r -> r.ok() ? r.items().get(0).get("n").asInt() : -1)
                .toList();
    }

    @Test
    void aCommandIsChosenByItsExportsAndServesManyItemsFromOneInstance() throws Exception {
        WasmNode node = command(ANSWER);
        assertThat(node.info().abi()).isEqualTo(ModuleInfo.Abi.COMMAND);
        List<ItemResult> results = new ArrayList<>();
        BatchSummary summary = batch(node, SandboxLimits.DEFAULTS, 50, results);
        assertThat(summary.instances()).isEqualTo(1);
        assertThat(summary.failures()).isZero();
        assertThat(counts(results))
                .isEqualTo(java.util.stream.IntStream.rangeClosed(1, 50).boxed().toList());
    }

    @Test
    void eachLaneGetsItsOwnCommandAndOutputKeepsInputOrder() throws Exception {
        List<JsonNode> items = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            items.add(obj("{\"i\":" + i + "}"));
        }
        WasmNode node = command("""
                (call $write (i32.const 1) (i32.const 160) (i32.const 9))
                (call $write (i32.const 1) (i32.const 4096) (local.get $len))
                (call $write (i32.const 1) (i32.const 170) (i32.const 3))""");
        List<ItemResult> results = new ArrayList<>();
        try (BatchRunner batch =
                new BatchRunner(node, SandboxLimits.DEFAULTS, obj("{}"), BatchOptions.DEFAULTS.withParallelism(2))) {
            batch.run(items.iterator(), results::add);
            assertThat(batch.summary().instances()).isEqualTo(2);
        }
        assertThat(results).extracting(r -> r.items().get(0).get("$json")).isEqualTo(items);
    }

    @Test
    void theGuestReadsTheContextExactlyAsTheCodecEncodedItEvenAcrossManyReads() throws Exception {
        WasmNode node = command("""
                (call $write (i32.const 1) (i32.const 160) (i32.const 9))
                (call $write (i32.const 1) (i32.const 4096) (local.get $len))
                (call $write (i32.const 1) (i32.const 170) (i32.const 3))""");
        String big = "x".repeat(100_000);
        try (WasmSandbox sandbox = node.newInstance(SandboxLimits.DEFAULTS)) {
            for (String input : List.of("{\"a\":1}", "{\"s\":\"日本\\nline\"}", "{\"big\":\"" + big + "\"}")) {
                ItemResult r = sandbox.call(0, ItemCodec.encodeContext(obj("{\"text\":\"t\"}"), obj(input)));
                assertThat(r.items()).containsExactly(obj("{\"params\":{\"text\":\"t\"},\"$json\":" + input + "}"));
            }
        }
    }

    @Test
    void aGuestThatExitsMidBatchFailsThatItemAndAFreshInstanceServesTheRest() throws Exception {
        WasmNode node = command(
                onItem(3, "(call $write (i32.const 2) (i32.const 180) (i32.const 6)) (call $proc_exit (i32.const 7))"));
        List<ItemResult> results = new ArrayList<>();
        BatchSummary summary = batch(node, SandboxLimits.DEFAULTS, 6, results);
        assertThat(counts(results)).containsExactly(1, 2, -1, 1, 2, -1);
        assertThat(results.get(2).failure().kind()).isEqualTo(Kind.EXIT);
        assertThat(results.get(2).failure().message())
                .isEqualTo("the node exited with code 7 while running _start; it said: hello");
        assertThat(summary.instances()).isEqualTo(2);
    }

    @Test
    void aGuestWhoseStartReturnsBetweenItemsFailsTheNextItem() throws Exception {
        WasmNode node = command("(call $answer_count) (return)");
        List<ItemResult> results = new ArrayList<>();
        batch(node, SandboxLimits.DEFAULTS, 3, results);
        assertThat(counts(results)).containsExactly(1, -1, 1);
        assertThat(results.get(1).failure().kind()).isEqualTo(Kind.EXIT);
        assertThat(results.get(1).failure().message()).startsWith("the node exited with code 0 (its _start returned)");
    }

    @Test
    void aGuestThatNeverAnswersIsStoppedByTheItemTimeoutAndNamed() throws Exception {
        WasmNode node = command(onItem(2, "(call $spin)"));
        SandboxLimits limits = SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofMillis(300));
        List<ItemResult> results = new ArrayList<>();
        long start = System.nanoTime();
        BatchSummary summary = batch(node, limits, 3, results);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(counts(results)).containsExactly(1, -1, 1);
        assertThat(results.get(1).failure().kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(results.get(1).failure().message())
                .isEqualTo(
                        "the node was stopped after running longer than its time limit of 300 ms while running _start in spin");
        assertThat(summary.instances()).isEqualTo(2);
    }

    @Test
    void aCallerCancellingASpinningCommandEndsItsItemWellBeforeTheBoundAndItsGuestThread() throws Exception {
        WasmNode node = command(onItem(2, "(call $spin)"));
        SandboxLimits limits = SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofSeconds(30));
        Cancellation token = new Cancellation();
        try (WasmSandbox sandbox = node.newInstance(limits)) {
            assertThat(sandbox.call(0, context("{}"), token).ok()).isTrue();
            Thread canceller = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    return;
                }
                token.cancel("stopped by the test");
            });
            canceller.start();
            long start = System.nanoTime();
            ItemResult spun = sandbox.call(1, context("{}"), token);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(spun.failure().kind()).isEqualTo(Kind.CANCELED);
            assertThat(spun.failure().message())
                    .isEqualTo("the call was canceled by its caller while running _start in spin"
                            + " (stopped by the test); the instance was discarded");
            assertThat(sandbox.usable()).isFalse();
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
            canceller.join();
        }
        // the spinning guest thread was stopped with the instance; a fresh one serves items
        try (WasmSandbox fresh = node.newInstance(limits)) {
            assertThat(fresh.call(0, context("{}")).ok()).isTrue();
        }
    }

    @Test
    void garbageOnStdoutIsABadResultAndRetiresTheInstance() throws Exception {
        WasmNode node = command(onItem(2, "(call $write (i32.const 1) (i32.const 130) (i32.const 9))"));
        List<ItemResult> results = new ArrayList<>();
        BatchSummary summary = batch(node, SandboxLimits.DEFAULTS, 3, results);
        assertThat(counts(results)).containsExactly(1, -1, 1);
        assertThat(results.get(1).failure().kind()).isEqualTo(Kind.BAD_RESULT);
        assertThat(results.get(1).failure().message())
                .startsWith("the node returned invalid JSON")
                .contains("not json");
        assertThat(summary.instances()).isEqualTo(2);
    }

    @Test
    void anOrderlyRefusalKeepsTheInstance() throws Exception {
        WasmNode node = command(onItem(2, "(call $write (i32.const 1) (i32.const 140) (i32.const 17))"));
        List<ItemResult> results = new ArrayList<>();
        BatchSummary summary = batch(node, SandboxLimits.DEFAULTS, 3, results);
        assertThat(counts(results)).containsExactly(1, -1, 3);
        assertThat(results.get(1).failure()).satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.NODE_ERROR);
            assertThat(f.message()).isEqualTo("nope");
        });
        assertThat(summary.instances()).isEqualTo(1);
    }

    @Test
    void aResultLinePastTheOutputLimitIsRefusedWithoutWaitingForItsEnd() throws Exception {
        // Item 2 writes 100-byte pieces with no newline, forever: the limit stops it, not the timeout.
        WasmNode node =
                command(onItem(2, "(loop $l (call $write (i32.const 1) (i32.const 300) (i32.const 100)) (br $l))"));
        SandboxLimits limits = SandboxLimits.DEFAULTS.withMaxOutputBytes(1000).withItemTimeout(Duration.ofSeconds(20));
        List<ItemResult> results = new ArrayList<>();
        long start = System.nanoTime();
        batch(node, limits, 3, results);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(counts(results)).containsExactly(1, -1, 1);
        assertThat(results.get(1).failure().kind()).isEqualTo(Kind.OUTPUT_TOO_LARGE);
        assertThat(results.get(1).failure().message())
                .isEqualTo("the node wrote a result line longer than the sandbox's output limit of 1000 bytes");
    }

    @Test
    void readingAgainBeforeAnsweringFailsTheItemAtOnce() throws Exception {
        WasmNode node = command(onItem(1, "(drop (call $read_line))"));
        List<ItemResult> results = new ArrayList<>();
        long start = System.nanoTime();
        batch(node, SandboxLimits.DEFAULTS, 2, results);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(results.get(0).failure().kind()).isEqualTo(Kind.BAD_RESULT);
        assertThat(results.get(0).failure().message()).contains("asked for more input before writing a result line");
    }

    @Test
    void aSecondLineForOneContextFailsTheNextItem() throws Exception {
        WasmNode node = command(onItem(1, "(call $answer_count) (call $answer_count)"));
        List<ItemResult> results = new ArrayList<>();
        BatchSummary summary = batch(node, SandboxLimits.DEFAULTS, 3, results);
        assertThat(counts(results)).containsExactly(1, -1, 1);
        assertThat(results.get(1).failure().kind()).isEqualTo(Kind.BAD_RESULT);
        assertThat(results.get(1).failure().message())
                .contains("outside an item's answer")
                .contains("it wrote \"[{\"json\":{\"n\":");
        assertThat(summary.instances()).isEqualTo(2);
    }

    @Test
    void writingToStdoutAtStartUpFailsTheStart() throws Exception {
        WasmNode node = command("(call $write (i32.const 1) (i32.const 180) (i32.const 6))", ANSWER);
        assertThatThrownBy(() -> node.newInstance(SandboxLimits.DEFAULTS))
                .isInstanceOfSatisfying(SandboxException.class, e -> {
                    assertThat(e.failure().kind()).isEqualTo(Kind.INSTANTIATION);
                    assertThat(e.failure().message())
                            .contains("wrote to stdout while starting")
                            .contains("\"hello\\n\"");
                });
    }

    @Test
    void aCommandThatEndsWithoutReadingIsToldHowToBuildANode() throws Exception {
        WasmNode node = command("(return)", ANSWER);
        assertThatThrownBy(() -> node.newInstance(SandboxLimits.DEFAULTS))
                .isInstanceOfSatisfying(SandboxException.class, e -> {
                    assertThat(e.failure().kind()).isEqualTo(Kind.INSTANTIATION);
                    assertThat(e.failure().message())
                            .startsWith("the node exited with code 0 (its _start returned) while starting")
                            .contains("reads its contexts from stdin")
                            .contains("-buildmode=c-shared");
                });
    }

    @Test
    void aStartThatNeverReadsIsStoppedByTheInitBound() throws Exception {
        WasmNode node = command("(call $spin)", ANSWER);
        SandboxLimits limits = SandboxLimits.DEFAULTS.withInitTimeout(Duration.ofMillis(300));
        assertThatThrownBy(() -> node.newInstance(limits)).isInstanceOfSatisfying(SandboxException.class, e -> {
            assertThat(e.failure().kind()).isEqualTo(Kind.INSTANTIATION);
            assertThat(e.failure().message())
                    .contains("time limit of 300 ms while starting")
                    .contains("in spin");
        });
    }

    @Test
    void stderrIsEachItemsOwnLogAndStartUpLogsComeWithTheFirstItem() throws Exception {
        WasmNode node = command(
                "(call $write (i32.const 2) (i32.const 180) (i32.const 6))",
                "(call $write (i32.const 2) (i32.const 190) (i32.const 4)) (call $write_count (i32.const 2))"
                        + " (call $write (i32.const 2) (i32.const 194) (i32.const 1)) " + ANSWER);
        List<ItemResult> results = new ArrayList<>();
        batch(node, SandboxLimits.DEFAULTS, 3, results);
        assertThat(results).extracting(ItemResult::stderr).containsExactly("hello\nlog 1\n", "log 2\n", "log 3\n");
        assertThat(results).extracting(ItemResult::stdout).containsOnly("");
    }

    @Test
    void trapsAndMemoryPastTheCapFailOneItem() throws Exception {
        List<ItemResult> results = new ArrayList<>();
        batch(command(onItem(2, "unreachable")), SandboxLimits.DEFAULTS, 3, results);
        assertThat(counts(results)).containsExactly(1, -1, 1);
        assertThat(results.get(1).failure().kind()).isEqualTo(Kind.TRAP);
        assertThat(results.get(1).failure().message())
                .contains("while running _start")
                .contains("unreachable");

        results.clear();
        batch(
                command(onItem(2, "(drop (memory.grow (i32.const 100))) unreachable")),
                SandboxLimits.DEFAULTS.withMemoryPages(6),
                3,
                results);
        assertThat(results.get(1).failure().kind()).isEqualTo(Kind.MEMORY_LIMIT);
    }

    @Test
    void closingStopsTheGuestThread() throws Exception {
        // Guest threads of other tests' nodes may be alive: their spare instances wait for work.
        List<String> before = Collections.list(threadNames());
        WasmNode node = NO_SPARES.load(wat(commandText("", ANSWER)));
        for (int i = 0; i < 3; i++) {
            try (WasmSandbox sandbox = node.newInstance(SandboxLimits.DEFAULTS)) {
                assertThat(sandbox.call(0, context("{}")).ok()).isTrue();
            }
        }
        WasmNode spinning = NO_SPARES.load(wat(commandText("", onItem(1, "(call $spin)"))));
        try (WasmSandbox sandbox =
                spinning.newInstance(SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofMillis(100)))) {
            assertThat(sandbox.call(0, context("{}")).failure().kind()).isEqualTo(Kind.TIMEOUT);
        }
        assertThat(Collections.list(threadNames()))
                .noneMatch(name -> name.startsWith("nlink-command-guest-") && !before.contains(name));
    }

    private static java.util.Enumeration<String> threadNames() {
        return Collections.enumeration(Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .toList());
    }

    @Test
    void modulesWithNeitherEntryOrACommandThatCannotReadAreRefusedClearly() {
        assertThat(problems("(module (memory 1) (func (export \"run\")))"))
                .containsExactly(
                        "exports neither execute_node(i32, i32) -> i64 (a reactor node) nor _start (a WASI command node,"
                                + " run through the adapter ABI): see docs/abi.md");
        assertThat(problems(
                        "(module (import \"wasi_snapshot_preview1\" \"fd_write\" (func (param i32 i32 i32 i32) (result i32)))"
                                + " (memory 1) (func (export \"_start\")))"))
                .singleElement()
                .asString()
                .contains("it imports no fd_read")
                .contains("reads NDJSON contexts from stdin");
        assertThat(problems(COMMAND.replace("START", "")
                        .replace("ITEM", "")
                        .replace("(func $start (export \"_start\")", "(func $start (export \"_start\") (param i32)")))
                .containsExactly("exports _start(i32) -> (), expected _start() -> ()");
    }

    private static List<String> problems(String text) {
        try {
            Guests.ENGINE.load(wat(text));
        } catch (InvalidModuleException e) {
            return e.problems();
        }
        throw new AssertionError("the module loaded, but should have been refused");
    }
}
