package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's own Go boilerplate, compiled from source by the build, run through the ABI. */
class HelloGoTest {

    @Test
    void greetsTheTextParameterAndKeepsTheItem() throws Exception {
        NodePackage pkg = PackageLoader.load(Guests.example("hello-go"));
        WasmNode node = Guests.ENGINE.load(pkg.wasm());
        var params = pkg.definition().resolveParams(obj("{\"text\":\"nLink\"}"));

        List<ItemResult> results = new ArrayList<>();
        try (BatchRunner batch = new BatchRunner(node, SandboxLimits.DEFAULTS, params, BatchOptions.DEFAULTS)) {
            assertThat(batch.run(List.<JsonNode>of(obj("{\"a\":1}")).iterator(), results::add))
                    .isTrue();
        }

        assertThat(results).hasSize(1);
        ItemResult result = results.get(0);
        assertThat(result.ok()).as("failure: %s", result.failure()).isTrue();
        assertThat(result.runtime()).isEqualTo("wasm");
        assertThat(result.items()).hasSize(1);
        JsonNode json = result.items().get(0);
        assertThat(json.get("wasm_processed").booleanValue()).isTrue();
        assertThat(json.get("message").textValue()).isEqualTo("Hello, nLink! Greetings from WebAssembly Runtime! 🚀");
        assertThat(json.get("original_data")).isEqualTo(obj("{\"a\":1}"));
    }

    @Test
    void usesTheDefinitionsDefaultWhenNoTextIsGiven() throws Exception {
        NodePackage pkg = PackageLoader.load(Guests.example("hello-go"));
        var params = pkg.definition().resolveParams(null);
        assertThat(params).isEqualTo(obj("{\"text\":\"World\"}"));
        try (var sandbox = Guests.ENGINE.load(pkg.wasm()).newInstance(SandboxLimits.DEFAULTS)) {
            ItemResult result = sandbox.call(0, ItemCodec.encodeContext(params, obj("{}")));
            assertThat(result.items().get(0).get("message").textValue()).startsWith("Hello, World!");
        }
    }

    @Test
    void oneInstanceServesTheWholeBatch() throws Exception {
        WasmNode node = Guests.exampleNode("hello-go");
        try (BatchRunner batch =
                new BatchRunner(node, SandboxLimits.DEFAULTS, obj("{\"text\":\"x\"}"), BatchOptions.DEFAULTS)) {
            List<JsonNode> items = new ArrayList<>();
            for (int i = 0; i < 500; i++) items.add(obj("{\"i\":" + i + "}"));
            List<ItemResult> results = new ArrayList<>();
            assertThat(batch.run(items.iterator(), results::add)).isTrue();
            assertThat(results)
                    .extracting(
                            r -> r.items().get(0).get("original_data").get("i").intValue())
                    .containsExactlyElementsOf(
                            java.util.stream.IntStream.range(0, 500).boxed().toList());
            assertThat(batch.summary().instances()).isEqualTo(1);
            assertThat(batch.summary().itemsOut()).isEqualTo(500);
            // The seed's deallocate frees both buffers: 500 items must not grow memory past a few pages.
            assertThat(batch.summary().peakMemoryPages()).isLessThan(SandboxLimits.PLATFORM_MAX_MEMORY_PAGES / 2);
        }
        assertThat(node.interpretedFunctions())
                .as("functions left to the interpreter")
                .isEmpty();
    }
}
