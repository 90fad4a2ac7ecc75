package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The workflow editor's API on a real server: the palette, expression previews, workflow names. */
class EditorApiTest extends SharedServer {
    @Test
    void thePaletteHasEveryBuiltinAndEachInstalledCommunityNode() {
        assertThat(server.owner.upload(TestNodes.helloGo()).status()).isEqualTo(201);
        JsonNode types = server.owner.get("/api/node-types").json().path("nodeTypes");
        List<String> names = new ArrayList<>();
        types.forEach(t -> names.add(t.path("type").asText()));
        assertThat(names).containsAll(io.nlink.workflow.nodes.BuiltinNodes.types()).contains("nlink-community.wasm_demo");

        JsonNode ifNode = find(types, "n8n-nodes-base.if");
        assertThat(ifNode.path("displayName").asText()).isEqualTo("If");
        assertThat(ifNode.path("initial").asText()).isEqualTo("I");
        assertThat(ifNode.path("builtin").asBoolean()).isTrue();
        assertThat(ifNode.path("definition").path("outputNames").toString()).isEqualTo("[\"true\",\"false\"]");
        assertThat(find(types, "n8n-nodes-base.manualTrigger").path("trigger").asBoolean()).isTrue();

        JsonNode go = find(types, "nlink-community.wasm_demo");
        assertThat(go.path("builtin").asBoolean()).isFalse();
        assertThat(go.path("displayName").asText()).isEqualTo("WASM Demo (Go)");
        assertThat(go.path("packageVersion").asText()).isEqualTo("1.0.0");
        assertThat(go.path("definition").path("properties").get(0).path("name").asText()).isEqualTo("text");
    }

    @Test
    void aPreviewIsTheValueARunGives() {
        assertThat(preview(Map.of("expression", "=Hello {{ $json.name.toUpperCase() }}!", "item", Map.of("name", "ada"))).path("value").asText())
                .isEqualTo("Hello ADA!");
        // One {{ }} alone keeps its type.
        assertThat(preview(Map.of("expression", "={{ $json.n * 2 }}", "item", Map.of("n", 21))).path("value").isNumber()).isTrue();
        // Earlier nodes for $('Name'): the item descends from each.
        JsonNode linked = preview(Map.of("expression", "={{ $('Start').item.json.id }}/{{ $('Start').first().json.id }}",
                "item", Map.of(), "nodes", List.of(Map.of("name", "Start", "json", Map.of("id", 7)))));
        assertThat(linked.path("value").asText()).isEqualTo("7/7");
        // Not an expression: the value itself.
        assertThat(preview(Map.of("expression", "plain {{ text }}")).path("value").asText()).isEqualTo("plain {{ text }}");
    }

    @Test
    void aFailingOrHostileExpressionIsBounded() {
        assertThat(preview(Map.of("expression", "={{ $json.missing.deeper }}")).path("error").asText()).contains("undefined");
        assertThat(preview(Map.of("expression", "={{ ) }}")).path("error").asText()).containsIgnoringCase("syntax");
        // No host: Java classes are not reachable from the sandbox.
        assertThat(preview(Map.of("expression", "={{ Java.type('java.lang.System').exit(1) }}")).has("error")).isTrue();
        // A loop ends at the sandbox's item timeout, as in a run.
        long started = System.nanoTime();
        assertThat(preview(Map.of("expression", "={{ (() => { while (true) {} })() }}")).path("error").asText()).isNotBlank();
        assertThat((System.nanoTime() - started) / 1e9).isLessThan(60);

        assertThat(server.owner.post("/api/expressions/preview", Map.of("expression", "=" + "x".repeat(10_001))).status()).isEqualTo(413);
        assertThat(server.owner.post("/api/expressions/preview", Map.of("expression", "={{ 1 }}", "item", List.of(1))).status()).isEqualTo(400);
        assertThat(server.owner.post("/api/expressions/preview", Map.of("expression", "={{ 1 }}", "item", Map.of("big", "x".repeat(300_000)))).status())
                .isEqualTo(413);
        assertThat(server.owner.post("/api/expressions/preview", Map.of("item", Map.of())).status()).isEqualTo(400);
    }

    @Test
    void aWorkflowNameIsRequiredAndBounded() throws Exception {
        String workflow = "{\"name\": %s, \"nodes\": [{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\"}], \"connections\": {}}";
        for (String name : List.of("\"\"", "\"   \"", "null", "42", Json.write("x".repeat(201)))) {
            ApiClient.Response refused = server.owner.post("/api/workflows", Json.parse(workflow.formatted(name)));
            assertThat(refused.status()).as(name).isEqualTo(400);
            assertThat(refused.json().path("error").asText()).startsWith("name: ");
        }
        ApiClient.Response created = server.owner.post("/api/workflows", Json.parse(workflow.formatted(Json.write("é".repeat(200)))));
        assertThat(created.status()).isEqualTo(201);
        long id = created.json().path("id").asLong();
        ApiClient.Response renamed = server.owner.send("PUT", "/api/workflows/" + id, Json.parse(workflow.formatted("\"\"")));
        assertThat(renamed.status()).isEqualTo(400);
        assertThat(server.owner.get("/api/workflows/" + id).json().path("name").asText()).isEqualTo("é".repeat(200));
    }

    private static JsonNode preview(Map<String, Object> body) {
        ApiClient.Response r = server.owner.post("/api/expressions/preview", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private static JsonNode find(JsonNode types, String type) {
        for (JsonNode t : types) if (t.path("type").asText().equals(type)) return t;
        throw new AssertionError("no node type " + type);
    }
}
