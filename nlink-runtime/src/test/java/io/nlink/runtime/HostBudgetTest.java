package io.nlink.runtime;

import static io.nlink.runtime.HostileWat.assemble;
import static io.nlink.runtime.HostileWat.node;
import static io.nlink.runtime.HostileWat.okBody;
import static io.nlink.runtime.HostileWat.okData;
import static io.nlink.runtime.HostileWat.returning;
import static io.nlink.runtime.HostileWat.withImports;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.internal.ReadyMemory;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.internal.wasm.WasmSandbox;
import io.nlink.runtime.json.Json;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The host's heap and time against guests that aim at them through every route besides linear
 * memory 0: more memories, tables declared and grown, globals, WASI calls sized by the guest,
 * host calls that block, and interpreted recursion (docs/limits.md, "What one instance costs the
 * host"). Maven runs this class alone in a JVM of {@code -Xmx256m -XX:+ExitOnOutOfMemoryError}
 * (nlink-runtime/pom.xml, execution {@code small-heap}): one OutOfMemoryError anywhere ends that
 * JVM and fails the build, so every case below shows the heap held, not just the item's outcome.
 */
@EnabledIf(value = "inASmallHeap", disabledReason = "runs in the small-heap execution (-Xmx256m), see the pom")
class HostBudgetTest {
    /** Maven's small-heap execution runs this class; in a big heap the bound acts too late to test in seconds. */
    static boolean inASmallHeap() {
        return Runtime.getRuntime().maxMemory() <= 256L << 20;
    }

    private static final WasmEngine ENGINE = new WasmEngine();
    private static final SandboxLimits LIMITS =
            SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofMillis(300)).withInitTimeout(Duration.ofSeconds(5));
    private static final byte[] CONTEXT = ItemCodec.encodeContext(obj("{}"), obj("{}"));
    private static final String WASI = "wasi_snapshot_preview1";

    private static JsonNode obj(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ItemResult callOnce(String wat, String... flags) throws Exception {
        return callOnce(ENGINE.load(assemble(wat, flags)), LIMITS);
    }

    private static ItemResult callOnce(WasmNode node, SandboxLimits limits) throws Exception {
        try (WasmSandbox sandbox = node.newInstance(limits)) {
            return sandbox.call(0, CONTEXT);
        }
    }

    private static List<String> problems(String wat, String... flags) {
        return HostileWat.problems(ENGINE, wat, flags);
    }

    private static String imports(String... functions) {
        StringBuilder sb = new StringBuilder();
        for (String f : functions) {
            sb.append(
                    switch (f) {
                        case "fd_write", "fd_read" ->
                            "(import \"" + WASI + "\" \"" + f + "\" (func $" + f
                                    + " (param i32 i32 i32 i32) (result i32)))";
                        case "random_get" ->
                            "(import \"" + WASI + "\" \"random_get\" (func $random_get (param i32 i32) (result i32)))";
                        case "poll_oneoff" ->
                            "(import \"" + WASI
                                    + "\" \"poll_oneoff\" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))";
                        default -> throw new IllegalArgumentException(f);
                    });
        }
        return sb.toString();
    }

    /** Traps unless the expression's i32 equals {@code expected}: the guest checks what the host answered. */
    private static String expect(String expression, int expected) {
        return "(if (i32.ne " + expression + " (i32.const " + expected + ")) (then unreachable))\n";
    }

    @AfterAll
    static void theHostStayedWithinItsHeapAndStillServes() throws Exception {
        assertThat(callOnce(returning(HostileWat.OK)).items()).containsExactly(obj("{\"ok\":true}"));
        assertThat(WasmSandbox.hostFaults())
                .as("no item of this class was a host fault")
                .isZero();
    }

    // ---------------------------------------------------------------- memories, tables, globals

    @Test
    void aSecondMemoryIsRefusedAtLoad() {
        String wat = node("(memory (export \"memory\") 1 512) (memory $second 512 512)", okBody(), okData());
        assertThat(problems(wat, "--enable-multi-memory"))
                .containsExactly("declares 2 memories (the multi-memory proposal); a node has exactly one,"
                        + " the one the host caps at 32 MiB and passes items through");
    }

    @Test
    void tablesDeclaredBeyondTheBudgetAreRefusedAtLoad() {
        assertThat(problems(node(okBody(), okData() + "(table 300000 funcref)")))
                .containsExactly("declares tables of 300000 entries in all, more than the sandbox's 262144"
                        + " (each entry costs the host memory per instance)");
        // ten tables of 9,000,000: each under the parser's own limit, together far over the budget
        assertThat(problems(node(okBody(), okData() + "(table 9000000 funcref)".repeat(10))))
                .singleElement()
                .asString()
                .startsWith("declares tables of 90000000 entries in all");
        assertThat(problems(node(okBody(), okData() + "(table 0 funcref)".repeat(17))))
                .containsExactly("declares 17 tables, more than the sandbox's 16");
    }

    @Test
    void aTableGrowPastTheBudgetIsRefusedInsideTheGuestAndTablesTogetherShareIt() throws Exception {
        String body = expect("(table.grow $a (ref.null func) (i32.const 200000))", 1)
                // 200,001 of 262,144 used: the second table gets what is left and no more
                + expect("(table.grow $b (ref.null func) (i32.const 70000))", -1)
                + expect("(table.grow $b (ref.null func) (i32.const 62142))", 1)
                + expect("(table.grow $a (ref.null func) (i32.const 1))", -1)
                + okBody();
        ItemResult r = callOnce(node(body, okData() + "(table $a 1 funcref) (table $b 1 funcref)"));
        assertThat(r.items()).containsExactly(obj("{\"ok\":true}"));
    }

    @Test
    void aTableGrownInOneInstanceStartsAtItsDeclaredSizeInTheNext() throws Exception {
        // the engine kept a grown size in the module's shared limits: each batch started larger
        String body =
                expect("(table.size $t)", 1) + "(drop (table.grow $t (ref.null func) (i32.const 100000))) " + okBody();
        WasmNode node = ENGINE.load(assemble(node(body, okData() + "(table $t 1 funcref)")));
        for (int batch = 0; batch < 5; batch++) {
            assertThat(callOnce(node, LIMITS).items()).as("batch " + batch).containsExactly(obj("{\"ok\":true}"));
        }
    }

    @Test
    void tooManyGlobalsAreRefusedAtLoad() {
        String globals = "(global i32 (i32.const 0))".repeat(70_000);
        assertThat(problems(node(okBody(), okData() + globals))) // and the skeleton's own
                .containsExactly("declares 70001 globals, more than the sandbox's 65536");
    }

    @Test
    void sparesOfManyBigNodesTogetherStayWithinTheReadyMemoryBudget() throws Exception {
        // Each node keeps a started instance (its whole memory) ready for its next batch; twelve
        // nodes of 32 MiB would hold 384 MiB in this 256 MiB JVM. ReadyMemory keeps them to an eighth.
        for (int i = 0; i < 12; i++) {
            String wat = node(
                    "(memory (export \"memory\") 512 512)", okBody(), okData() + "(global i32 (i32.const " + i + "))");
            assertThat(callOnce(wat).items()).as("node " + i).containsExactly(obj("{\"ok\":true}"));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        long before;
        do { // the warmer starts the spares in the background: wait until it has stopped adding
            before = ReadyMemory.held();
            Thread.sleep(200);
        } while (ReadyMemory.held() != before && System.nanoTime() < deadline);
        assertThat(ReadyMemory.held()).isPositive().isLessThanOrEqualTo(ReadyMemory.budget());
        assertThat(ReadyMemory.budget()).isEqualTo((256L << 20) / 8);
    }

    // ---------------------------------------------------------------- WASI sized by the guest

    @Test
    void anFdReadOfNearlyTwoGibibytesReadsNothingAndAllocatesNothing() throws Exception {
        // iovecs of 0x7FFFFFF0 and 0x80000000 bytes: the engine's fd_read allocated the first and
        // threw NegativeArraySizeException on the second, escaping the item
        for (String length : List.of("0x7FFFFFF0", "0x80000000", "0xFFFFFFFF")) {
            String iov = "(i32.store (i32.const 1024) (i32.const 2048)) (i32.store (i32.const 1028) (i32.const "
                    + length + "))\n";
            String body = iov
                    + expect("(call $fd_read (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 1100))", 0)
                    + expect("(i32.load (i32.const 1100))", 0) // end of file: nothing read
                    + expect(
                            "(call $fd_read (i32.const 7) (i32.const 1024) (i32.const 1) (i32.const 1100))", 8) // EBADF
                    + okBody();
            ItemResult r = callOnce(withImports(node(body, okData()), imports("fd_read")));
            assertThat(r.items()).as(length).containsExactly(obj("{\"ok\":true}"));
        }
    }

    @Test
    void anFdWriteOfSixtyThreeTimesThirtyTwoMebibytesIsCutAtTheLogBoundAtOnce() throws Exception {
        // 63 iovecs over the whole 32 MiB memory: 2,016 MiB "written"; the host keeps 64 KiB and
        // copies nothing more (before: every byte copied, a 32 MiB array per iovec)
        StringBuilder iovs = new StringBuilder();
        for (int i = 0; i < 63; i++) {
            iovs.append("(i32.store (i32.const ")
                    .append(1024 + i * 8)
                    .append(") (i32.const 0))")
                    .append("(i32.store (i32.const ")
                    .append(1028 + i * 8)
                    .append(") (i32.const 0x2000000))\n");
        }
        String body = iovs
                + expect("(call $fd_write (i32.const 1) (i32.const 1024) (i32.const 63) (i32.const 2000))", 0)
                + expect("(i32.load (i32.const 2000))", 63 * 0x2000000)
                + okBody();
        long start = System.nanoTime();
        ItemResult r = callOnce(
                withImports(node("(memory (export \"memory\") 512 512)", body, okData()), imports("fd_write")));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.items()).containsExactly(obj("{\"ok\":true}"));
        assertThat(r.logsTruncated()).isTrue();
        assertThat(r.stdout()).hasSize(SandboxLimits.DEFAULTS.maxLogBytes());
        assertThat(ms).as("ms for 2 GiB of iovecs").isLessThan(2_000);
    }

    @Test
    void anFdWriteOfAMillionIovecsOrOverTwoGibibytesIsEinval() throws Exception {
        StringBuilder iovs = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            iovs.append("(i32.store (i32.const ").append(1028 + i * 8).append(") (i32.const 0x2000000))");
        }
        String body = iovs
                + expect("(call $fd_write (i32.const 1) (i32.const 1024) (i32.const 1000000) (i32.const 2000))", 28)
                + expect("(call $fd_write (i32.const 2) (i32.const 1024) (i32.const 64) (i32.const 2000))", 28)
                + okBody();
        ItemResult r = callOnce(
                withImports(node("(memory (export \"memory\") 512 512)", body, okData()), imports("fd_write")));
        assertThat(r.items()).containsExactly(obj("{\"ok\":true}"));
    }

    @Test
    void aLoopOfHugeRandomGetsStopsWithinAHundredMillisecondsOfTheBound() throws Exception {
        String body =
                "(loop $again (drop (call $random_get (i32.const 0) (i32.const 0x2000000))) (br $again)) " + okBody();
        assertStoppedInTime(
                withImports(node("(memory (export \"memory\") 512 512)", body, okData()), imports("random_get")));
    }

    @Test
    void aPollOneoffSleepingForAnHourStopsWithinAHundredMillisecondsOfTheBound() throws Exception {
        // one clock subscription (relative, monotonic) of an hour
        String sub = "(i64.store (i32.const 1024) (i64.const 7))" // userdata
                + "(i32.store8 (i32.const 1032) (i32.const 0))" // EVENT_CLOCK
                + "(i32.store (i32.const 1040) (i32.const 1))" // CLOCK_MONOTONIC
                + "(i64.store (i32.const 1048) (i64.const 3600000000000))";
        String body =
                sub + " (drop (call $poll_oneoff (i32.const 1024) (i32.const 2048) (i32.const 1) (i32.const 3000))) "
                        + okBody();
        assertStoppedInTime(withImports(node(body, okData()), imports("poll_oneoff")));
    }

    @Test
    void aShortPollOneoffSleepsAndReportsItsClockEvent() throws Exception {
        String sub = "(i64.store (i32.const 1024) (i64.const 7))"
                + "(i32.store8 (i32.const 1032) (i32.const 0))"
                + "(i32.store (i32.const 1040) (i32.const 1))"
                + "(i64.store (i32.const 1048) (i64.const 20000000))"; // 20 ms
        String body = sub
                + expect("(call $poll_oneoff (i32.const 1024) (i32.const 2048) (i32.const 1) (i32.const 3000))", 0)
                + expect("(i32.load (i32.const 3000))", 1) // one event
                + expect("(i32.wrap_i64 (i64.load (i32.const 2048)))", 7) // its userdata
                + okBody();
        long start = System.nanoTime();
        ItemResult r = callOnce(withImports(node(body, okData()), imports("poll_oneoff")));
        assertThat(r.items()).containsExactly(obj("{\"ok\":true}"));
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(20_000_000L);
    }

    private static void assertStoppedInTime(String wat) throws Exception {
        SandboxLimits limits = LIMITS.withItemTimeout(Duration.ofMillis(200));
        WasmNode node = ENGINE.load(assemble(wat));
        try (WasmSandbox sandbox = node.newInstance(limits)) {
            long start = System.nanoTime();
            ItemResult r = sandbox.call(0, CONTEXT);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.failure().kind()).isEqualTo(Kind.TIMEOUT);
            assertThat(ms).as("ms until stopped, for a bound of 200 ms").isBetween(200L, 300L);
        }
    }

    // ---------------------------------------------------------------- the interpreter

    /** A node whose execute_node calls a function too large to compile, recursing {@code depth} deep. */
    private static String interpretedRecursion(int locals, String depth) {
        StringBuilder body = new StringBuilder("(func $deep (param $d i32) (result i32) (local $x i32)");
        body.append(" (local i64)".repeat(locals));
        body.append("\n(if (local.get $d) (then (drop (call $deep (i32.sub (local.get $d) (i32.const 1))))))\n");
        for (int i = 0; i < 20_000; i++) { // too large for one JVM method
            body.append("local.get $x i32.const ").append(i & 0xFF).append(" i32.xor local.set $x\n");
        }
        body.append("local.get $x)\n").append(okData());
        return node("(drop (call $deep (i32.const " + depth + "))) " + okBody(), body.toString());
    }

    @Test
    void anInterpretedFunctionWithAHugeFrameIsRefusedAtLoad() {
        // 50,000 locals, recursing: about 1 MB of host heap per call, which ended a 256 MiB JVM
        assertThat(problems(interpretedRecursion(50_000, "1000000")))
                .containsExactly("function 3 runs in the interpreter (it is too large to compile) and declares 50002"
                        + " parameters and locals, more than the 128 an interpreted function may have (each call costs"
                        + " host memory per slot): split the function or build with optimisation");
    }

    @Test
    void unboundedInterpretedRecursionWithinTheFrameBudgetEndsAsATrap() throws Exception {
        WasmNode node = ENGINE.load(assemble(interpretedRecursion(120, "1000000")));
        assertThat(node.interpretedFunctions()).hasSize(1);
        ItemResult r = callOnce(node, LIMITS.withItemTimeout(Duration.ofSeconds(30)));
        assertThat(r.failure().kind()).isEqualTo(Kind.TRAP);
        assertThat(r.failure().message()).contains("exhausted the call stack");
    }
}
