package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The run variables n8n users write in expressions and the Code node: {@code $workflow},
 * {@code $execution}, {@code $runIndex}, {@code $prevNode}, {@code $itemIndex},
 * {@code $nodeVersion} and {@code $mode}, from real runs.
 */
class ExpressionVariablesTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static String set(String name, String field, String expression, String position) {
        return "{\"name\": \"" + name + "\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"position\": "
                + position
                + ", \"parameters\": {\"includeOtherFields\": true, \"assignments\": {\"assignments\": [{\"name\": \""
                + field
                + "\", \"value\": " + Json.write(expression) + ", \"type\": \"string\"}]}}}";
    }

    @Test
    void theWorkflowTheExecutionTheItemAndThePreviousNodeAsTheCallerGaveThem() throws Exception {
        String json = """
                {"name": "Orders nightly", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "position": [0, 0]},
                  {"name": "Adult?", "type": "n8n-nodes-base.if", "typeVersion": 2, "position": [200, 0], "parameters": {"conditions": {"conditions": [
                    {"leftValue": "={{ $json.age }}", "rightValue": 18, "operator": {"type": "number", "operation": "gte"}}]}}},
                  %s,
                  {"name": "Code", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [600, 0], "parameters": {"jsCode": %s}}
                ], "connections": {"Start": {"main": [[{"node": "Adult?", "index": 0}]]}, "Adult?": {"main": [[], [{"node": "Describe", "index": 0}]]},
                                   "Describe": {"main": [[{"node": "Code", "index": 0}]]}}}""".formatted(
                        set(
                                "Describe",
                                "line",
                                "={{ $workflow.name }}|{{ $workflow.id }}|{{ $workflow.active }}|{{ $execution.id }}|{{ $execution.mode }}"
                                        + "|{{ $mode }}|{{ $itemIndex }}|{{ $runIndex }}|{{ $prevNode.name }}|{{ $prevNode.outputIndex }}"
                                        + "|{{ $prevNode.runIndex }}|{{ $nodeVersion }}",
                                "[400, 0]"),
                        Json.write(
                                "return [{json: {code: [$workflow.id, $execution.id, $execution.mode, $prevNode.name, $runIndex, $nodeVersion].join('|')}}];"));
        RunControl control = new RunControl(new RunControl.Listener() {}, Map.of())
                .withFacts(new RunFacts("17", true, "4242", "webhook", null));
        Execution run = engine.run(
                Fixtures.workflow(json),
                null,
                Fixtures.items("[{\"age\": 3}, {\"age\": 40}, {\"age\": 12}]"),
                r -> {},
                control);
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        List<JsonNode> described = run.nodes().stream()
                .filter(n -> n.name().equals("Describe"))
                .findFirst()
                .orElseThrow()
                .sample()
                .get(0);
        // Items 0 and 2 are the false branch (output 1) of the If node.
        assertThat(described.stream().map(i -> i.path("line").asText()).toList())
                .containsExactly(
                        "Orders nightly|17|true|4242|webhook|webhook|0|0|Adult?|1|0|3.4",
                        "Orders nightly|17|true|4242|webhook|webhook|1|0|Adult?|1|0|3.4");
        assertThat(run.output().get(0).path("code").asText()).isEqualTo("17|4242|webhook|Describe|0|2");
    }

    @Test
    void withoutARunTheyDescribeAManualRunOfAnUnsavedWorkflowAsTheEditorsPreviewShows() {
        var params = Json.MAPPER
                .createObjectNode()
                .put(
                        "v",
                        "={{ String($workflow.id) + '|' + $workflow.active + '|' + $execution.mode + '|' + $runIndex + '|' + $prevNode }}");
        var resolved = new io.nlink.workflow.expr.Expressions(Fixtures.JS, io.nlink.runtime.SandboxLimits.DEFAULTS)
                .resolve(params, List.of(Item.start(Json.MAPPER.createObjectNode())), Map.of());
        assertThat(resolved.get(0).failure()).isNull();
        assertThat(resolved.get(0).params().path("v").asText()).isEqualTo("null|false|manual|0|undefined");
    }

    @Test
    void aRunFromAFileIsManualWithoutIdsAndRunIndexCountsALoopsRuns() throws Exception {
        String json = """
                {"name": "loop", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "position": [0, 0]},
                  {"name": "Loop Over Items", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 3, "position": [200, 0], "parameters": {"batchSize": 2}},
                  %s,
                  {"name": "After", "type": "n8n-nodes-base.noOp", "position": [400, -100]}
                ], "connections": {
                  "Start": {"main": [[{"node": "Loop Over Items", "index": 0}]]},
                  "Loop Over Items": {"main": [[{"node": "After", "index": 0}], [{"node": "Body", "index": 0}]]},
                  "Body": {"main": [[{"node": "Loop Over Items", "index": 0}]]}
                }}""".formatted(set(
                "Body",
                "seen",
                "={{ $runIndex }}/{{ $prevNode.name }}:{{ $prevNode.outputIndex }}:{{ $prevNode.runIndex }}/{{ $execution.mode }}/{{ $workflow.id === null }}/{{ $workflow.active }}",
                "[400, 100]"));
        Execution run = engine.run(
                Fixtures.workflow(json),
                null,
                Fixtures.items("[{\"n\": 1}, {\"n\": 2}, {\"n\": 3}, {\"n\": 4}, {\"n\": 5}]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.output().stream().map(i -> i.path("seen").asText()).toList())
                .containsExactly(
                        "0/Loop Over Items:1:0/manual/true/false",
                        "0/Loop Over Items:1:0/manual/true/false",
                        "1/Loop Over Items:1:1/manual/true/false",
                        "1/Loop Over Items:1:1/manual/true/false",
                        "2/Loop Over Items:1:2/manual/true/false");
    }
}
