package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.server.workflows.WorkflowService;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that shuts down with runs under way lets them finish within its grace, then stops the
 * rest (here a Wait of minutes; a node under way is cut short as by Stop: StopEndsSandboxCallTest)
 * and records each as canceled, saying why: after a restart, no execution is left "running".
 */
class ShutdownTest {
    @TempDir
    Path data;

    private static String workflow(String name, String node) {
        return "{\"name\": \"" + name + "\", \"nodes\": ["
                + "{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\", \"position\": [0, 0], \"parameters\": {}},"
                + node
                + ", {\"name\": \"After\", \"type\": \"n8n-nodes-base.noOp\", \"position\": [400, 0], \"parameters\": {}}],"
                + " \"connections\": {\"Start\": {\"main\": [[{\"node\": \"Slow\", \"index\": 0}]]},"
                + " \"Slow\": {\"main\": [[{\"node\": \"After\", \"index\": 0}]]}}}";
    }

    @Test
    void runsUnderWayAreStoppedAndRecordedWhenTheServerShutsDown() throws Exception {
        TestDatabase db = TestDatabase.H2.fresh();
        long quick, waiting;
        Duration closing;
        TestServer first = TestServer.start(data, db);
        try {
            long quickFlow = LiveApiTest.create(first.owner, LiveApiTest.slowWorkflow("Quick", 1000));
            long waitFlow = LiveApiTest.create(
                    first.owner,
                    workflow(
                            "Waits",
                            "{\"name\": \"Slow\", \"type\": \"n8n-nodes-base.wait\", \"typeVersion\": 1.1,"
                                    + " \"position\": [200, 0], \"parameters\": {\"amount\": 4, \"unit\": \"minutes\"}}"));
            quick = LiveApiTest.start(first.owner, quickFlow, List.of(Map.of("n", 1)));
            waiting = LiveApiTest.start(first.owner, waitFlow, List.of(Map.of("n", 1)));
            awaitStatus(first.owner, waiting, "running");
        } finally {
            Instant started = Instant.now();
            first.close();
            closing = Duration.between(started, Instant.now());
        }
        // The grace, then the stop: not the Wait's 4 minutes.
        assertThat(closing)
                .isLessThan(WorkflowService.SHUTDOWN_GRACE.multipliedBy(2).plusSeconds(20));

        NlinkServer second = NlinkServer.start(TestServer.config(data, db));
        try {
            ApiClient owner = new ApiClient(second.url());
            assertThat(owner.login(TestServer.OWNER, TestServer.OWNER_PASSWORD).status())
                    .isEqualTo(200);
            assertThat(owner.get("/api/executions/" + quick)
                            .json()
                            .path("status")
                            .asText())
                    .as("a run that ends within the grace ends as it would have")
                    .isEqualTo("success");
            JsonNode e = owner.get("/api/executions/" + waiting).json();
            assertThat(e.path("status").asText()).as(e.toString()).isEqualTo("canceled");
            assertThat(e.path("error").asText()).as(e.toString()).contains("the server is shutting down");
        } finally {
            second.close();
        }
    }

    /**
     * A caller waiting on a webhook whose run is under way when the server shuts down gets an
     * answer, not a cut connection: the run that ends within the grace answers as it would have,
     * the one stopped after it (a node that would run for minutes) answers that the server is
     * shutting down.
     */
    @Test
    void webhookCallersUnderWayGetTheirAnswerWhenTheServerShutsDown() throws Exception {
        TestDatabase db = TestDatabase.H2.fresh();
        TestServer first = TestServer.start(data, db);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>> quick, waiting;
        try {
            activate(
                    first.owner,
                    webhookWorkflow(
                            "Quick hook",
                            "quick-hook",
                            "{\"name\": \"Slow\", \"type\": \"n8n-nodes-base.code\", \"position\": [200, 0], \"parameters\":"
                                    + " {\"jsCode\": \"const t = Date.now(); while (Date.now() - t < 3000) {} return [{json: {n: 1}}];\"}}"));
            activate(
                    first.owner,
                    webhookWorkflow(
                            "Waiting hook",
                            "waiting-hook",
                            "{\"name\": \"Slow\", \"type\": \"n8n-nodes-base.code\", \"position\": [200, 0], \"timeout\": 300,"
                                    + " \"parameters\": {\"jsCode\": \"while (true) {}\"}}"));
            quick = http.sendAsync(hook(first, "quick-hook"), java.net.http.HttpResponse.BodyHandlers.ofString());
            waiting = http.sendAsync(hook(first, "waiting-hook"), java.net.http.HttpResponse.BodyHandlers.ofString());
            awaitRunning(first.owner, 2);
        } finally {
            first.close();
        }
        java.net.http.HttpResponse<String> quickAnswer = quick.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(quickAnswer.statusCode()).as(quickAnswer.body()).isEqualTo(200);
        assertThat(quickAnswer.body()).contains("\"n\":1");
        java.net.http.HttpResponse<String> waitingAnswer = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(waitingAnswer.statusCode()).as(waitingAnswer.body()).isGreaterThanOrEqualTo(500);
        assertThat(waitingAnswer.body()).contains("the server is shutting down");
    }

    private static String webhookWorkflow(String name, String path, String slowNode) {
        return "{\"name\": \"" + name + "\", \"nodes\": ["
                + "{\"name\": \"Hook\", \"type\": \"n8n-nodes-base.webhook\", \"typeVersion\": 2, \"position\": [0, 0],"
                + " \"parameters\": {\"path\": \"" + path
                + "\", \"httpMethod\": \"POST\", \"responseMode\": \"lastNode\"}},"
                + slowNode
                + "], \"connections\": {\"Hook\": {\"main\": [[{\"node\": \"Slow\", \"index\": 0}]]}}}";
    }

    private static void activate(ApiClient owner, String workflow) throws Exception {
        long id = LiveApiTest.create(owner, workflow);
        ApiClient.Response activated = owner.post("/api/workflows/" + id + "/activate", Map.of());
        assertThat(activated.status()).as(activated.toString()).isEqualTo(200);
    }

    private static java.net.http.HttpRequest hook(TestServer server, String path) {
        return java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.server.url() + "/webhook/" + path))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"n\": 1}"))
                .build();
    }

    /** Until {@code count} executions are running. */
    private static void awaitRunning(ApiClient client, int count) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(until)) {
            if (client.get("/api/executions?status=running")
                            .json()
                            .path("executions")
                            .size()
                    >= count) return;
            Thread.sleep(50);
        }
        throw new AssertionError("never " + count + " executions running");
    }

    private static void awaitStatus(ApiClient client, long id, String status) throws InterruptedException {
        Instant until = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(until)) {
            if (client.get("/api/executions/" + id)
                    .json()
                    .path("status")
                    .asText()
                    .equals(status)) return;
            Thread.sleep(50);
        }
        throw new AssertionError("execution " + id + " never was " + status);
    }
}
