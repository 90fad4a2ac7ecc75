package io.nlink.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.LongStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two real members in this JVM (each a Hazelcast member on loopback with its own lanes): a batch
 * spread over both, in order; the stop and continue-on-fail rules; a tampered package refused.
 * The multi-process cases (several JVMs, a member killed mid-batch) are the CLI's ClusterRunTest.
 */
class ClusterBatchTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("nlink.examples.dir", "../examples"));

    /** Refuses item {"i": 7} with an orderly error, greets every other one. */
    static final String REFUSING_JS = """
            function execute_node(input) {
              if (input.$json.i === 7) return { error: 'seven is refused' };
              return [{ json: { i: input.$json.i, text: input.params.text } }];
            }
            """;

    private static NlinkCluster first;
    private static NlinkCluster second;
    private static ClusterConfig config;

    @BeforeAll
    static void startTwoMembers() throws Exception {
        // One compile cache for both, as members on one machine would share: the Go module compiles once.
        Path cache = Files.createTempDirectory("nlink-cluster-cache");
        config = ClusterConfig.DEFAULTS
                .withName("nlink-test-" + ProcessHandle.current().pid())
                .withPort(5901)
                .withLanes(2)
                .withCacheDirectory(cache);
        first = NlinkCluster.start(config);
        second = NlinkCluster.start(config.withMembers(List.of(first.address())));
        assertThat(first.members()).hasSize(2);
        assertThat(first.totalLanes()).isEqualTo(4);
    }

    @AfterAll
    static void stop() {
        if (second != null) second.close();
        if (first != null) first.close();
    }

    @Test
    void theGoHelloNodeRunsOnBothMembersInInputOrder() throws Exception {
        String sha256 = first.publish(zip(EXAMPLES.resolve("hello-go")));
        List<ItemResult> results = new ArrayList<>();
        try (ClusterBatch batch = first.newBatch(
                sha256,
                params("{\"text\":\"cluster\"}"),
                SandboxLimits.DEFAULTS,
                ClusterBatch.Options.DEFAULTS.withChunkSize(50))) {
            assertThat(batch.run(items(1_000), results::add)).isTrue();
            assertThat(batch.itemsPerMember()).containsOnlyKeys(first.address(), second.address());
            assertThat(batch.itemsPerMember().values())
                    .allSatisfy(n -> assertThat(n).isPositive());
            assertThat(batch.summary().itemsIn()).isEqualTo(1_000);
            assertThat(batch.summary().failures()).isZero();
        }
        assertThat(results)
                .extracting(ItemResult::index)
                .containsExactlyElementsOf(LongStream.range(0, 1_000).boxed().toList());
        for (ItemResult r : results) {
            assertThat(r.runtime()).isEqualTo("wasm");
            JsonNode out = r.items().get(0);
            assertThat(out.get("message").asText()).isEqualTo("Hello, cluster! Greetings from WebAssembly Runtime! 🚀");
            assertThat(out.get("original_data").get("i").asLong()).isEqualTo(r.index());
        }
    }

    @Test
    void aMemberThatJoinsDuringABatchTakesWork() throws Exception {
        String sha256 = first.publish(zip(jsPackage(REFUSING_JS)));
        List<ItemResult> results = new ArrayList<>();
        NlinkCluster[] joiner = new NlinkCluster[1];
        try (ClusterBatch batch = first.newBatch(
                sha256,
                params("{\"text\":\"x\"}"),
                SandboxLimits.DEFAULTS,
                ClusterBatch.Options.DEFAULTS.withChunkSize(10).withContinueOnFail(true))) {
            assertThat(batch.run(items(3_000), r -> {
                        results.add(r);
                        if (results.size() == 100)
                            joiner[0] = start(config.withMembers(List.of(first.address()))); // joins mid-batch
                    }))
                    .isTrue();
            assertThat(joiner[0]).isNotNull();
            assertThat(batch.itemsPerMember()).containsKey(joiner[0].address());
            assertThat(batch.itemsPerMember().get(joiner[0].address())).isPositive();
        } finally {
            if (joiner[0] != null) joiner[0].close();
        }
        assertThat(results)
                .extracting(ItemResult::index)
                .containsExactlyElementsOf(LongStream.range(0, 3_000).boxed().toList());
    }

    @Test
    void aLaneIdleForItsTimeoutIsClosed() throws Exception {
        // A member of its own (another cluster name), so the batch runs on its lanes only.
        try (NlinkCluster alone =
                start(config.withName(config.name() + "-alone").withIdleLaneTimeout(Duration.ofSeconds(1)))) {
            String sha256 = alone.publish(zip(jsPackage(REFUSING_JS)));
            try (ClusterBatch batch = alone.newBatch(
                    sha256,
                    params("{\"text\":\"x\"}"),
                    SandboxLimits.DEFAULTS,
                    ClusterBatch.Options.DEFAULTS.withChunkSize(5).withContinueOnFail(true))) {
                assertThat(batch.run(items(20), r -> {})).isTrue();
            }
            assertThat(alone.idleLanes()).as("lanes kept warm after the batch").isPositive();
            long patience = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (alone.idleLanes() > 0 && System.nanoTime() - patience < 0) {
                Thread.sleep(50);
            }
            assertThat(alone.idleLanes())
                    .as("lanes left after their idle timeout")
                    .isZero();
        }
    }

    private static NlinkCluster start(ClusterConfig c) {
        try {
            return NlinkCluster.start(c);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFailedItemStopsTheBatchAtThatItemUnlessItContinues() throws Exception {
        String sha256 = first.publish(zip(jsPackage(REFUSING_JS)));
        List<ItemResult> stopped = new ArrayList<>();
        try (ClusterBatch batch = second.newBatch(
                sha256,
                params("{\"text\":\"x\"}"),
                SandboxLimits.DEFAULTS,
                ClusterBatch.Options.DEFAULTS.withChunkSize(3))) {
            assertThat(batch.run(items(40), stopped::add)).isFalse();
        }
        assertThat(stopped).hasSize(8);
        assertThat(stopped.get(7).failure().message()).contains("seven is refused");
        assertThat(stopped.get(7).runtime()).isEqualTo("js");

        List<ItemResult> all = new ArrayList<>();
        try (ClusterBatch batch = second.newBatch(
                sha256,
                params("{\"text\":\"x\"}"),
                SandboxLimits.DEFAULTS,
                ClusterBatch.Options.DEFAULTS.withChunkSize(3).withContinueOnFail(true))) {
            assertThat(batch.run(items(40), all::add)).isTrue();
            assertThat(batch.summary().failures()).isEqualTo(1);
        }
        assertThat(all).hasSize(40);
        assertThat(all).filteredOn(r -> !r.ok()).extracting(ItemResult::index).containsExactly(7L);
        assertThat(all.get(39).items().get(0).get("i").asInt()).isEqualTo(39);
    }

    @Test
    void aPackageWhoseBytesDoNotMatchItsAddressIsRefusedOnTheMemberThatFetchesIt() throws Exception {
        byte[] real = zip(jsPackage(REFUSING_JS));
        String forged = io.nlink.runtime.Sha256.hex("something else".getBytes(StandardCharsets.UTF_8));
        first.hazelcast().<String, byte[]>getMap(PackageShelf.MAP_NAME).put(forged, real);
        try (ClusterBatch batch =
                first.newBatch(forged, params("{}"), SandboxLimits.DEFAULTS, ClusterBatch.Options.DEFAULTS)) {
            assertThatThrownBy(() -> batch.run(items(10), r -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot run " + forged)
                    .hasMessageContaining("arrived with other bytes");
        }
    }

    @Test
    void aPackageNobodyPublishedIsNamedInTheError() throws Exception {
        String unknown = "0".repeat(64);
        try (ClusterBatch batch =
                first.newBatch(unknown, params("{}"), SandboxLimits.DEFAULTS, ClusterBatch.Options.DEFAULTS)) {
            assertThatThrownBy(() -> batch.run(items(1), r -> {}))
                    .hasMessageContaining("package " + unknown + " is not on the cluster's shelf");
        }
    }

    static ObjectNode params(String json) throws IOException {
        return (ObjectNode) Json.parse(json);
    }

    static Iterator<JsonNode> items(int n) {
        return LongStream.range(0, n)
                .<JsonNode>mapToObj(i -> Json.MAPPER.createObjectNode().put("i", i))
                .iterator();
    }

    static Path jsPackage(String script) throws IOException {
        Path dir = Files.createTempDirectory("nlink-js-node");
        Files.copy(EXAMPLES.resolve("hello-go/package.json"), dir.resolve("package.json"));
        Files.copy(EXAMPLES.resolve("hello-go/definition.json"), dir.resolve("definition.json"));
        Files.writeString(dir.resolve("execution.js"), script);
        return dir;
    }

    /** A package folder as an upload ZIP (its files at the root). */
    static byte[] zip(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes);
                var files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (!List.of("package.json", "definition.json", "execution.wasm", "execution.js")
                        .contains(name)) continue;
                zip.putNextEntry(new ZipEntry(name));
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
