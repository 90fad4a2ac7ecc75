package io.nlink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Instances after the first start from the memory and globals the first one had right after
 * {@code _initialize}, instead of running it again — and behave exactly as if they had run it.
 */
class InitSnapshotTest {
    /** _initialize builds the result in memory and sets a global; execute_node traps unless both are there. */
    private static final String STATEFUL = HostileWat.node(
            "(if (i32.ne (global.get $ready) (i32.const 42)) (then unreachable))\n" + HostileWat.okBody(),
            "(global $ready (mut i32) (i32.const 0))\n"
                    + "(data (i32.const 4096) \"" + HostileWat.escape(HostileWat.OK.getBytes(StandardCharsets.UTF_8))
                    + "\")\n"
                    + "(func (export \"_initialize\")\n"
                    + "  (memory.copy (i32.const " + HostileWat.RESULT_AT + ") (i32.const 4096) (i32.const "
                    + HostileWat.OK.length() + "))\n"
                    + "  (global.set $ready (i32.const 42)))");

    /** Without spare instances, so that every instance counted here is one the test asked for. */
    private static final WasmEngine ENGINE = new WasmEngine(WasmEngine.Options.DEFAULTS.withSpareIdle(Duration.ZERO));

    private static ItemResult call(WasmNode node) throws Exception {
        try (NodeInstance instance = node.newInstance(SandboxLimits.DEFAULTS)) {
            return instance.call(
                    0, ItemCodec.encodeContext(Json.MAPPER.createObjectNode(), Json.MAPPER.createObjectNode()));
        }
    }

    @Test
    void laterInstancesStartFromTheStateInitializeLeft() throws Exception {
        long processWideBefore = WasmNode.allSnapshotStarts();
        WasmNode node = ENGINE.load(Guests.wat(STATEFUL));
        for (int i = 0; i < 3; i++) {
            ItemResult result = call(node);
            assertThat(result.ok()).as("instance %d: %s", i, result.failure()).isTrue();
            assertThat(result.items().get(0).toString()).isEqualTo("{\"ok\":true}");
        }
        assertThat(node.snapshotStarts()).isEqualTo(2);
        // NodeRuntime.metrics().snapshotStarts() sums every node's; other tests may add to it meanwhile.
        assertThat(WasmNode.allSnapshotStarts() - processWideBefore).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aModuleThatCanChangeItsTableIsNeverSnapshotted() throws Exception {
        String withTableSet = STATEFUL.replace(
                "(func (export \"_initialize\")",
                "(table $t 1 funcref)\n(func $swap (table.set $t (i32.const 0) (ref.null func)))\n(func (export \"_initialize\")");
        WasmNode node = ENGINE.load(Guests.wat(withTableSet));
        for (int i = 0; i < 3; i++) assertThat(call(node).ok()).isTrue();
        assertThat(node.snapshotStarts()).isZero();
    }

    @Test
    void goInstancesFromTheSnapshotRunTheirRuntimeAndGarbageCollector() throws Exception {
        WasmNode node =
                ENGINE.load(Files.readAllBytes(Guests.example("hello-go").resolve("execution.wasm")));
        var params = Json.MAPPER.createObjectNode().put("text", "snapshot");
        String padding = "x".repeat(20_000);
        for (int instance = 0; instance < 3; instance++) {
            try (NodeInstance sandbox = node.newInstance(SandboxLimits.DEFAULTS)) {
                // ~6 MB allocated per instance: Go's GC runs several times from the restored heap.
                for (int i = 0; i < 300; i++) {
                    JsonNode item = Json.parse("{\"i\":" + i + ",\"pad\":\"" + padding + "\"}");
                    ItemResult r = sandbox.call(i, ItemCodec.encodeContext(params, item));
                    assertThat(r.ok())
                            .as("instance %d item %d: %s", instance, i, r.failure())
                            .isTrue();
                    assertThat(r.items().get(0).get("original_data").get("i").asInt())
                            .isEqualTo(i);
                    assertThat(r.items().get(0).get("message").asText())
                            .isEqualTo("Hello, snapshot! Greetings from WebAssembly Runtime! 🚀");
                }
            }
        }
        assertThat(node.snapshotStarts()).isEqualTo(2);
    }
}
