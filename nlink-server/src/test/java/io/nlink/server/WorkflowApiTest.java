package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workflows through the REST API, with community nodes from the store; webhook and schedule triggers. */
class WorkflowApiTest extends SharedServer {
    @BeforeAll
    static void installNodes() {
        assertThat(server.owner.upload(TestNodes.helloGo()).status()).isEqualTo(201);
        assertThat(server.owner.upload(TestNodes.helloJs()).status()).isEqualTo(201);
    }

    static JsonNode example() throws Exception {
        return Json.parse(Files.readAllBytes(TestNodes.WORKFLOWS.resolve("greetings.json")));
    }

    private static long create(JsonNode workflow) {
        ApiClient.Response created = server.owner.post("/api/workflows", workflow);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().path("id").asLong();
    }

    @Test
    void runsTheExampleAndKeepsItsExecution() throws Exception {
        long id = create(example());
        ApiClient.Response run = server.owner.post(
                "/api/workflows/" + id + "/run",
                Map.of("items", Json.parse(Files.readAllBytes(TestNodes.WORKFLOWS.resolve("people.json")))));
        assertThat(run.status()).as(run.toString()).isEqualTo(200);
        JsonNode execution = run.json();
        assertThat(execution.path("status").asText()).isEqualTo("success");
        assertThat(execution.path("output").findValuesAsText("message"))
                .containsExactly(
                        "Hello, ADA! Greetings from WebAssembly Runtime! 🚀",
                        "Hello, GRACE! Greetings from WebAssembly Runtime! 🚀",
                        "Hello, young LINUS! Greetings from WebAssembly Runtime! 🚀");

        JsonNode list =
                server.owner.get("/api/executions?workflowId=" + id).json().path("executions");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("mode").asText()).isEqualTo("manual");
        assertThat(list.get(0).path("workflowName").asText()).isEqualTo("Greetings");
        JsonNode stored = server.owner
                .get("/api/executions/" + list.get(0).path("id").asLong())
                .json();
        assertThat(stored.path("definition").path("nodes")).hasSize(7);
        JsonNode goNode = null;
        for (JsonNode n : stored.path("nodes")) if (n.path("name").asText().equals("Greet in Go")) goNode = n;
        assertThat(goNode).isNotNull();
        assertThat(goNode.path("runtime").asText()).isEqualTo("wasm");
        assertThat(goNode.path("sample").get(0).findValuesAsText("message"))
                .contains("Hello, ADA! Greetings from WebAssembly Runtime! 🚀");
    }

    @Test
    void expressionsReadTheStoredWorkflowAndTheExecution() throws Exception {
        long id = create(Json.parse("""
                {"name": "Facts", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "parameters": {}},
                  {"name": "Facts", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "parameters": {"assignments": {"assignments": [
                    {"name": "facts", "type": "string",
                     "value": "={{ $workflow.id }}|{{ $workflow.name }}|{{ $workflow.active }}|{{ $execution.id }}|{{ $execution.mode }}"}]}}}],
                 "connections": {"Start": {"main": [[{"node": "Facts", "index": 0}]]}}}""".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        ApiClient.Response run = server.owner.post("/api/workflows/" + id + "/run", Map.of("items", List.of(Map.of())));
        assertThat(run.status()).as(run.toString()).isEqualTo(200);
        assertThat(run.json().path("output").get(0).path("facts").asText())
                .isEqualTo(id + "|Facts|false|" + run.json().path("id").asLong() + "|manual");
    }

    @Test
    void aWorkflowThatCannotRunIsRefusedWithEveryProblem() throws Exception {
        ObjectNode bad = (ObjectNode) example();
        ((ObjectNode) bad.path("nodes").get(1)).put("type", "n8n-nodes-base.googleSheets");
        ApiClient.Response refused = server.owner.post("/api/workflows", bad);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().path("error").asText()).contains("n8n-nodes-base.googleSheets (\"Name it\")");

        long id = create(example());
        assertThat(server.owner.send("PUT", "/api/workflows/" + id, bad).status())
                .isEqualTo(422);
        ObjectNode renamed = (ObjectNode) example();
        renamed.put("name", "Renamed");
        assertThat(server.owner
                        .send("PUT", "/api/workflows/" + id, renamed)
                        .json()
                        .path("name")
                        .asText())
                .isEqualTo("Renamed");
        assertThat(server.owner.delete("/api/workflows/" + id).status()).isEqualTo(204);
        assertThat(server.owner.get("/api/workflows/" + id).status()).isEqualTo(404);
    }

    private static final String WEBHOOK = """
            {"name": "Hook", "nodes": [
              {"name": "Hook", "type": "n8n-nodes-base.webhook", "typeVersion": 2,
               "parameters": {"path": "%s", "httpMethod": "POST", "responseMode": "%s"}},
              {"name": "Greet", "type": "nlink-community.wasm_demo", "parameters": {"text": "={{ $json.body.name }}"}}
            ], "connections": {"Hook": {"main": [[{"node": "Greet", "index": 0}]]}}}""";

    @Test
    void aWebhookCallRunsTheActiveWorkflowAndAnswersWithItsOutput() throws Exception {
        long id = create(Json.parse(WEBHOOK.formatted("greet/me", "lastNode")));
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest call = HttpRequest.newBuilder(URI.create(server.server.url() + "/webhook/greet/me?x=1"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"hook\"}"))
                .build();
        assertThat(http.send(call, HttpResponse.BodyHandlers.ofString()).statusCode())
                .as("inactive: nobody listens")
                .isEqualTo(404);

        assertThat(server.owner
                        .post("/api/workflows/" + id + "/activate", Map.of())
                        .json()
                        .path("active")
                        .asBoolean())
                .isTrue();
        HttpResponse<String> answer = http.send(call, HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode out = Json.parse(answer.body());
        assertThat(out.path("message").asText()).isEqualTo("Hello, hook! Greetings from WebAssembly Runtime! 🚀");
        assertThat(out.path("original_data").path("query").path("x").asText()).isEqualTo("1");
        assertThat(out.path("original_data").path("headers").has("authorization"))
                .isFalse();
        assertThat(server.owner
                        .get("/api/executions?workflowId=" + id)
                        .json()
                        .path("executions")
                        .get(0)
                        .path("mode")
                        .asText())
                .isEqualTo("webhook");

        // Answer at once, run afterwards.
        long later = create(Json.parse(WEBHOOK.formatted("later", "onReceived")));
        server.owner.post("/api/workflows/" + later + "/activate", Map.of());
        HttpResponse<String> started = http.send(
                HttpRequest.newBuilder(URI.create(server.server.url() + "/webhook/later"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"async\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(started.body()).isEqualTo("{\"message\":\"Workflow was started\"}");
        JsonNode executions = awaitExecutions(later, 1, Duration.ofSeconds(60));
        assertThat(executions.get(0).path("status").asText()).isEqualTo("success");

        server.owner.post("/api/workflows/" + id + "/deactivate", Map.of());
        assertThat(http.send(call, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(404);
    }

    @Test
    void aScheduleFiresWhileActiveAndStopsWhenDeactivated() throws Exception {
        String json = """
                {"name": "Every second", "nodes": [
                  {"name": "Tick", "type": "n8n-nodes-base.scheduleTrigger", "typeVersion": 1.2,
                   "parameters": {"rule": {"interval": [{"field": "seconds", "secondsInterval": 1}]}}},
                  {"name": "Stamp", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return items.map(i => ({json: {at: i.json.timestamp}}));"}}
                ], "connections": {"Tick": {"main": [[{"node": "Stamp", "index": 0}]]}}}""";
        long id = create(Json.parse(json));
        server.owner.post("/api/workflows/" + id + "/activate", Map.of());
        JsonNode executions = awaitExecutions(id, 2, Duration.ofSeconds(60));
        assertThat(executions.get(0).path("mode").asText()).isEqualTo("schedule");
        JsonNode record = server.owner
                .get("/api/executions/" + executions.get(0).path("id").asLong())
                .json();
        assertThat(record.path("output").get(0).path("at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*");

        server.owner.post("/api/workflows/" + id + "/deactivate", Map.of());
        Thread.sleep(500); // a firing already under way may still land
        int after = server.owner
                .get("/api/executions?workflowId=" + id)
                .json()
                .path("executions")
                .size();
        Thread.sleep(2500);
        assertThat(server.owner
                        .get("/api/executions?workflowId=" + id)
                        .json()
                        .path("executions")
                        .size())
                .as("no firing once deactivated")
                .isEqualTo(after);
    }

    private static JsonNode awaitExecutions(long workflowId, int count, Duration within) throws InterruptedException {
        Instant deadline = Instant.now().plus(within);
        while (true) {
            JsonNode list = server.owner
                    .get("/api/executions?workflowId=" + workflowId)
                    .json()
                    .path("executions");
            // Recorded when accepted or started, completed at the end.
            boolean ended =
                    list.findValuesAsText("status").stream().noneMatch(s -> s.equals("queued") || s.equals("running"));
            if ((list.size() >= count && ended) || Instant.now().isAfter(deadline)) {
                assertThat(list.size())
                        .as("executions of workflow " + workflowId)
                        .isGreaterThanOrEqualTo(count);
                return list;
            }
            Thread.sleep(200);
        }
    }

    @Test
    void executionsArePrunedByCount(@TempDir Path other) throws Exception {
        try (NlinkServer small = NlinkServer.start(
                TestServer.config(other, TestDatabase.H2).withExecutionRetention(Duration.ofDays(1), 2))) {
            ApiClient owner = new ApiClient(small.url());
            String token = small.setupUrl().orElseThrow().replaceAll(".*token=", "");
            owner.csrf = owner.post("/api/setup", Map.of("token", token, "username", "o", "password", "owner-password"))
                    .json()
                    .path("csrfToken")
                    .asText();
            long id = owner.post(
                            "/api/workflows",
                            Json.parse(
                                    "{\"name\": \"Pruned\", \"nodes\": [{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\"}]}"))
                    .json()
                    .path("id")
                    .asLong();
            for (int i = 0; i < 4; i++)
                assertThat(owner.post("/api/workflows/" + id + "/run", Map.of()).status())
                        .isEqualTo(200);
            List<Long> kept = owner.get("/api/executions").json().path("executions").findValues("id").stream()
                    .map(JsonNode::asLong)
                    .toList();
            assertThat(kept).hasSize(2);
            assertThat(owner.get("/api/executions/" + (kept.get(1) - 1)).status())
                    .isEqualTo(404);
        }
    }
}
