package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Workflows that start other stored workflows, against a real server and database: Execute
 * Workflow calling a child by id (only one its owner may read), the error workflow named in
 * {@code settings.errorWorkflow} receiving n8n's error item, and n8n's older schedule triggers
 * (Cron, Interval) firing on the server's clock.
 */
class CalledWorkflowsTest extends SharedServer {
    /** A child as n8n 1.x exports it: Execute Workflow Trigger 1.1 passing its items through, then a Code node. */
    private static final String CHILD = """
            {"name": "%s", "nodes": [
              {"parameters": {"inputSource": "passthrough"}, "id": "c1", "name": "When Executed by Another Workflow",
               "type": "n8n-nodes-base.executeWorkflowTrigger", "typeVersion": 1.1, "position": [0, 0]},
              {"parameters": {"jsCode": "return $input.all().map(i => ({json: {doubled: i.json.n * 2, by: '%s'}}));"}, "id": "c2",
               "name": "Double", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [220, 0]}
            ], "connections": {"When Executed by Another Workflow": {"main": [[{"node": "Double", "type": "main", "index": 0}]]}}}""";

    /** A parent as n8n 1.x exports it: Execute Workflow 1.2 naming the child with a resource locator in list mode. */
    private static final String PARENT = """
            {"name": "Parent", "nodes": [
              {"parameters": {}, "id": "p1", "name": "When clicking 'Test workflow'", "type": "n8n-nodes-base.manualTrigger",
               "typeVersion": 1, "position": [0, 0]},
              {"parameters": {"workflowId": {"__rl": true, "value": "%s", "mode": "list", "cachedResultName": "Child"},
                              "workflowInputs": {"mappingMode": "defineBelow", "value": {}, "matchingColumns": [], "schema": [],
                                                 "attemptToConvertTypes": false, "convertFieldsToString": true},
                              "options": {}},
               "id": "p2", "name": "Execute Workflow", "type": "n8n-nodes-base.executeWorkflow", "typeVersion": 1.2, "position": [220, 0]}
            ], "connections": {"When clicking 'Test workflow'": {"main": [[{"node": "Execute Workflow", "type": "main", "index": 0}]]}}}""";

    private static long create(ApiClient as, String json) throws Exception {
        ApiClient.Response created = as.post("/api/workflows", Json.parse(json));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().path("id").asLong();
    }

    private static JsonNode run(ApiClient as, long workflow) {
        ApiClient.Response run = as.post(
                "/api/workflows/" + workflow + "/run", Map.of("items", List.of(Map.of("n", 2), Map.of("n", 5))));
        assertThat(run.status()).as(run.toString()).isEqualTo(200);
        return run.json();
    }

    @Test
    void aParentCallsAStoredChildByItsId() throws Exception {
        long child = create(server.owner, CHILD.formatted("Child", "owner"));
        JsonNode execution = run(server.owner, create(server.owner, PARENT.formatted(child)));
        assertThat(execution.path("status").asText()).as(execution.toString()).isEqualTo("success");
        assertThat(execution.path("output").findValuesAsText("doubled")).containsExactly("4", "10");

        // The same child named by the URL n8n's editor shows for it.
        String byUrl = PARENT.formatted(child)
                .replace("\"mode\": \"list\"", "\"mode\": \"url\"")
                .replace(
                        "\"value\": \"" + child + "\"",
                        "\"value\": \"https://n8n.example.com/workflow/" + child + "?tab=x\"");
        assertThat(run(server.owner, create(server.owner, byUrl)).path("output").findValuesAsText("doubled"))
                .containsExactly("4", "10");
    }

    @Test
    void aMemberCallsOnlyWorkflowsTheyMayRead() throws Exception {
        ApiClient member = server.user("callie", "member");
        long ownersChild = create(server.owner, CHILD.formatted("Owner's child", "owner"));
        long membersChild = create(member, CHILD.formatted("Member's child", "member"));

        JsonNode own = run(member, create(member, PARENT.formatted(membersChild)));
        assertThat(own.path("status").asText()).as(own.toString()).isEqualTo("success");
        assertThat(own.path("output").findValuesAsText("by")).containsExactly("member", "member");

        JsonNode others = run(member, create(member, PARENT.formatted(ownersChild)));
        JsonNode missing = run(member, create(member, PARENT.formatted(987654321)));
        for (JsonNode refused : List.of(others, missing)) {
            assertThat(refused.path("status").asText()).as(refused.toString()).isEqualTo("error");
            assertThat(refused.path("errorNode").asText()).isEqualTo("Execute Workflow");
            assertThat(refused.path("error").asText())
                    .contains("does not exist or the owner of \"Parent\" may not run it");
            assertThat(refused.toString()).doesNotContain("doubled").doesNotContain("Owner's child");
        }
        // An id out of reach and one that does not exist are refused alike.
        assertThat(others.path("error").asText())
                .isEqualTo(missing.path("error").asText().replace("987654321", Long.toString(ownersChild)));

        // The owner may run every workflow, so the owner's parent reaches the member's child.
        JsonNode owners = run(server.owner, create(server.owner, PARENT.formatted(membersChild)));
        assertThat(owners.path("output").findValuesAsText("by")).containsExactly("member", "member");
    }

    /** An error workflow as n8n exports one: Error Trigger, then a node that keeps what it received. */
    private static final String ERROR_HANDLER = """
            {"name": "On failure", "nodes": [
              {"parameters": {}, "id": "e1", "name": "Error Trigger", "type": "n8n-nodes-base.errorTrigger", "typeVersion": 1, "position": [0, 0]},
              {"parameters": {"jsCode": "return $input.all();"}, "id": "e2", "name": "Keep", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [220, 0]}
            ], "connections": {"Error Trigger": {"main": [[{"node": "Keep", "type": "main", "index": 0}]]}}}""";

    /** A webhook workflow that fails at Stop and Error, naming its error workflow in its settings as n8n does. */
    private static final String FAILING = """
            {"name": "%s", "settings": {"executionOrder": "v1", "errorWorkflow": "%s"}, "nodes": [
              {"parameters": {"httpMethod": "POST", "path": "%s", "responseMode": "lastNode", "options": {}}, "id": "f1", "name": "Webhook",
               "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0], "webhookId": "%s"},
              {"parameters": {"errorMessage": "={{ 'no stock for ' + $json.body.sku }}"}, "id": "f2", "name": "Stop and Error",
               "type": "n8n-nodes-base.stopAndError", "typeVersion": 1, "position": [220, 0]}
            ], "connections": {"Webhook": {"main": [[{"node": "Stop and Error", "type": "main", "index": 0}]]}}}""";

    private static int call(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.server.url() + "/webhook/" + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sku\": \"A-7\"}"))
                .build();
        return HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    @Test
    void aFailedRunStartsItsErrorWorkflowWithNsErrorItem() throws Exception {
        long handler = create(server.owner, ERROR_HANDLER);
        long failing = create(
                server.owner, FAILING.formatted("Orders", handler, "orders", "3f1c0a4e-0000-4000-8000-000000000001"));
        server.owner.post("/api/workflows/" + failing + "/activate", Map.of());
        assertThat(call("orders")).isEqualTo(500);

        JsonNode failed = awaitExecutions(failing, 1).get(0);
        assertThat(failed.path("status").asText()).isEqualTo("error");
        JsonNode handled = awaitExecutions(handler, 1).get(0);
        assertThat(handled.path("mode").asText()).isEqualTo("error");
        assertThat(handled.path("status").asText()).isEqualTo("success");
        JsonNode item = server.owner
                .get("/api/executions/" + handled.path("id").asLong())
                .json()
                .path("output")
                .get(0);
        assertThat(item.path("execution").path("id").asText())
                .isEqualTo(failed.path("id").asText());
        assertThat(item.path("execution").path("error").path("message").asText())
                .contains("no stock for A-7");
        assertThat(item.path("execution").path("lastNodeExecuted").asText()).isEqualTo("Stop and Error");
        assertThat(item.path("execution").path("mode").asText()).isEqualTo("webhook");
        assertThat(item.path("execution").has("retryOf")).isFalse();
        assertThat(item.path("workflow").path("id").asText()).isEqualTo(Long.toString(failing));
        assertThat(item.path("workflow").path("name").asText()).isEqualTo("Orders");

        // A retry that fails again names the execution it retried.
        assertThat(server.owner
                        .post("/api/executions/" + failed.path("id").asLong() + "/retry", Map.of())
                        .status())
                .isEqualTo(202);
        JsonNode second = awaitExecutions(handler, 2).get(0);
        JsonNode retried = server.owner
                .get("/api/executions/" + second.path("id").asLong())
                .json()
                .path("output")
                .get(0);
        assertThat(retried.path("execution").path("mode").asText()).isEqualTo("retry");
        assertThat(retried.path("execution").path("retryOf").asText())
                .isEqualTo(failed.path("id").asText());

        // A manual run starts no error workflow, as in n8n.
        server.owner.post(
                "/api/workflows/" + failing + "/run", Map.of("items", List.of(Map.of("body", Map.of("sku", "B")))));
        Thread.sleep(1500);
        assertThat(server.owner
                        .get("/api/executions?workflowId=" + handler)
                        .json()
                        .path("executions"))
                .hasSize(2);
    }

    @Test
    void aMembersWorkflowCannotStartAnothersErrorWorkflow() throws Exception {
        ApiClient member = server.user("erin", "member");
        long ownersHandler = create(server.owner, ERROR_HANDLER);
        long membersHandler = create(member, ERROR_HANDLER);
        long reaching = create(
                member,
                FAILING.formatted("Reaching", ownersHandler, "reaching", "3f1c0a4e-0000-4000-8000-000000000002"));
        long own = create(
                member,
                FAILING.formatted("Own", membersHandler, "own-handler", "3f1c0a4e-0000-4000-8000-000000000003"));
        member.post("/api/workflows/" + reaching + "/activate", Map.of());
        member.post("/api/workflows/" + own + "/activate", Map.of());
        assertThat(call("reaching")).isEqualTo(500);
        assertThat(call("own-handler")).isEqualTo(500);

        // The member's own handler runs: by then the other failure has been handled (or refused) too.
        awaitExecutions(membersHandler, 1);
        awaitExecutions(reaching, 1);
        Thread.sleep(1000);
        assertThat(server.owner
                        .get("/api/executions?workflowId=" + ownersHandler)
                        .json()
                        .path("executions"))
                .isEmpty();
    }

    /** A schedule that cannot run as written is refused at activation, naming its node, not left silently off. */
    @Test
    void aScheduleThatCannotRunIsRefusedAtActivation() throws Exception {
        String broken = """
                {"name": "Broken schedules", "nodes": [
                  {"parameters": {"interval": 0}, "id": "b1", "name": "Never", "type": "n8n-nodes-base.interval", "typeVersion": 1, "position": [0, 0]},
                  {"parameters": {"triggerTimes": {"item": [{"mode": "custom", "cronExpression": "not a cron"}]}}, "id": "b2", "name": "Garbled",
                   "type": "n8n-nodes-base.cron", "typeVersion": 1, "position": [0, 200]}
                ], "connections": {}}""";
        long id = create(server.owner, broken);
        ApiClient.Response refused = server.owner.post("/api/workflows/" + id + "/activate", Map.of());
        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.json().path("error").asText())
                .startsWith("the workflow's schedule cannot run: ")
                .contains("node \"Never\": interval must be at least 1")
                .contains("node \"Garbled\"");
        assertThat(server.owner
                        .get("/api/workflows/" + id)
                        .json()
                        .path("active")
                        .asBoolean())
                .as("left inactive")
                .isFalse();
    }

    /** Cron and Interval as n8n exports them; each starts its run with one empty item. */
    @Test
    void intervalAndCronTriggersFireAndTheirRunsAreRecorded() throws Exception {
        String interval = """
                {"name": "Every second", "nodes": [
                  {"parameters": {"interval": 1}, "id": "i1", "name": "Interval", "type": "n8n-nodes-base.interval", "typeVersion": 1, "position": [0, 0]},
                  {"parameters": {"functionCode": "return [{json: {fired: true, input: items[0].json}}];"}, "id": "i2", "name": "Function",
                   "type": "n8n-nodes-base.function", "typeVersion": 1, "position": [220, 0]}
                ], "connections": {"Interval": {"main": [[{"node": "Function", "type": "main", "index": 0}]]}}}""";
        String cron = """
                {"name": "Cron every second", "nodes": [
                  {"parameters": {"triggerTimes": {"item": [{"mode": "custom", "cronExpression": "* * * * * *"}]}}, "id": "k1", "name": "Cron",
                   "type": "n8n-nodes-base.cron", "typeVersion": 1, "position": [0, 0]},
                  {"parameters": {}, "id": "k2", "name": "No Operation, do nothing", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [220, 0]}
                ], "connections": {"Cron": {"main": [[{"node": "No Operation, do nothing", "type": "main", "index": 0}]]}}}""";
        long intervalId = create(server.owner, interval);
        long cronId = create(server.owner, cron);
        server.owner.post("/api/workflows/" + intervalId + "/activate", Map.of());
        server.owner.post("/api/workflows/" + cronId + "/activate", Map.of());

        for (long id : List.of(intervalId, cronId)) {
            JsonNode executions = awaitExecutions(id, 2);
            for (JsonNode e : executions) {
                assertThat(e.path("mode").asText()).isEqualTo("schedule");
                assertThat(e.path("status").asText()).isEqualTo("success");
            }
        }
        JsonNode fired = server.owner
                .get("/api/executions/"
                        + awaitExecutions(intervalId, 2).get(0).path("id").asLong())
                .json();
        assertThat(fired.path("output").get(0).path("fired").asBoolean()).isTrue();
        assertThat(fired.path("output").get(0).path("input").isEmpty())
                .as("Interval starts with an empty item")
                .isTrue();

        for (long id : List.of(intervalId, cronId)) server.owner.post("/api/workflows/" + id + "/deactivate", Map.of());
        Thread.sleep(1500); // a firing already under way may still land
        int after = server.owner
                .get("/api/executions?workflowId=" + intervalId)
                .json()
                .path("executions")
                .size();
        Thread.sleep(2500);
        assertThat(server.owner
                        .get("/api/executions?workflowId=" + intervalId)
                        .json()
                        .path("executions")
                        .size())
                .as("no firing once deactivated")
                .isEqualTo(after);
    }

    /** The executions of {@code workflow}, newest first, once at least {@code count} have ended. */
    private static JsonNode awaitExecutions(long workflow, int count) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            JsonNode list = server.owner
                    .get("/api/executions?workflowId=" + workflow)
                    .json()
                    .path("executions");
            boolean done =
                    list.findValuesAsText("status").stream().noneMatch(s -> s.equals("queued") || s.equals("running"));
            if ((list.size() >= count && done) || Instant.now().isAfter(deadline)) {
                assertThat(list.size()).as("executions of workflow " + workflow).isGreaterThanOrEqualTo(count);
                return list;
            }
            Thread.sleep(200);
        }
    }
}
