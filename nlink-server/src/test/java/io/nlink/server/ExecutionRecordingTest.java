package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Execution records are written off the request thread, in batches: no record may be lost for
 * it. Webhook runs answered under concurrent load, then the server closed at once, must all be
 * there as successes after a restart (a lost outcome would show as {@code running}, or as
 * {@code crashed} once the restarted server takes up what it left unfinished), with the output
 * each caller was answered with.
 */
class ExecutionRecordingTest {
    @TempDir
    Path data;

    private static final int CALLS = 120;

    static final String SET_WORKFLOW = """
            {"name": "Recorded", "nodes": [
              {"name": "Hook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
               "parameters": {"path": "recorded", "httpMethod": "POST", "responseMode": "lastNode"}},
              {"name": "Greet", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [220, 0],
               "parameters": {"mode": "manual", "includeOtherFields": false, "assignments": {"assignments": [
                 {"id": "a", "name": "greeting", "value": "={{ 'Hello, ' + $json.body.name }}", "type": "string"}]}}}],
             "connections": {"Hook": {"main": [[{"node": "Greet", "type": "main", "index": 0}]]}}}""";

    @Test
    void everyAnsweredRunIsRecordedAfterAnImmediateShutdown() throws Exception {
        Map<String, Integer> answered = new HashMap<>();
        try (TestServer first = TestServer.start(data, TestDatabase.H2)) {
            long id = first.owner
                    .post("/api/workflows", Json.parse(SET_WORKFLOW.getBytes(StandardCharsets.UTF_8)))
                    .json()
                    .path("id")
                    .asLong();
            assertThat(first.owner
                            .post("/api/workflows/" + id + "/activate", Map.of())
                            .status())
                    .isEqualTo(200);
            HttpClient http = HttpClient.newHttpClient();
            URI hook = URI.create(first.server.url() + "/webhook/recorded");
            ExecutorService callers = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> calls = new ArrayList<>();
                for (int i = 0; i < CALLS; i++) {
                    String name = "caller " + i;
                    calls.add(callers.submit(() -> {
                        HttpResponse<String> answer = http.send(
                                HttpRequest.newBuilder(hook)
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("name", name))))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                        return Json.parse(answer.body().getBytes(StandardCharsets.UTF_8))
                                .path("greeting")
                                .asText();
                    }));
                }
                for (Future<String> call : calls) answered.merge(call.get(), 1, Integer::sum);
            } finally {
                callers.shutdown();
            }
        } // closed the moment the last caller had its answer
        assertThat(answered).hasSize(CALLS);

        try (NlinkServer again = NlinkServer.start(TestServer.config(data, TestDatabase.H2))) {
            ApiClient owner = new ApiClient(again.url());
            assertThat(owner.login(TestServer.OWNER, TestServer.OWNER_PASSWORD).status())
                    .isEqualTo(200);
            JsonNode executions = owner.get("/api/executions?limit=1000").json().path("executions");
            assertThat(executions).hasSize(CALLS);
            Map<String, Integer> recorded = new HashMap<>();
            for (JsonNode e : executions) {
                assertThat(e.path("status").asText()).as(e.toString()).isEqualTo("success");
                JsonNode record =
                        owner.get("/api/executions/" + e.path("id").asLong()).json();
                recorded.merge(record.path("output").path(0).path("greeting").asText(), 1, Integer::sum);
            }
            assertThat(recorded).isEqualTo(answered);
        }
    }
}
