package io.nlink.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.InvalidParamsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a Java program embeds the nLink runtime, as a test that runs: README.md's "Embedding the
 * runtime" shows this code. The node is examples/hello-go, the seed's Go node, compiled by the
 * build (examples/build.sh): it greets its {@code text} parameter and passes each item on as
 * {@code original_data}.
 */
class EmbeddingExampleTest {

    @Test
    void loadsACompiledNodeAndRunsABatch(@TempDir Path compileCache) throws Exception {
        Path helloGo = Guests.example("hello-go"); // a package folder: package.json, definition.json, execution.wasm

        // 1. One runtime per process: it owns both engines, the compile cache and the limits.
        try (NodeRuntime runtime = NodeRuntime.builder()
                .limits(SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofSeconds(5)))
                .compileCache(compileCache)
                .build()) {

            // 2. Load the package (a folder or a .zip): checked against the ABI, compiled, ready.
            LoadedNode node = runtime.load(helloGo);
            assertThat(node.runtime()).isEqualTo("wasm");

            // 3. Parameters as definition.json declares them: checked, defaults filled in.
            ObjectNode params = node.pkg().definition().resolveParams(Json.parse("{\"text\":\"nLink\"}"));

            // 4. A batch: items in, one result per item out, in input order, to a sink.
            List<JsonNode> items = List.of(Json.parse("{\"id\":1}"), Json.parse("{\"id\":2}"));
            List<ItemResult> results = new ArrayList<>();
            try (BatchRunner batch = node.batch(params)) {
                boolean ranToTheEnd = batch.run(items.iterator(), results::add);
                assertThat(ranToTheEnd).isTrue();
                assertThat(batch.summary().itemsIn()).isEqualTo(2);
            }

            assertThat(results).hasSize(2);
            for (ItemResult result : results) {
                assertThat(result.ok()).as("failure: %s", result.failure()).isTrue();
                JsonNode out = result.items().get(0);
                assertThat(out.get("message").textValue())
                        .isEqualTo("Hello, nLink! Greetings from WebAssembly Runtime! 🚀");
                assertThat(out.get("original_data")).isEqualTo(items.get((int) result.index()));
            }

            // The module was compiled once and kept in the compile cache for the next process.
            assertThat(runtime.metrics().compilations() + runtime.metrics().compileCacheHits())
                    .isEqualTo(1);
        }
    }

    @Test
    void aFailedItemIsAResultNotAnException() throws Exception {
        // Items larger than the context limit fail on their own; with continueOnFail the batch goes on.
        try (NodeRuntime runtime = NodeRuntime.builder()
                .limits(SandboxLimits.DEFAULTS.withMaxContextBytes(1024))
                .build()) {
            LoadedNode node = runtime.load(Guests.example("hello-go"));
            ObjectNode params = node.pkg().definition().resolveParams(null); // text: "World", the default
            List<JsonNode> items = List.of(
                    Json.parse("{\"id\":1}"),
                    Json.parse("{\"big\":\"" + "x".repeat(2000) + "\"}"),
                    Json.parse("{\"id\":3}"));
            List<ItemResult> results = new ArrayList<>();
            try (BatchRunner batch = node.batch(params, BatchOptions.DEFAULTS.withContinueOnFail(true))) {
                assertThat(batch.run(items.iterator(), results::add)).isTrue();
            }

            assertThat(results).extracting(ItemResult::ok).containsExactly(true, false, true);
            assertThat(results.get(1).failure().kind()).isEqualTo(NodeFailure.Kind.CONTEXT_TOO_LARGE);
            assertThat(results.get(2).items().get(0).get("message").textValue()).startsWith("Hello, World!");
        }
    }

    @Test
    void parametersTheDefinitionDoesNotDeclareAreRefusedBeforeAnythingRuns() throws Exception {
        try (NodeRuntime runtime = NodeRuntime.builder().build()) {
            LoadedNode node = runtime.load(Guests.example("hello-go"));
            assertThatThrownBy(() -> node.pkg().definition().resolveParams(Json.parse("{\"txt\":\"typo\"}")))
                    .isInstanceOf(InvalidParamsException.class)
                    .hasMessageContaining("txt");
        }
    }
}
