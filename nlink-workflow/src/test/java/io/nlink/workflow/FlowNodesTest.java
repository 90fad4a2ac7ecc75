package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Wait, Execute Workflow with its trigger, and the Error Trigger's item: nodes that reach outside one straight run. */
class FlowNodesTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static String node(String name, String type, double version, String parameters) {
        return "{\"name\": \"" + name + "\", \"type\": \"n8n-nodes-base." + type + "\", \"typeVersion\": " + version
                + ", \"parameters\": " + parameters + "}";
    }

    private static final String STAMP =
            "{\"name\": \"Stamp\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\": \"return items.map(i => ({json: {...i.json, at: Date.now()}}));\"}}";

    @Test
    void waitPausesTheRunAndPassesItsItemsOn() throws Exception {
        Workflow workflow = Fixtures.workflow(Fixtures.chain(
                STAMP.replace("Stamp", "Before"),
                node("Wait", "wait", 1.1, "{\"amount\": 0.4, \"unit\": \"seconds\"}"),
                STAMP.replace("Stamp", "After")));
        Execution run = engine.run(workflow, null, Fixtures.items("[{\"n\": 1}, {\"n\": 2}]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        long waited = run.output().get(0).path("at").asLong()
                - run.node("Before").sample().get(0).get(0).path("at").asLong();
        assertThat(waited).isBetween(400L, 5_000L);
        assertThat(run.output()).extracting(j -> j.path("n").asInt()).containsExactly(1, 2);
    }

    @Test
    void aWaitingAsyncRunHoldsNoThreadAndAStopEndsItsWait() throws Exception {
        Workflow workflow = Fixtures.workflow(
                Fixtures.chain(node("Wait", "wait", 1.1, "{\"amount\": 2, \"unit\": \"minutes\"}"), STAMP));
        int before = Thread.activeCount();
        List<RunControl> controls = new java.util.ArrayList<>();
        List<CompletableFuture<Execution>> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            RunControl control = new RunControl(new RunControl.Listener() {}, Map.of());
            controls.add(control);
            runs.add(engine.runAsync(workflow, null, null, r -> {}, control));
        }
        Thread.sleep(1_000);
        // 200 runs paused at their Wait: none holds a platform thread.
        assertThat(runs).noneMatch(CompletableFuture::isDone);
        assertThat(Thread.activeCount() - before).isLessThan(20);
        Instant stopAt = Instant.now();
        controls.forEach(c -> c.stop("test"));
        for (CompletableFuture<Execution> run : runs) {
            Execution e = run.get(10, TimeUnit.SECONDS);
            assertThat(e.status()).isEqualTo(Execution.Status.CANCELED);
            assertThat(e.error()).isEqualTo("stopped before node \"Stamp\": test");
        }
        assertThat(Duration.between(stopAt, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void waitRefusesWhatItCannotDo() throws Exception {
        Execution tooLong = engine.run(
                Fixtures.workflow(Fixtures.chain(node("Wait", "wait", 1, "{}"))), null, null); // version 1: 1 hour
        assertThat(tooLong.error()).startsWith("the wait of 60 min is longer than nLink waits within one run (5 min)");
        Execution webhook = engine.run(
                Fixtures.workflow(Fixtures.chain(node("Wait", "wait", 1.1, "{\"resume\": \"webhook\"}"))), null, null);
        assertThat(webhook.error()).startsWith("resume \"webhook\" is not supported: nLink has no resume URL");
        Execution past = engine.run(
                Fixtures.workflow(Fixtures.chain(node(
                        "Wait",
                        "wait",
                        1.1,
                        "{\"resume\": \"specificTime\", \"dateTime\": \"2020-01-01T00:00:00Z\"}"))),
                null,
                null);
        assertThat(past.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(engine.withMaxWait(Duration.ofHours(2))
                        .run(
                                Fixtures.workflow(Fixtures.chain(node(
                                        "Wait",
                                        "wait",
                                        1.1,
                                        "{\"resume\": \"specificTime\", \"dateTime\": \""
                                                + Instant.now().plusSeconds(1) + "\"}"))),
                                null,
                                null)
                        .status())
                .isEqualTo(Execution.Status.SUCCESS);
    }

    /** A called workflow: its trigger keeps the fields it declares, a Set doubles one. */
    private static final String CALLED = """
            {"name": "Double it", "nodes": [
              {"name": "When called", "type": "n8n-nodes-base.executeWorkflowTrigger", "typeVersion": 1.1, "parameters": {"inputSource": "workflowInputs",
                "workflowInputs": {"values": [{"name": "n", "type": "number"}]}}},
              {"name": "Double", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "parameters": {"assignments": {"assignments": [
                {"name": "twice", "value": "={{ $json.n * 2 }}", "type": "number"}]}, "includeOtherFields": true}}
            ], "connections": {"When called": {"main": [[{"node": "Double", "index": 0}]]}}}""";

    private static final String CALLER = """
            {"name": "caller", "nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
              {"name": "Call", "type": "n8n-nodes-base.executeWorkflow", "typeVersion": 1.1, "parameters": %s},
              {"name": "Name", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "parameters": {"assignments": {"assignments": [
                {"name": "who", "value": "={{ $('Start').item.json.name }}", "type": "string"}]}, "includeOtherFields": true}}
            ], "connections": {"Start": {"main": [[{"node": "Call", "index": 0}]]}, "Call": {"main": [[{"node": "Name", "index": 0}]]}}}""";

    private static final String PEOPLE = "[{\"name\": \"ada\", \"n\": 1}, {\"name\": \"bob\", \"n\": 5}]";

    @Test
    void executeWorkflowCallsAStoredWorkflowOnceOrPerItemAndItsItemsPairWithTheCallers() throws Exception {
        Workflow called = Fixtures.workflow(CALLED);
        WorkflowEngine withStore = engine.withSubWorkflows(id -> {
            if (id.equals("42")) return called;
            throw new SubWorkflows.NotCallable("workflow " + id + " does not exist or you may not run it");
        });
        for (String mode : List.of("once", "each")) {
            String params =
                    "{\"source\": \"database\", \"workflowId\": {\"__rl\": true, \"value\": \"42\", \"mode\": \"list\"}, \"mode\": \""
                            + mode + "\", \"options\": {}}";
            Execution run = withStore.run(Fixtures.workflow(CALLER.formatted(params)), null, Fixtures.items(PEOPLE));
            assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
            // The trigger kept only n; the caller's Set still finds each item's Start item through the call.
            assertThat(run.output())
                    .extracting(JsonNode::toString)
                    .containsExactly("{\"n\":1,\"twice\":2,\"who\":\"ada\"}", "{\"n\":5,\"twice\":10,\"who\":\"bob\"}");
        }
        Execution unknown = withStore.run(
                Fixtures.workflow(CALLER.formatted("{\"workflowId\": \"7\"}")), null, Fixtures.items(PEOPLE));
        assertThat(unknown.error()).isEqualTo("workflow 7 does not exist or you may not run it");
        Execution noStore = engine.run(
                Fixtures.workflow(CALLER.formatted("{\"workflowId\": \"42\"}")), null, Fixtures.items(PEOPLE));
        assertThat(noStore.error()).startsWith("workflow 42 cannot be called here");
        Execution file = engine.run(
                Fixtures.workflow(CALLER.formatted("{\"source\": \"localFile\", \"workflowPath\": \"/etc/passwd\"}")),
                null,
                Fixtures.items(PEOPLE));
        assertThat(file.error()).startsWith("source \"localFile\" is not supported");
    }

    @Test
    void executeWorkflowRunsJsonGivenAsAParameterAndReportsItsFailure() throws Exception {
        String json = Fixtures.items("[" + CALLED + "]").get(0).toString();
        String params = "{\"source\": \"parameter\", \"workflowJson\": "
                + io.nlink.runtime.json.Json.MAPPER.writeValueAsString(json) + "}";
        Execution run = engine.run(Fixtures.workflow(CALLER.formatted(params)), null, Fixtures.items(PEOPLE));
        assertThat(run.output()).extracting(j -> j.path("twice").asInt()).containsExactly(2, 10);
        String failing = json.replace("$json.n * 2", "$json.n.nope.deeper");
        Execution failed = engine.run(
                Fixtures.workflow(CALLER.formatted(params.replace(
                        io.nlink.runtime.json.Json.MAPPER.writeValueAsString(json),
                        io.nlink.runtime.json.Json.MAPPER.writeValueAsString(failing)))),
                null,
                Fixtures.items(PEOPLE));
        assertThat(failed.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(failed.error()).startsWith("the sub-workflow \"Double it\" failed at node \"Double\": item 0:");
    }

    @Test
    void aWorkflowCallingItselfStopsAtTheDepthBound() throws Exception {
        String self = """
                {"name": "me", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "When called", "type": "n8n-nodes-base.executeWorkflowTrigger", "typeVersion": 1},
                  {"name": "Again", "type": "n8n-nodes-base.executeWorkflow", "typeVersion": 1, "parameters": {"workflowId": "1"}}
                ], "connections": {"Start": {"main": [[{"node": "Again", "index": 0}]]}, "When called": {"main": [[{"node": "Again", "index": 0}]]}}}""";
        Workflow me = Fixtures.workflow(self);
        Execution run = engine.withSubWorkflows(id -> me).run(me, null, null);
        assertThat(run.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(run.error()).contains("sub-workflows nest more than 8 deep (does a workflow call itself?)");
    }

    @Test
    void theErrorTriggerItemHasN8nsShape() throws Exception {
        Execution failed = engine.run(
                Fixtures.workflow(Fixtures.chain(node("Fail", "stopAndError", 1, "{\"errorMessage\": \"no stock\"}"))),
                null,
                null);
        JsonNode item =
                ErrorWorkflows.payload(failed, "231", "https://nlink.example/executions/231", null, "webhook", "1");
        assertThat(item.toString())
                .isEqualTo("{\"execution\":{\"id\":\"231\",\"url\":\"https://nlink.example/executions/231\","
                        + "\"error\":{\"message\":\"no stock\",\"node\":{\"name\":\"Fail\"}},\"lastNodeExecuted\":\"Fail\",\"mode\":\"webhook\"},"
                        + "\"workflow\":{\"id\":\"1\",\"name\":\"chain\"}}");
        Workflow handler =
                Fixtures.workflow("{\"settings\": {}, \"nodes\": [" + node("On error", "errorTrigger", 1, "{}") + ","
                        + node(
                                "Say",
                                "set",
                                3.4,
                                "{\"assignments\": {\"assignments\": [{\"name\": \"text\", \"value\": \"={{ $json.workflow.name }} failed at {{ $json.execution.lastNodeExecuted }}: {{ $json.execution.error.message }}\", \"type\": \"string\"}]}}")
                        + "], \"connections\": {\"On error\": {\"main\": [[{\"node\": \"Say\", \"index\": 0}]]}}}");
        Execution ran = engine.run(handler, ErrorWorkflows.errorTriggerOf(handler), List.of(item));
        assertThat(ran.output())
                .extracting(JsonNode::toString)
                .containsExactly("{\"text\":\"chain failed at Fail: no stock\"}");
        assertThat(ErrorWorkflows.errorWorkflowOf(
                        Fixtures.workflow("{\"settings\": {\"errorWorkflow\": \"17\"}, \"nodes\": ["
                                + node("S", "manualTrigger", 1, "{}") + "]}")))
                .isEqualTo("17");
    }
}
