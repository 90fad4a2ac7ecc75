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
