package io.nlink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.runtime.internal.ReadyInstances;
import io.nlink.runtime.internal.js.JsEngine;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A node keeps one started instance ready for its next batch: the next batch gets it without
 * waiting, it is as fresh as a newly started one, and it does not outlive its idle time.
 */
class ReadyInstancesTest {
    private static final String DIRTY = "{\"error\":\"this instance served an item before\"}";
    private static final int DIRTY_AT = 64;

    /** Answers its first item, refuses every later one: shows whether an instance served before. */
    private static final String ONE_ITEM_ONLY = HostileWat.node(
            "(if (global.get $used) (then (return (call $pack (i32.const " + DIRTY_AT + ") (i32.const " + DIRTY.length()
                    + ")))))\n"
                    + "(global.set $used (i32.const 1))\n"
                    + HostileWat.okBody(),
            "(global $used (mut i32) (i32.const 0))\n"
                    + HostileWat.okData() + "\n"
                    + "(data (i32.const " + DIRTY_AT + ") \""
                    + HostileWat.escape(DIRTY.getBytes(StandardCharsets.UTF_8)) + "\")");

    private static final byte[] CONTEXT =
            ItemCodec.encodeContext(Json.MAPPER.createObjectNode(), Json.MAPPER.createObjectNode());

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void theNextBatchGetsTheInstanceTheLastOneGaveBackResetAndFresh() throws Exception {
        WasmNode node = new WasmEngine().load(Guests.wat(ONE_ITEM_ONLY));
        try (NodeInstance first = node.newInstance(SandboxLimits.DEFAULTS)) {
            assertThat(first.call(0, CONTEXT).ok()).isTrue();
            assertThat(first.call(1, CONTEXT).failure().message()).isEqualTo("this instance served an item before");
        }
        assertThat(node.reuses()).isZero();
        for (int batch = 1; batch <= 3; batch++) {
            try (NodeInstance next = node.newInstance(SandboxLimits.DEFAULTS)) {
                ItemResult r = next.call(0, CONTEXT);
                assertThat(r.ok())
                        .as("batch %d on the reset instance: %s", batch, r.failure())
                        .isTrue();
            }
            assertThat(node.reuses()).isEqualTo(batch);
        }
        assertThat(node.spareStarts())
                .as("the spare waits while given-back instances serve")
                .isZero();
    }

    @Test
    void aSecondLaneAtTheSameTimeGetsTheSpareAndItIsFresh() throws Exception {
        WasmNode node = new WasmEngine().load(Guests.wat(ONE_ITEM_ONLY));
        node.newInstance(SandboxLimits.DEFAULTS).close(); // the node has been used: a spare is on its way
        try (NodeInstance first = node.newInstance(SandboxLimits.DEFAULTS);
                NodeInstance second = node.newInstance(SandboxLimits.DEFAULTS)) {
            assertThat(first.call(0, CONTEXT).ok()).isTrue();
            assertThat(second.call(0, CONTEXT).ok()).isTrue();
        }
        assertThat(node.reuses()).isEqualTo(1);
        assertThat(node.spareStarts()).isEqualTo(1);
        assertThat(node.readyInstances()).as("both given back").isEqualTo(2);
    }

    @Test
    void aJavaScriptNodeKeepsAFreshContextReady() throws Exception {
        String script = "let used = false;\n"
                + "function execute_node(input) { if (used) return {error: 'dirty'}; used = true; return [{json: {fresh: true}}]; }";
        try (JsEngine engine = new JsEngine()) {
            NodeExecutable node = engine.load(script);
            for (int batch = 0; batch < 3; batch++) {
                try (NodeInstance instance = node.newInstance(SandboxLimits.DEFAULTS)) {
                    assertThat(instance.call(0, CONTEXT).items()).hasToString("[{\"fresh\":true}]");
                    assertThat(instance.call(1, CONTEXT).failure().message()).isEqualTo("dirty");
                }
            }
        }
    }

    /** Counts what the starter started and what got closed, around real wasm instances. */
    private static final class Counting implements ReadyInstances.Starter<NodeInstance> {
        final WasmNode node;
        final List<SandboxLimits> started = new CopyOnWriteArrayList<>();
        final AtomicInteger closed = new AtomicInteger();

        Counting(byte[] wasm) throws Exception {
            node = new WasmEngine(WasmEngine.Options.DEFAULTS.withSpareIdle(Duration.ZERO)).load(wasm);
        }

        @Override
        public NodeInstance start(SandboxLimits limits) throws SandboxException {
            NodeInstance real = node.newInstance(limits);
            started.add(limits);
            return new NodeInstance() {
                public ItemResult call(long index, byte[] context, Cancellation cancellation) {
                    return real.call(index, context, cancellation);
                }

                public boolean usable() {
                    return real.usable();
                }

                public int memoryPages() {
                    return real.memoryPages();
                }

                public int peakMemoryPages() {
                    return real.peakMemoryPages();
                }

                public String initStdout() {
                    return real.initStdout();
                }

                public String initStderr() {
                    return real.initStderr();
                }

                public void close() {
                    closed.incrementAndGet();
                    real.close();
                }
            };
        }
    }

    @Test
    void anUntakenSpareIsClosedAfterItsIdleTimeAndNotReplaced() throws Exception {
        Counting starter = new Counting(Guests.wat(ONE_ITEM_ONLY));
        ReadyInstances<NodeInstance> spare = new ReadyInstances<>(starter, Duration.ofMillis(200));
        spare.take(SandboxLimits.DEFAULTS).close();
        awaitUntil(
                () -> starter.started.size() == 2 && starter.closed.get() == 2,
                "the spare started, sat idle and was closed");
        Thread.sleep(400);
        assertThat(starter.started).as("no new spare while the node is idle").hasSize(2);

        NodeInstance again = spare.take(SandboxLimits.DEFAULTS); // used again: started here, spare replaced
        assertThat(spare.served()).isZero();
        assertThat(again.call(0, CONTEXT).ok()).isTrue();
        again.close();
        awaitUntil(() -> starter.started.size() == 4, "a new spare after the node was used again");
    }

    @Test
    void aSpareStartedUnderOtherLimitsIsClosedNotUsed() throws Exception {
        Counting starter = new Counting(Guests.wat(ONE_ITEM_ONLY));
        ReadyInstances<NodeInstance> spare = new ReadyInstances<>(starter, PATIENCE);
        SandboxLimits small = SandboxLimits.DEFAULTS.withMemoryPages(64);
        spare.take(SandboxLimits.DEFAULTS).close();
        awaitUntil(() -> starter.started.size() == 2, "the spare under the default limits");

        spare.take(small).close();
        assertThat(spare.served()).isZero();
        assertThat(starter.started.get(2)).isEqualTo(small);
        awaitUntil(
                () -> starter.started.size() == 4 && starter.closed.get() == 3,
                "the default-limits spare closed, one for the small limits started");
        assertThat(starter.started.get(3)).isEqualTo(small);

        spare.take(small).close();
        assertThat(spare.served()).isEqualTo(1);
    }

    @Test
    void aNodeThatCannotStartSaysWhyOnEveryTakeAndKeepsNoSpare() throws Exception {
        String trapsInInitialize = HostileWat.node(
                HostileWat.okBody(), HostileWat.okData() + "\n(func (export \"_initialize\") unreachable)");
        WasmNode node = new WasmEngine().load(Guests.wat(trapsInInitialize));
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> node.newInstance(SandboxLimits.DEFAULTS))
                    .isInstanceOf(SandboxException.class)
                    .hasMessageContaining("unreachable");
        }
        assertThat(node.spareStarts()).isZero();
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for: " + what);
            Thread.sleep(10);
        }
    }
}
