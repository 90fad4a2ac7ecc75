package io.nlink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.internal.ReadyInstances;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An instance a batch gave back serves the next batch only after a reset in place, and the next
 * batch cannot tell it from a new instance: memory (written pages, grown pages, size), mutable
 * globals and WASI state are as the guest's start-up left them. Each guest here reports whether
 * it sees any trace of an earlier item, and leaves traces itself; the second item of a batch sees
 * them (so the checks can fail), the first item of the next batch must not.
 */
class InstanceResetTest {
    private static final String FRESH = "[{\"json\":{\"fresh\":true}}]";
    private static final String TRACES = "[{\"json\":{\"fresh\":false}}]";
    private static final int FRESH_AT = 64;
    private static final int TRACES_AT = 128;
    /** A cell in page 0 (which holds data segments) and one in page 1 (which holds none). */
    private static final int CELL_IN_DATA_PAGE = 4000;

    private static final int CELL_IN_EMPTY_PAGE = 70_000;
    /** Where a test splices more into the module. */
    private static final String EXTRA_MARKER = ";; more";

    /**
     * Fresh when both cells are 0, memory is its declared 2 pages, {@code $seen} is 0, the bump
     * allocator's global moved by this item's context only, and a page grown now is zeroed. Then it
     * writes both cells and the grown page, grows memory and sets {@code $seen}.
     */
    private static final String LEAVES_TRACES = HostileWat.node(
            "(memory (export \"memory\") 2 512)",
            "(local $fresh i32) (local $grown i32)\n"
                    + "(local.set $fresh (i32.and (i32.and (i32.eqz (i32.load (i32.const " + CELL_IN_DATA_PAGE + ")))"
                    + "                                    (i32.eqz (i32.load (i32.const " + CELL_IN_EMPTY_PAGE + "))))"
                    + "                           (i32.and (i32.eq (memory.size) (i32.const 2))"
                    + "                                    (i32.eqz (global.get $seen)))))\n"
                    + "(local.set $fresh (i32.and (local.get $fresh)"
                    + "  (i32.eq (global.get $bump) (i32.add (i32.const " + HostileWat.HEAP_START
                    + ") (local.get $len)))))\n"
                    + "(local.set $grown (i32.mul (memory.grow (i32.const 1)) (i32.const 65536)))\n"
                    + "(local.set $fresh (i32.and (local.get $fresh) (i32.eqz (i32.load (i32.add (local.get $grown) (i32.const 16))))))\n"
                    + "(i32.store (i32.add (local.get $grown) (i32.const 16)) (i32.const 7))\n"
                    + "(i32.store (i32.const " + CELL_IN_DATA_PAGE + ") (i32.const 1))\n"
                    + "(i32.store (i32.const " + CELL_IN_EMPTY_PAGE + ") (i32.const 1))\n"
                    + "(global.set $seen (i32.const 1))\n"
                    + "(if (result i64) (local.get $fresh)\n"
                    + "  (then (call $pack (i32.const " + FRESH_AT + ") (i32.const " + FRESH.length() + ")))\n"
                    + "  (else (call $pack (i32.const " + TRACES_AT + ") (i32.const " + TRACES.length() + "))))",
            "(global $seen (mut i32) (i32.const 0))\n" + data(FRESH_AT, FRESH) + "\n" + data(TRACES_AT, TRACES) + "\n"
                    + EXTRA_MARKER);

    private static String data(int at, String text) {
        return "(data (i32.const " + at + ") \"" + HostileWat.escape(text.getBytes(StandardCharsets.UTF_8)) + "\")";
    }

    private static final byte[] CONTEXT =
            ItemCodec.encodeContext(Json.MAPPER.createObjectNode(), Json.MAPPER.createObjectNode());

    /** Runs a batch of {@code items} items on one instance, as a batch lane does, and gives it back. */
    private static List<String> batch(WasmNode node, int items) throws SandboxException {
        List<String> results = new ArrayList<>();
        try (NodeInstance instance = node.newInstance(SandboxLimits.DEFAULTS)) {
            for (int i = 0; i < items; i++) {
                ItemResult r = instance.call(i, CONTEXT);
                results.add(r.ok() ? r.items().toString() : "failed: " + r.failure());
            }
        }
        return results;
    }

    @Test
    void theNextBatchSeesNoMemoryGlobalOrGrowthOfTheLastOnAReusedInstance() throws Exception {
        WasmNode node = new WasmEngine().load(Guests.wat(LEAVES_TRACES));
        ReadyInstances.Totals before = ReadyInstances.totals();
        for (int b = 0; b < 4; b++) {
            assertThat(batch(node, 2)).as("batch %d", b).containsExactly("[{\"fresh\":true}]", "[{\"fresh\":false}]");
        }
        assertThat(node.reuses())
                .as("batches 2-4 ran on the first batch's instance, reset")
                .isEqualTo(3);
        assertThat(node.spareStarts()).as("the spare was never needed").isZero();
        assertThat(node.readyInstances()).isEqualTo(1);
        assertThat(ReadyInstances.totals().reused() - before.reused())
                .as("the process-wide count operators see")
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void instancesThatStartedFromTheSnapshotAreResetToItToo() throws Exception {
        WasmNode node = new WasmEngine().load(Guests.wat(LEAVES_TRACES));
        // three lanes at once: the first instance ran its start-up, the others map its snapshot
        for (int round = 0; round < 3; round++) {
            List<NodeInstance> lanes = new ArrayList<>();
            for (int lane = 0; lane < 3; lane++) lanes.add(node.newInstance(SandboxLimits.DEFAULTS));
            for (NodeInstance lane : lanes) {
                assertThat(lane.call(0, CONTEXT).items()).as("round %d", round).hasToString("[{\"fresh\":true}]");
                assertThat(lane.call(1, CONTEXT).items()).hasToString("[{\"fresh\":false}]");
            }
            lanes.forEach(NodeInstance::close);
        }
        assertThat(node.reuses()).isEqualTo(6);
    }

    @Test
    void aModuleThatCanChangeItsTableIsNeverReusedAndStaysIsolated() throws Exception {
        String withTableSet = LEAVES_TRACES.replace(
                EXTRA_MARKER, "(table $t 1 funcref)\n(func $swap (table.set $t (i32.const 0) (ref.null func)))");
        WasmNode node = new WasmEngine().load(Guests.wat(withTableSet));
        for (int b = 0; b < 3; b++) {
            assertThat(batch(node, 2)).containsExactly("[{\"fresh\":true}]", "[{\"fresh\":false}]");
        }
        assertThat(node.reuses()).isZero();
    }

    @Test
    void anInstanceWhoseGuestMayHaveChangedItsWasiStateIsNotReused() throws Exception {
        // fd_close of a descriptor that does not exist changes nothing, but the host cannot know
        // which calls did: any call that can change descriptors keeps the instance from reuse
        String closing = HostileWat.withImports(
                LEAVES_TRACES.replace(
                        "(local $fresh i32) (local $grown i32)\n",
                        "(local $fresh i32) (local $grown i32)\n(drop (call $fd_close (i32.const 99)))\n"),
                "(import \"wasi_snapshot_preview1\" \"fd_close\" (func $fd_close (param i32) (result i32)))");
        WasmNode node = new WasmEngine().load(Guests.wat(closing));
        for (int b = 0; b < 3; b++) {
            assertThat(batch(node, 2)).containsExactly("[{\"fresh\":true}]", "[{\"fresh\":false}]");
        }
        assertThat(node.reuses()).isZero();
    }

    @Test
    void anInstanceThatFailedIsNotReused() throws Exception {
        String trapsOnTheSecondItem = LEAVES_TRACES.replace(
                "(local $fresh i32) (local $grown i32)\n",
                "(local $fresh i32) (local $grown i32)\n(if (global.get $seen) (then unreachable))\n");
        WasmNode node = new WasmEngine().load(Guests.wat(trapsOnTheSecondItem));
        for (int b = 0; b < 3; b++) {
            List<String> results = batch(node, 2);
            assertThat(results.get(0)).isEqualTo("[{\"fresh\":true}]");
            assertThat(results.get(1)).startsWith("failed: TRAP");
        }
        assertThat(node.reuses()).isZero();
    }

    @Test
    void goBatchesOnAReusedInstanceAnswerExactlyAsOnANewOne() throws Exception {
        byte[] wasm = Files.readAllBytes(Guests.example("hello-go").resolve("execution.wasm"));
        WasmNode reused = new WasmEngine().load(wasm);
        WasmNode fresh = new WasmEngine(WasmEngine.Options.DEFAULTS.withSpareIdle(java.time.Duration.ZERO)).load(wasm);
        var params = Json.MAPPER.createObjectNode().put("text", "reset");
        String padding = "y".repeat(5_000);
        for (int b = 0; b < 3; b++) {
            List<String> onReused = new ArrayList<>();
            List<String> onFresh = new ArrayList<>();
            try (NodeInstance r = reused.newInstance(SandboxLimits.DEFAULTS);
                    NodeInstance f = fresh.newInstance(SandboxLimits.DEFAULTS)) {
                for (int i = 0; i < 200; i++) { // about 2 MB allocated: Go's GC runs within the batch
                    JsonNode item = Json.parse("{\"batch\":" + b + ",\"i\":" + i + ",\"pad\":\"" + padding + "\"}");
                    byte[] context = ItemCodec.encodeContext(params, item);
                    ItemResult a = r.call(i, context);
                    ItemResult c = f.call(i, context);
                    assertThat(a.ok())
                            .as("batch %d item %d: %s", b, i, a.failure())
                            .isTrue();
                    onReused.add(a.items().toString());
                    onFresh.add(c.items().toString());
                }
            }
            assertThat(onReused).isEqualTo(onFresh);
        }
        assertThat(reused.reuses()).isEqualTo(2);
        assertThat(fresh.reuses()).isZero();
    }
}
