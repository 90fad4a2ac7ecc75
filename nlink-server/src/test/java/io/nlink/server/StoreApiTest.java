package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.Sha256;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/** The Community Store through its REST API, with the seed's real Go node. */
class StoreApiTest extends SharedServer {
    static final String NAME = "nlink-community.wasm_demo";

    static String packageName() {
        return new String(TestNodes.helloGoFiles().get("package.json"), StandardCharsets.UTF_8)
                .replaceAll("(?s).*\"name\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    }

    @Test
    void uploadInstallsTheNodeWithItsCapabilitySheetAndRunsIt() throws Exception {
        byte[] zip = TestNodes.helloGo();
        ApiClient.Response upload = server.owner.upload(zip);
        assertThat(upload.status()).as(upload.toString()).isIn(200, 201);
        JsonNode node = upload.json();
        String name = node.path("name").asText();
        String version = node.path("version").asText();
        assertThat(node.path("sha256").asText()).isEqualTo(Sha256.hex(zip));
        JsonNode details = node.path("details");
        assertThat(details.path("runtime").asText()).isEqualTo("wasm");
        assertThat(details.path("definition")
                        .path("properties")
                        .get(0)
                        .path("name")
                        .asText())
                .isEqualTo("text");
        assertThat(details.path("memory").path("capPages").asInt()).isEqualTo(512);
        // Go's runtime reads the clock and random bytes and asks for files: the sheet says so, from the real imports.
        List<String> capabilities = details.path("capabilities").findValuesAsText("id");
        assertThat(capabilities).contains("clock", "random", "logs", "files").doesNotContain("compute", "other");
        assertThat(details.path("capabilities").toString()).contains("wasi_snapshot_preview1.clock_time_get");

        // The same bytes again: nothing new, same answer.
        ApiClient.Response again = server.owner.upload(zip);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("sha256").asText()).isEqualTo(Sha256.hex(zip));

        JsonNode list = server.owner.get("/api/nodes").json().path("nodes");
        assertThat(list.findValuesAsText("name")).contains(name);

        ApiClient.Response run = server.owner.post(
                "/api/nodes/" + name + "/versions/" + version + "/run",
                Map.of("params", Map.of("text", "store"), "items", List.of(Map.of("id", 1), Map.of("id", 2))));
        assertThat(run.status()).as(run.toString()).isEqualTo(200);
        JsonNode result = run.json();
        assertThat(result.path("runtime").asText()).isEqualTo("wasm");
        assertThat(result.path("results")).hasSize(2);
        JsonNode first = result.path("results").get(0).path("items").get(0);
        assertThat(first.path("message").asText()).isEqualTo("Hello, store! Greetings from WebAssembly Runtime! 🚀");
        assertThat(first.path("original_data").path("id").asInt()).isEqualTo(1);
        JsonNode summary = result.path("summary");
        assertThat(summary.path("itemsIn").asInt()).isEqualTo(2);
        assertThat(summary.path("peakMemoryBytes").asLong())
                .isPositive()
                .isLessThanOrEqualTo(summary.path("memoryCapBytes").asLong());

        ApiClient.Response badParams = server.owner.post(
                "/api/nodes/" + name + "/versions/" + version + "/run", Map.of("params", Map.of("text", 5)));
        assertThat(badParams.status()).isEqualTo(400);
        assertThat(badParams.json().path("problems").get(0).asText())
                .isEqualTo("params.text: expected a string; got number 5");

        ApiClient.Response download = server.owner.get("/api/nodes/" + name + "/versions/" + version + "/package");
        assertThat(download.status()).isEqualTo(200);
        assertThat(Sha256.hex(download.body())).isEqualTo(Sha256.hex(zip));
    }

    @Test
    void aNewVersionInstallsBesideTheOldAndRemovalTakesOnlyOne() {
        Map<String, byte[]> files = TestNodes.helloGoFiles();
        String name = packageName();
        assertThat(server.owner
                        .upload(TestNodes.zip(TestNodes.withVersion(files, "2.0.0")))
                        .status())
                .isEqualTo(201);
        assertThat(server.owner
                        .upload(TestNodes.zip(TestNodes.withVersion(files, "2.0.1")))
                        .status())
                .isEqualTo(201);
        JsonNode versions = server.owner.get("/api/nodes/" + name).json().path("versions");
        assertThat(versions.findValuesAsText("version")).contains("2.0.0", "2.0.1");

        // Same name@version, different bytes: refused, the installed one untouched.
        Map<String, byte[]> changed = new LinkedHashMap<>(TestNodes.withVersion(files, "2.0.0"));
        changed.put("README.md", "changed".getBytes(StandardCharsets.UTF_8));
        ApiClient.Response conflict = server.owner.upload(TestNodes.zip(changed));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.json().path("error").asText()).contains("raise \"version\"");

        assertThat(server.owner.delete("/api/nodes/" + name + "/versions/2.0.0").status())
                .isEqualTo(204);
        assertThat(server.owner.get("/api/nodes/" + name + "/versions/2.0.0").status())
                .isEqualTo(404);
        assertThat(server.owner.get("/api/nodes/" + name + "/versions/2.0.1").status())
                .isEqualTo(200);
        assertThat(server.owner.delete("/api/nodes/" + name + "/versions/2.0.0").status())
                .isEqualTo(404);
    }

    @Test
    void scaffoldReturnsTheGeneratorsZip() throws Exception {
        ApiClient.Response zip = server.owner.post(
                "/api/scaffold", Map.of("name", "my_node", "displayName", "My Node", "language", "rust"));
        assertThat(zip.status()).as(zip.toString()).isEqualTo(200);
        assertThat(zip.raw().headers().firstValue("Content-Disposition"))
                .contains("attachment; filename=\"nlink-community.my_node.zip\"");
        List<String> names = new java.util.ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) names.add(e.getName());
        }
        assertThat(names)
                .contains(
                        "nlink-community.my_node/definition.json",
                        "nlink-community.my_node/package.json",
                        "nlink-community.my_node/src/lib.rs");

        ApiClient.Response bad = server.owner.post("/api/scaffold", Map.of("name", "Bad Name"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("error").asText()).contains("node name \"Bad Name\"");
        assertThat(server.owner.get("/api/scaffold/languages").json().findValuesAsText("id"))
                .contains("go", "rust", "c", "cpp", "zig", "assemblyscript");
    }

    @Test
    void badRequestsGetErrorsThatSayWhatWasWrong() {
        ApiClient.Response notJson = server.owner.postRaw(
                "/api/api-keys", "application/json", "{\"name\": ".getBytes(StandardCharsets.UTF_8));
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.json().path("error").asText()).startsWith("the body is not valid JSON (line 1");
        ApiClient.Response unknown = server.owner.get("/api/nope");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("error").asText()).contains("no such API route");
        ApiClient.Response missing = server.owner.get("/api/nodes/nlink-community.none/versions/1.0.0");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().path("error").asText()).contains("no node nlink-community.none@1.0.0 is installed");
    }
}
