package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static io.nlink.runtime.HostileWat.assemble;
import static io.nlink.runtime.HostileWat.node;
import static io.nlink.runtime.HostileWat.okBody;
import static io.nlink.runtime.HostileWat.okData;
import static io.nlink.runtime.HostileWat.withImports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.batch.BatchSummary;
import io.nlink.runtime.internal.Watchdog;
import io.nlink.runtime.internal.js.JsEngine;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A caller's {@link Cancellation} ends a sandbox call under way long before its time bound: a
 * compiled guest spinning in wasm, one looping around WASI calls, one asleep in {@code
 * poll_oneoff}, a JavaScript {@code while(true){}}; each under a 30 s bound, cancelled from another
 * thread, must end within a couple of seconds (the machine is shared and loaded; the cancel itself
 * takes about a millisecond) as {@code CANCELED}, and the host then serves a good item.
 */
class CancellationTest {
    private static final WasmEngine ENGINE = new WasmEngine(WasmEngine.Options.DEFAULTS.withSpareIdle(Duration.ZERO));
    private static final JsEngine JS = new JsEngine(Duration.ZERO);

    /** A bound no test should come near: a call that ends at it was not cancelled. */
    private static final SandboxLimits LIMITS = SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofSeconds(30));

    /** "Well before the bound": generous for a loaded 2-core machine, far below 30 s. */
    private static final Duration PROMPTLY = Duration.ofSeconds(3);

    private static final ScheduledExecutorService CANCELLER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-canceller");
        t.setDaemon(true);
        return t;
    });

    @AfterAll
    static void shutDown() {
        CANCELLER.shutdownNow();
        JS.close();
    }

    /** Spins in wasm when the item's context is long (it has "spin" in it), answers ok otherwise. */
    private static final String SPINS_ON_LONG_ITEMS = node(
            "(if (i32.gt_u (local.get $len) (i32.const 40)) (then (loop $spin (br $spin)))) " + okBody(), okData());

    private static final byte[] SHORT = ItemCodec.encodeContext(obj("{}"), obj("{}"));
    private static final byte[] LONG =
            ItemCodec.encodeContext(obj("{}"), obj("{\"spin\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}"));

    private static WasmNode load(String wat) throws Exception {
        return ENGINE.load(assemble(wat));
    }

    /** Cancels {@code token} from another thread after {@code millis}, once the call is surely under way. */
    private static void cancelLater(Cancellation token, long millis) {
        CANCELLER.schedule(() -> token.cancel("stopped by the test"), millis, TimeUnit.MILLISECONDS);
    }

    /** Calls {@code context} on a fresh instance of {@code node}, cancelled after 300 ms; checks the outcome. */
    private static ItemResult callCancelled(NodeExecutable node, byte[] context) throws Exception {
        Cancellation token = new Cancellation();
        try (NodeInstance instance = node.newInstance(LIMITS)) {
            cancelLater(token, 300);
            long start = System.nanoTime();
            ItemResult result = instance.call(0, context, token);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).as("ended well before its 30 s bound").isLessThan(PROMPTLY);
            assertThat(took).as("ran until it was cancelled").isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(result.failure()).isNotNull();
            assertThat(result.failure().kind()).isEqualTo(Kind.CANCELED);
            assertThat(instance.usable())
                    .as("an interrupted instance is never reused")
                    .isFalse();
            assertThat(Thread.currentThread().isInterrupted())
                    .as("no interrupt leaks into the caller")
                    .isFalse();
            return result;
        }
    }

    private static void servesAGoodItem(NodeExecutable node) throws Exception {
        try (NodeInstance fresh = node.newInstance(LIMITS)) {
            assertThat(fresh.call(1, SHORT).items()).containsExactly(obj("{\"ok\":true}"));
        }
    }

    @Test
    void aSpinningWasmGuestEndsAsCanceledAndTheNodeServesTheNextItem() throws Exception {
        WasmNode node = load(SPINS_ON_LONG_ITEMS);
        ItemResult result = callCancelled(node, LONG);
        assertThat(result.failure().message())
                .isEqualTo("the call was canceled by its caller while running execute_node in execute_node"
                        + " (stopped by the test); the instance was discarded");
        assertThat(result.failure().kind().discardsInstance()).isTrue();
        servesAGoodItem(node);
        assertThat(Watchdog.armedCount()).isZero();
    }

    @Test
    void aGuestLoopingAroundClockTimeGetEndsAsCanceled() throws Exception {
        // its time goes to host code (clock_time_get), which checks the interrupt as a wasm loop does
        WasmNode node = load(
                withImports(
                        node(
                                "(if (i32.gt_u (local.get $len) (i32.const 40)) (then (loop $spin (drop (call $clock"
                                        + " (i32.const 1) (i64.const 0) (i32.const 64))) (br $spin)))) " + okBody(),
                                okData()),
                        "(import \"wasi_snapshot_preview1\" \"clock_time_get\" (func $clock (param i32 i64 i32) (result i32)))"));
        assertThat(callCancelled(node, LONG).failure().message()).contains("(stopped by the test)");
        servesAGoodItem(node);
    }

    @Test
    void aGuestAsleepInPollOneoffForAnHourEndsAsCanceled() throws Exception {
        // one relative monotonic clock subscription of an hour, written at 1024; events at 2048
        String sleepAnHour = "(i64.store (i32.const 1024) (i64.const 7))"
                + "(i32.store8 (i32.const 1032) (i32.const 0))"
                + "(i32.store (i32.const 1040) (i32.const 1))"
                + "(i64.store (i32.const 1048) (i64.const 3600000000000))"
                + "(drop (call $poll_oneoff (i32.const 1024) (i32.const 2048) (i32.const 1) (i32.const 3000)))";
        WasmNode node = load(withImports(
                node(
                        "(if (i32.gt_u (local.get $len) (i32.const 40)) (then " + sleepAnHour + ")) " + okBody(),
                        okData()),
                "(import \"wasi_snapshot_preview1\" \"poll_oneoff\""
                        + " (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))"));
        callCancelled(node, LONG);
        servesAGoodItem(node);
    }

    @Test
    void aJavaScriptWhileTrueEndsAsCanceled() throws Exception {
        NodeExecutable script = JS.load("""
                function execute_node(input) {
                  if (input.$json.spin) { while (true) {} }
                  return [{json: {ok: true}}];
                }
                """);
        ItemResult result = callCancelled(script, LONG);
        assertThat(result.failure().message())
                .isEqualTo("the call was canceled by its caller while running execute_node in execution.js:2"
                        + " (stopped by the test); the instance was discarded");
        servesAGoodItem(script);
    }

    @Test
    void aCallAfterTheCancelFailsAtOnceAndTheGuestNeverSeesTheItem() throws Exception {
        WasmNode node = load(SPINS_ON_LONG_ITEMS);
        Cancellation token = new Cancellation();
        token.cancel("the server is shutting down");
        try (NodeInstance instance = node.newInstance(LIMITS)) {
            long start = System.nanoTime();
            ItemResult result = instance.call(0, LONG, token);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
            assertThat(result.failure().kind()).isEqualTo(Kind.CANCELED);
            assertThat(result.failure().message())
                    .isEqualTo("the call was canceled by its caller before the item ran"
                            + " (the server is shutting down); the instance was discarded");
        }
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aCancelledBatchEndsTheLaneCallAndFailsTheRestWithoutStartingInstances() throws Exception {
        WasmNode node = load(SPINS_ON_LONG_ITEMS);
        Cancellation token = new Cancellation();
        List<JsonNode> items =
                List.of(obj("{}"), obj("{\"spin\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}"), obj("{}"), obj("{}"), obj("{}"));
        List<ItemResult> results = new ArrayList<>();
        BatchSummary summary;
        long start = System.nanoTime();
        try (BatchRunner batch =
                new BatchRunner(node, LIMITS, obj("{}"), BatchOptions.DEFAULTS.withContinueOnFail(true), token)) {
            cancelLater(token, 300);
            batch.run(items.iterator(), results::add);
            summary = batch.summary();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
        assertThat(results)
                .extracting(r -> r.failure() == null ? "ok" : r.failure().kind().name())
                .containsExactly("ok", "CANCELED", "CANCELED", "CANCELED", "CANCELED");
        assertThat(results.get(2).failure().message())
                .isEqualTo("the call was canceled by its caller before the item ran (stopped by the test)");
        assertThat(summary.instances())
                .as("no instance started after the cancel")
                .isEqualTo(1);
    }

    @Test
    void aStartSpinningInInitializeIsCanceledToo() throws Exception {
        WasmNode node = load(node(okBody(), okData() + "(func (export \"_initialize\") (loop $l (br $l)))"));
        assertThat(LIMITS.initTimeout()).isEqualTo(Duration.ofSeconds(30));
        Cancellation token = new Cancellation();
        List<ItemResult> results = new ArrayList<>();
        long start = System.nanoTime();
        try (BatchRunner batch =
                new BatchRunner(node, LIMITS, obj("{}"), BatchOptions.DEFAULTS.withContinueOnFail(true), token)) {
            cancelLater(token, 300);
            batch.run(List.<JsonNode>of(obj("{}"), obj("{}")).iterator(), results::add);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
        assertThat(results).extracting(r -> r.failure().kind()).containsExactly(Kind.CANCELED, Kind.CANCELED);
        assertThat(results.get(0).failure().message())
                .isEqualTo("the instance's start was canceled by its caller (stopped by the test)");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(Watchdog.armedCount()).isZero();
    }

    @Test
    void aChildTokenFollowsItsParentButNotTheOtherWayRound() throws Exception {
        Cancellation parent = new Cancellation();
        Cancellation child = parent.child();
        Cancellation sibling = parent.child();
        AtomicInteger childActions = new AtomicInteger();
        AtomicInteger parentActions = new AtomicInteger();
        try (Cancellation.Registration c = child.onCancel(childActions::incrementAndGet);
                Cancellation.Registration p = parent.onCancel(parentActions::incrementAndGet)) {
            sibling.cancel("only the sibling");
            assertThat(parent.isCanceled()).isFalse();
            assertThat(child.isCanceled()).isFalse();
            assertThat(childActions).hasValue(0);

            parent.cancel("stopped by alice");
            parent.cancel("a later reason is ignored");
            assertThat(child.reason()).isEqualTo("stopped by alice");
            assertThat(sibling.reason()).isEqualTo("only the sibling");
            assertThat(childActions).hasValue(1);
            assertThat(parentActions).hasValue(1);
        }
        // registered after the cancel: runs at once, on this thread
        CountDownLatch ran = new CountDownLatch(1);
        child.onCancel(ran::countDown).close();
        assertThat(ran.getCount()).isZero();
    }

    @Test
    void aClosedRegistrationNeverRunsAndNeverIsRefused() {
        Cancellation token = new Cancellation();
        AtomicInteger actions = new AtomicInteger();
        token.onCancel(actions::incrementAndGet).close();
        token.cancel("too late for it");
        assertThat(actions).hasValue(0);
        assertThatThrownBy(() -> Cancellation.NEVER.cancel("no"))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("new Cancellation()");
        assertThat(Cancellation.NEVER.isCanceled()).isFalse();
    }

    @Test
    void aCancelRacingTheEndOfManyCallsNeverLeaksAnInterrupt() throws Exception {
        WasmNode node = load(SPINS_ON_LONG_ITEMS);
        NodeInstance instance = node.newInstance(LIMITS);
        try {
            for (int i = 0; i < 200; i++) {
                if (!instance.usable()) {
                    instance.close();
                    instance = node.newInstance(LIMITS);
                }
                Cancellation token = new Cancellation();
                CANCELLER.execute(() -> token.cancel("a race"));
                ItemResult r = instance.call(i, SHORT, token);
                assertThat(r.failure() == null || r.failure().kind() == Kind.CANCELED)
                        .as("item %d: %s", i, r.failure())
                        .isTrue();
                assertThat(Thread.currentThread().isInterrupted())
                        .as("item %d left an interrupt", i)
                        .isFalse();
            }
        } finally {
            instance.close();
        }
        assertThat(Watchdog.armedCount()).isZero();
    }
}
