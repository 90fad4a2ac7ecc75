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
        assertThat(names)
                .containsAll(io.nlink.workflow.nodes.BuiltinNodes.types())
                .contains("nlink-community.wasm_demo");

        JsonNode ifNode = find(types, "n8n-nodes-base.if");
        assertThat(ifNode.path("displayName").asText()).isEqualTo("If");
        assertThat(ifNode.path("initial").asText()).isEqualTo("I");
        assertThat(ifNode.path("builtin").asBoolean()).isTrue();
        assertThat(ifNode.path("definition").path("outputNames").toString()).isEqualTo("[\"true\",\"false\"]");
        assertThat(find(types, "n8n-nodes-base.manualTrigger").path("trigger").asBoolean())
                .isTrue();

        JsonNode go = find(types, "nlink-community.wasm_demo");
        assertThat(go.path("builtin").asBoolean()).isFalse();
        assertThat(go.path("displayName").asText()).isEqualTo("WASM Demo (Go)");
        assertThat(go.path("packageVersion").asText()).isEqualTo("1.0.0");
        assertThat(go.path("definition").path("properties").get(0).path("name").asText())
                .isEqualTo("text");
    }

    @Test
    void aPreviewIsTheValueARunGives() {
        assertThat(preview(Map.of(
                                "expression", "=Hello {{ $json.name.toUpperCase() }}!", "item", Map.of("name", "ada")))
                        .path("value")
                        .asText())
                .isEqualTo("Hello ADA!");
        // One {{ }} alone keeps its type.
        assertThat(preview(Map.of("expression", "={{ $json.n * 2 }}", "item", Map.of("n", 21)))
                        .path("value")
                        .isNumber())
                .isTrue();
        // Earlier nodes for $('Name'): the item descends from each.
        JsonNode linked = preview(Map.of(
                "expression",
                "={{ $('Start').item.json.id }}/{{ $('Start').first().json.id }}",
                "item",
                Map.of(),
                "nodes",
                List.of(Map.of("name", "Start", "json", Map.of("id", 7)))));
        assertThat(linked.path("value").asText()).isEqualTo("7/7");
        // Dates in the workflow's time zone, as a run in it computes them.
        assertThat(preview(Map.of(
                                "expression",
                                "={{ $now.zoneName }} {{ DateTime.fromISO('2024-05-01T10:00').toISO() }}",
                                "timezone",
                                "Asia/Tokyo"))
                        .path("value")
                        .asText())
                .isEqualTo("Asia/Tokyo 2024-05-01T10:00:00.000+09:00");
        assertThat(server.owner
                        .post(
                                "/api/expressions/preview",
                                Map.of("expression", "={{ $now }}", "timezone", "Mars/Olympus"))
                        .json()
                        .path("error")
                        .asText())
                .startsWith("timezone: expected a time zone such as");
        // Not an expression: the value itself.
        assertThat(preview(Map.of("expression", "plain {{ text }}"))
                        .path("value")
                        .asText())
                .isEqualTo("plain {{ text }}");
    }

    @Test
    void aFailingOrHostileExpressionIsBounded() {
        assertThat(preview(Map.of("expression", "={{ $json.missing.deeper }}"))
                        .path("error")
                        .asText())
                .contains("undefined");
        assertThat(preview(Map.of("expression", "={{ ) }}")).path("error").asText())
                .containsIgnoringCase("syntax");
        // No host: Java classes are not reachable from the sandbox.
        assertThat(preview(Map.of("expression", "={{ Java.type('java.lang.System').exit(1) }}"))
                        .has("error"))
                .isTrue();
        // A loop ends at the sandbox's item timeout, as in a run.
        long started = System.nanoTime();
        assertThat(preview(Map.of("expression", "={{ (() => { while (true) {} })() }}"))
                        .path("error")
                        .asText())
                .isNotBlank();
        assertThat((System.nanoTime() - started) / 1e9).isLessThan(60);

        assertThat(server.owner
                        .post("/api/expressions/preview", Map.of("expression", "=" + "x".repeat(10_001)))
                        .status())
                .isEqualTo(413);
        assertThat(server.owner
                        .post("/api/expressions/preview", Map.of("expression", "={{ 1 }}", "item", List.of(1)))
                        .status())
                .isEqualTo(400);
        assertThat(server.owner
                        .post(
                                "/api/expressions/preview",
                                Map.of("expression", "={{ 1 }}", "item", Map.of("big", "x".repeat(300_000))))
                        .status())
                .isEqualTo(413);
        assertThat(server.owner
                        .post("/api/expressions/preview", Map.of("item", Map.of()))
                        .status())
                .isEqualTo(400);
    }

    @Test
    void theWorkflowBeingEditedIsCheckedByTheRulesOfSaveAndRun() throws Exception {
        assertThat(server.owner.upload(TestNodes.helloGo()).status())
                .as("installed, or already by another test")
                .isIn(200, 201, 409);
        String workflow = """
                {"name": "Checked", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "Pinned", "type": "nlink-community.wasm_demo", "packageVersion": "9.9.9"},
                  {"name": "Typed", "type": "nlink-community.wasm_demo", "parameters": {"text": 5}},
                  {"name": "Computed", "type": "nlink-community.wasm_demo", "parameters": {"text": "={{ $json.n }}"}},
                  {"name": "Latest", "type": "nlink-community.wasm_demo", "parameters": {"text": "hi"}},
                  {"name": "Gone", "type": "nlink-community.not_here"},
                  {"name": "Off", "type": "nlink-community.not_here", "disabled": true}],
                 "connections": {"Start": {"main": [[{"node": "Pinned", "index": 0}]]}}}""";
        JsonNode problems = validate(Map.of("workflow", Json.parse(workflow)));
        // Saved as it is; a run fails at each node named, with the message the run gives.
        assertThat(texts(problems, "blocks")).containsOnly("run");
        assertThat(texts(problems, "node")).containsExactly("Pinned", "Typed", "Gone");
        assertThat(problems.get(0).path("message").asText())
                .isEqualTo(
                        "community node nlink-community.wasm_demo@9.9.9 is not installed; installed versions: 1.0.0");
        assertThat(problems.get(1).path("message").asText()).startsWith("invalid parameters: params.text: ");
        assertThat(problems.get(2).path("message").asText()).contains("nlink-community.not_here is not installed");

        // What a save refuses, each on its node: an unknown type, a connection to nowhere, a loop, the name.
        String refused = """
                {"name": "", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "A", "type": "n8n-nodes-base.noOp"}, {"name": "B", "type": "n8n-nodes-base.noOp"},
                  {"name": "Odd", "type": "n8n-nodes-base.notAThing"},
                  {"name": "Gone", "type": "nlink-community.not_here"}],
                 "connections": {"Start": {"main": [[{"node": "A", "index": 0}, {"node": "Ghost", "index": 0}]]},
                   "A": {"main": [[{"node": "B", "index": 0}]]}, "B": {"main": [[{"node": "A", "index": 0}]]}}}""";
        JsonNode refusals = validate(Map.of("workflow", Json.parse(refused)));
        List<String> about = new ArrayList<>();
        refusals.forEach(p -> about.add(p.path("blocks").asText() + " "
                + p.path("node").asText("-") + ": " + p.path("message").asText()));
        assertThat(about)
                .anySatisfy(p -> assertThat(p).startsWith("save -: name: "))
                .anySatisfy(
                        p -> assertThat(p)
                                .startsWith(
                                        "save Odd: this workflow uses node types nLink does not have: n8n-nodes-base.notAThing"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("save Start: connections[\"Start\"].main[0][1].node: no node is named \"Ghost\""))
                .anySatisfy(p -> assertThat(p).startsWith("save A: connections: the nodes form a loop"))
                .anySatisfy(p -> assertThat(p).startsWith("save B: connections: the nodes form a loop"))
                .anySatisfy(p ->
                        assertThat(p).startsWith("run Gone: community node nlink-community.not_here is not installed"));
        // The save says the same.
        assertThat(server.owner.post("/api/workflows", Json.parse(refused)).status())
                .isEqualTo(400);
        assertThat(server.owner
                        .post("/api/workflows", Json.parse(refused.replace("\"name\": \"\"", "\"name\": \"x\"")))
                        .json()
                        .path("problems")
                        .toString())
                .contains("notAThing", "Ghost", "loop");

        // A workflow that saves and runs: nothing to say.
        assertThat(validate(Map.of(
                        "workflow",
                        Json.parse(workflow.replace("\"packageVersion\": \"9.9.9\"", "\"packageVersion\": \"1.0.0\"")
                                .replace("\"text\": 5", "\"text\": \"5\"")
                                .replace("not_here\"}", "not_here\", \"disabled\": true}")))))
                .isEmpty();
        assertThat(server.owner
                        .post("/api/workflows/validate", Map.of("workflow", List.of()))
                        .status())
                .isEqualTo(400);

        // Past the parser's node limit: the one refusal, no node looked up one by one.
        List<Map<String, Object>> many = new ArrayList<>();
        for (int i = 0; i <= 1_000; i++) many.add(Map.of("name", "N" + i, "type", "nlink-community.not_here"));
        JsonNode tooMany = validate(Map.of("workflow", Map.of("name", "Many", "nodes", many, "connections", Map.of())));
        assertThat(tooMany).hasSize(1);
        assertThat(tooMany.get(0).path("message").asText()).contains("1001 nodes; at most 1000");
        assertThat(tooMany.get(0).path("blocks").asText()).isEqualTo("save");
    }

    private JsonNode validate(Object body) {
        ApiClient.Response answer = server.owner.post("/api/workflows/validate", body);
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.json().path("problems");
    }

    private static List<String> texts(JsonNode problems, String field) {
        List<String> out = new ArrayList<>();
        problems.forEach(p -> out.add(p.path(field).asText(null)));
        return out;
    }

    @Test
    void aWorkflowNameIsRequiredAndBounded() throws Exception {
        String workflow =
                "{\"name\": %s, \"nodes\": [{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\"}], \"connections\": {}}";
        for (String name : List.of("\"\"", "\"   \"", "null", "42", Json.write("x".repeat(201)))) {
            ApiClient.Response refused = server.owner.post("/api/workflows", Json.parse(workflow.formatted(name)));
            assertThat(refused.status()).as(name).isEqualTo(400);
            assertThat(refused.json().path("error").asText()).startsWith("name: ");
        }
        ApiClient.Response created =
                server.owner.post("/api/workflows", Json.parse(workflow.formatted(Json.write("é".repeat(200)))));
        assertThat(created.status()).isEqualTo(201);
        long id = created.json().path("id").asLong();
        ApiClient.Response renamed =
                server.owner.send("PUT", "/api/workflows/" + id, Json.parse(workflow.formatted("\"\"")));
        assertThat(renamed.status()).isEqualTo(400);
        assertThat(server.owner.get("/api/workflows/" + id).json().path("name").asText())
                .isEqualTo("é".repeat(200));
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
