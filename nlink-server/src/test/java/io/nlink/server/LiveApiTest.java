package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Following and steering executions on a real server: progress as Server-Sent Events, stop,
 * retry, the executions list's filters and pages, pinned data in manual runs, one node run alone.
 */
class LiveApiTest extends SharedServer {
    /** Start → Work (a Code node that takes {@code millis}) → After (Set). */
    static String slowWorkflow(String name, int millis) {
        return "{\"name\": \"" + name + "\", \"nodes\": ["
                + "{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\", \"position\": [0, 0], \"parameters\": {}},"
                + "{\"name\": \"Work\", \"type\": \"n8n-nodes-base.code\", \"position\": [200, 0], \"parameters\": {\"jsCode\":"
                + " \"if (items.some(i => i.json.fail)) throw new Error('asked to fail'); const t = Date.now(); while (Date.now() - t < "
                + millis + ") {} return items;\"}},"
                + "{\"name\": \"After\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"position\": [400, 0], \"parameters\": {"
                + "\"assignments\": {\"assignments\": [{\"name\": \"done\", \"value\": true, \"type\": \"boolean\"}]}, \"includeOtherFields\": true}}],"
                + " \"connections\": {\"Start\": {\"main\": [[{\"node\": \"Work\", \"index\": 0}]]}, \"Work\": {\"main\": [[{\"node\": \"After\", \"index\": 0}]]}}}";
    }

    static long create(ApiClient client, String json) throws Exception {
        ApiClient.Response created = client.post("/api/workflows", Json.parse(json));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().path("id").asLong();
    }

    /** Starts a run without waiting; returns the execution's id. */
    static long start(ApiClient client, long workflowId, Object items) {
        ApiClient.Response started =
                client.post("/api/workflows/" + workflowId + "/run", Map.of("items", items, "wait", false));
        assertThat(started.status()).as(started.toString()).isEqualTo(202);
        assertThat(started.json().path("status").asText()).isEqualTo("queued");
        return started.json().path("id").asLong();
    }

    /** "type data" of each event of a stream, read until execution-finished (or the stream ends). */
    static List<String> events(ApiClient client, long executionId) {
        HttpResponse<Stream<String>> response = client.lines("/api/executions/" + executionId + "/events");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            String type = null;
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.startsWith("event: ")) type = line.substring(7);
                if (line.startsWith("data: ")) {
                    events.add(type + " " + line.substring(6));
                    if ("execution-finished".equals(type)) break;
                }
            }
        }
        return events;
    }

    static JsonNode awaitEnd(ApiClient client, long executionId) throws InterruptedException {
        Instant until = Instant.now().plus(Duration.ofMinutes(2));
        while (Instant.now().isBefore(until)) {
            JsonNode e = client.get("/api/executions/" + executionId).json();
            if (!List.of("queued", "running").contains(e.path("status").asText())) return e;
            Thread.sleep(100);
        }
        throw new AssertionError("execution " + executionId + " did not end");
    }

    private static String node(String event) {
        try {
            JsonNode data = Json.parse(event.substring(event.indexOf(' ') + 1));
            return event.substring(0, event.indexOf(' ')) + " "
                    + data.path("node").asText(data.path("status").asText())
                    + (event.startsWith("node-finished")
                            ? " " + data.path("status").asText() + " " + data.path("itemsOut")
                            : "");
        } catch (Exception e) {
            throw new AssertionError(event, e);
        }
    }

    @Test
    void aRunStartedWithoutWaitingStreamsEachNodeAsItGoes() throws Exception {
        long workflow = create(server.owner, slowWorkflow("Streamed", 1500));
        long id = start(server.owner, workflow, List.of(Map.of("n", 1), Map.of("n", 2)));
        List<String> events = events(server.owner, id);
        assertThat(events.stream().map(LiveApiTest::node).toList())
                .containsExactly(
                        "node-started Start",
                        "node-finished Start success [2]",
                        "node-started Work",
                        "node-finished Work success [2]",
                        "node-started After",
                        "node-finished After success [2]",
                        "execution-finished success");
        JsonNode finished = Json.parse(events.getLast().substring("execution-finished ".length()));
        assertThat(finished.path("id").asLong()).isEqualTo(id);
        // Once it has ended, a stream replays the record and ends.
        assertThat(events(server.owner, id).stream().map(LiveApiTest::node).toList())
                .containsExactly(
                        "node-finished Start success [2]",
                        "node-finished Work success [2]",
                        "node-finished After success [2]",
                        "execution-finished success");
        JsonNode record = server.owner.get("/api/executions/" + id).json();
        assertThat(record.path("status").asText()).isEqualTo("success");
        assertThat(record.path("input")).hasSize(2);
    }

    @Test
    void aStopEndsTheRunAsCanceledInTheNodeUnderWay() throws Exception {
        long workflow = create(server.owner, slowWorkflow("Stopped", 5000));
        long id = start(server.owner, workflow, List.of(Map.of()));
        HttpResponse<Stream<String>> stream = server.owner.lines("/api/executions/" + id + "/events");
        try (Stream<String> lines = stream.body()) {
            // Stop once Work has started: its script is cut short, After never runs.
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) if (it.next().contains("\"node\":\"Work\"")) break;
            ApiClient.Response stop = server.owner.post("/api/executions/" + id + "/stop", Map.of());
            assertThat(stop.status()).as(stop.toString()).isEqualTo(202);
        }
        JsonNode ended = awaitEnd(server.owner, id);
        assertThat(ended.path("status").asText()).isEqualTo("canceled");
        assertThat(ended.path("error").asText()).contains("stopped by owner");
        assertThat(ended.path("errorNode").asText()).isEqualTo("Work");
        assertThat(ended.path("nodes").findValuesAsText("name")).containsExactly("Start", "Work");
        assertThat(server.owner
                        .post("/api/executions/" + id + "/stop", Map.of())
                        .status())
                .isEqualTo(409);
        JsonNode listed = server.owner
                .get("/api/executions?status=canceled&workflowId=" + workflow)
                .json()
                .path("executions");
        assertThat(listed).hasSize(1);
    }

    @Test
    void aStopCutsShortACommunityNodeSpinningInWasmWellBeforeItsTimeBound() throws Exception {
        Duration bound = ServerConfig.DEFAULTS.limits().itemTimeout();
        ApiClient.Response upload = server.owner.upload(TestNodes.withModule(
                "nlink-community.spins_until_stopped", GuestWat.assemble(GuestWat.node("(loop $spin (br $spin))"))));
        assertThat(upload.status()).as(upload.toString()).isEqualTo(201);
        long workflow = create(
                server.owner,
                "{\"name\": \"Spins\", \"nodes\": ["
                        + "{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\", \"position\": [0, 0], \"parameters\": {}},"
                        + "{\"name\": \"Spin\", \"type\": \"nlink-community.spins_until_stopped\", \"position\": [200, 0], \"parameters\": {}},"
                        + "{\"name\": \"After\", \"type\": \"n8n-nodes-base.noOp\", \"position\": [400, 0], \"parameters\": {}}],"
                        + " \"connections\": {\"Start\": {\"main\": [[{\"node\": \"Spin\", \"index\": 0}]]},"
                        + " \"Spin\": {\"main\": [[{\"node\": \"After\", \"index\": 0}]]}}}");
        long id = start(server.owner, workflow, List.of(Map.of("n", 1), Map.of("n", 2)));
        long stoppedAt;
        HttpResponse<Stream<String>> stream = server.owner.lines("/api/executions/" + id + "/events");
        try (Stream<String> lines = stream.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) if (it.next().contains("\"node\":\"Spin\"")) break;
            Thread.sleep(300); // the guest is spinning in its first item by now
            stoppedAt = System.nanoTime();
            ApiClient.Response stop = server.owner.post("/api/executions/" + id + "/stop", Map.of());
            assertThat(stop.status()).as(stop.toString()).isEqualTo(202);
        }
        JsonNode ended = awaitEnd(server.owner, id);
        Duration took = Duration.ofNanos(System.nanoTime() - stoppedAt);
        assertThat(took)
                .as("recorded within seconds of the stop, well before the %s bound", bound)
                .isLessThan(bound.dividedBy(2));
        assertThat(ended.path("status").asText()).isEqualTo("canceled");
        assertThat(ended.path("errorNode").asText()).isEqualTo("Spin");
        assertThat(ended.path("error").asText()).contains("stopped by owner");
        assertThat(ended.path("nodes").findValuesAsText("name")).containsExactly("Start", "Spin");
        assertThat(ended.path("nodes").get(1).path("status").asText()).isEqualTo("canceled");
    }

    @Test
    void anotherMembersExecutionIsNotFoundAndStreamsAreBounded() throws Exception {
        ApiClient member = server.user("streamer", "member");
        long workflow = create(server.owner, slowWorkflow("Private", 3000));
        long id = start(server.owner, workflow, List.of(Map.of()));
        assertThat(member.lines("/api/executions/" + id + "/events").statusCode())
                .isEqualTo(404);
        assertThat(member.post("/api/executions/" + id + "/stop", Map.of()).status())
                .isEqualTo(404);
        assertThat(member.post("/api/executions/" + id + "/retry", Map.of()).status())
                .isEqualTo(404);
        assertThat(server.anonymous().lines("/api/executions/" + id + "/events").statusCode())
                .isEqualTo(401);

        // At most 32 streams at once; the next is refused with Retry-After, and the slots come back when the run ends.
        List<HttpResponse<Stream<String>>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 32; i++) {
                HttpResponse<Stream<String>> r = server.owner.lines("/api/executions/" + id + "/events");
                assertThat(r.statusCode()).isEqualTo(200);
                open.add(r);
            }
            HttpResponse<Stream<String>> refused = server.owner.lines("/api/executions/" + id + "/events");
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            refused.body().close();
        } finally {
            open.forEach(r -> r.body().close());
        }
        awaitEnd(server.owner, id);
        Instant until = Instant.now().plusSeconds(30);
        int status = 0;
        while (Instant.now().isBefore(until) && status != 200) {
            HttpResponse<Stream<String>> again = server.owner.lines("/api/executions/" + id + "/events");
            status = again.statusCode();
            again.body().close();
            if (status != 200) Thread.sleep(200);
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void aFailedExecutionIsRetriedWithItsInputAsANewLinkedExecution() throws Exception {
        long workflow = create(server.owner, slowWorkflow("Retried", 0));
        ApiClient.Response failed = server.owner.post(
                "/api/workflows/" + workflow + "/run", Map.of("items", List.of(Map.of("fail", true, "n", 7))));
        assertThat(failed.json().path("status").asText()).isEqualTo("error");
        long original = failed.json().path("id").asLong();
        // Fixed: the Code node no longer fails; the retry runs the saved workflow with the same input.
        String fixed = slowWorkflow("Retried", 0)
                .replace("if (items.some(i => i.json.fail)) throw new Error('asked to fail'); ", "");
        assertThat(server.owner
                        .send("PUT", "/api/workflows/" + workflow, Json.parse(fixed))
                        .status())
                .isEqualTo(200);
        ApiClient.Response retried = server.owner.post("/api/executions/" + original + "/retry", Map.of());
        assertThat(retried.status()).as(retried.toString()).isEqualTo(202);
        assertThat(retried.json().path("retryOf").asLong()).isEqualTo(original);
        long id = retried.json().path("id").asLong();
        assertThat(id).isNotEqualTo(original);
        JsonNode again = awaitEnd(server.owner, id);
        assertThat(again.path("status").asText()).isEqualTo("success");
        assertThat(again.path("mode").asText()).isEqualTo("retry");
        assertThat(again.path("retryOf").asLong()).isEqualTo(original);
        assertThat(again.path("output").get(0).path("n").asInt()).isEqualTo(7);
        assertThat(again.path("output").get(0).path("done").asBoolean()).isTrue();
        // Only a failed one is retried.
        assertThat(server.owner
                        .post("/api/executions/" + id + "/retry", Map.of())
                        .status())
                .isEqualTo(409);
        assertThat(server.owner
                        .get("/api/executions?mode=retry&workflowId=" + workflow)
                        .json()
                        .path("executions"))
                .hasSize(1);
    }

    @Test
    void theListFiltersAndPagesBeyondTheFirstPage() throws Exception {
        long workflow = create(server.owner, slowWorkflow("Paged", 0));
        Instant before = Instant.now();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ApiClient.Response r = server.owner.post(
                    "/api/workflows/" + workflow + "/run", Map.of("items", List.of(Map.of("fail", i == 2))));
            ids.add(r.json().path("id").asLong());
        }
        List<Long> seen = new ArrayList<>();
        String cursor = "";
        int pages = 0;
        do {
            JsonNode page = server.owner
                    .get("/api/executions?limit=2&workflowId=" + workflow
                            + (cursor.isEmpty() ? "" : "&before=" + cursor))
                    .json();
            assertThat(page.path("executions").size()).isLessThanOrEqualTo(2);
            page.path("executions").forEach(e -> seen.add(e.path("id").asLong()));
            cursor = page.path("nextCursor").isNull()
                    ? ""
                    : page.path("nextCursor").asText();
            pages++;
        } while (!cursor.isEmpty() && pages < 10);
        assertThat(seen).containsExactlyElementsOf(ids.reversed());
        assertThat(pages).isEqualTo(3);

        JsonNode errors = server.owner
                .get("/api/executions?status=error&workflowId=" + workflow)
                .json()
                .path("executions");
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).path("id").asLong()).isEqualTo(ids.get(2));
        assertThat(server.owner
                        .get("/api/executions?mode=webhook&workflowId=" + workflow)
                        .json()
                        .path("executions"))
                .isEmpty();
        assertThat(server.owner
                        .get("/api/executions?workflowId=" + workflow + "&from=" + before)
                        .json()
                        .path("executions"))
                .hasSize(5);
        assertThat(server.owner
                        .get("/api/executions?workflowId=" + workflow + "&to=" + before)
                        .json()
                        .path("executions"))
                .isEmpty();
        assertThat(server.owner.get("/api/executions?status=nope").status()).isEqualTo(400);
        assertThat(server.owner.get("/api/executions?mode=nope").status()).isEqualTo(400);
        assertThat(server.owner.get("/api/executions?from=yesterday").status()).isEqualTo(400);
    }

    static final String PINNED = "{\"name\": \"Pinned\", \"nodes\": ["
            + "{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\", \"position\": [0, 0], \"parameters\": {}},"
            + "{\"name\": \"Work\", \"type\": \"n8n-nodes-base.code\", \"position\": [200, 0], \"parameters\": {\"jsCode\": \"throw new Error('not pinned')\"}},"
            + "{\"name\": \"After\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"position\": [400, 0], \"parameters\": {"
            + "\"assignments\": {\"assignments\": [{\"name\": \"seen\", \"value\": \"={{ $json.pinned }}\", \"type\": \"string\"}]}}}],"
            + " \"connections\": {\"Start\": {\"main\": [[{\"node\": \"Work\", \"index\": 0}]]}, \"Work\": {\"main\": [[{\"node\": \"After\", \"index\": 0}]]}},"
            + " \"pinData\": {\"Work\": [{\"json\": {\"pinned\": \"yes\"}}, {\"json\": {\"pinned\": \"twice\"}}]}}";

    @Test
    void aManualRunPassesPinnedDataOnAndTheWorkflowKeepsItUnchanged() throws Exception {
        long workflow = create(server.owner, PINNED);
        JsonNode stored = server.owner.get("/api/workflows/" + workflow).json().path("workflow");
        assertThat(stored.path("pinData")).isEqualTo(Json.parse(PINNED).path("pinData"));

        JsonNode run = server.owner
                .post("/api/workflows/" + workflow + "/run", Map.of())
                .json();
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("success");
        assertThat(run.path("output").findValuesAsText("seen")).containsExactly("yes", "twice");
        assertThat(run.path("nodes").get(1).path("status").asText()).isEqualTo("pinned");

        // A retry is not a manual run: pins are ignored, as in n8n's production runs, and Work fails for real.
        String unpinned = PINNED.replace(
                "\"pinData\": {\"Work\": [{\"json\": {\"pinned\": \"yes\"}}, {\"json\": {\"pinned\": \"twice\"}}]}",
                "\"pinData\": {}");
        long plain = create(server.owner, unpinned);
        long failed = server.owner
                .post("/api/workflows/" + plain + "/run", Map.of())
                .json()
                .path("id")
                .asLong();
        assertThat(server.owner
                        .send("PUT", "/api/workflows/" + plain, Json.parse(PINNED))
                        .status())
                .isEqualTo(200);
        long retried = server.owner
                .post("/api/executions/" + failed + "/retry", Map.of())
                .json()
                .path("id")
                .asLong();
        JsonNode retry = awaitEnd(server.owner, retried);
        assertThat(retry.path("status").asText()).isEqualTo("error");
        assertThat(retry.path("error").asText()).contains("not pinned");

        ApiClient.Response malformed = server.owner.post(
                "/api/workflows", Json.parse(PINNED.replace("[{\"json\": {\"pinned\": \"yes\"}}, ", "[3, ")));
        assertThat(malformed.status()).isEqualTo(422);
        assertThat(malformed.json().path("error").asText()).contains("pinData[\"Work\"][0]");
    }

    @Test
    void oneNodeRunsAloneWithTheItemsGivenForItsUpstreamNode() throws Exception {
        long workflow = create(server.owner, PINNED);
        // The editor's unsaved definition, and Work's output as the last run (or a pin) had it.
        JsonNode definition = Json.parse(PINNED.replace("={{ $json.pinned }}", "={{ $json.pinned.toUpperCase() }}"));
        ApiClient.Response alone = server.owner.post(
                "/api/workflows/" + workflow + "/run-node",
                Map.of(
                        "node",
                        "After",
                        "workflow",
                        definition,
                        "outputs",
                        Map.of("Work", List.of(List.of(Map.of("pinned", "abc"), Map.of("pinned", "de"))))));
        assertThat(alone.status()).as(alone.toString()).isEqualTo(200);
        assertThat(alone.json().path("status").asText()).isEqualTo("success");
        assertThat(alone.json().path("nodes")).hasSize(1);
        assertThat(alone.json().path("nodes").get(0).path("itemsIn").toString()).isEqualTo("[2]");
        assertThat(alone.json().path("output").findValuesAsText("seen")).containsExactly("ABC", "DE");
        // Nothing stored: it is the editor's test, not an execution.
        assertThat(server.owner
                        .get("/api/executions?workflowId=" + workflow)
                        .json()
                        .path("executions"))
                .isEmpty();

        assertThat(server.owner
                        .post("/api/workflows/" + workflow + "/run-node", Map.of("node", "Nope"))
                        .status())
                .isEqualTo(400);
        assertThat(server.owner
                        .post(
                                "/api/workflows/" + workflow + "/run-node",
                                Map.of("node", "After", "outputs", Map.of("Work", List.of(List.of(1)))))
                        .status())
                .isEqualTo(400);
        ApiClient member = server.user("alone", "member");
        assertThat(member.post("/api/workflows/" + workflow + "/run-node", Map.of("node", "After"))
                        .status())
                .isEqualTo(404);
    }
}
