package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Loop Over Items (Split in Batches 1 to 3): the loop its body feeds back into, run as n8n runs it. */
class LoopNodesTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static final String FIVE = "[{\"n\": 1}, {\"n\": 2}, {\"n\": 3}, {\"n\": 4}, {\"n\": 5}]";

    /** n8n's own shape of the v3 loop: done → After, loop → Double → back to the loop. */
    private static final String V3 = """
            {"name": "loop v3", "nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "position": [0, 0]},
              {"name": "Loop Over Items", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 3, "position": [200, 0], "parameters": {"batchSize": %s, "options": {}}},
              {"name": "Double", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [400, 100], "parameters": {"assignments": {"assignments": [
                {"name": "twice", "value": "={{ $json.n * 2 }}", "type": "number"},
                {"name": "batch", "value": "={{ $node['Loop Over Items'].context['currentRunIndex'] }}", "type": "number"}]}, "includeOtherFields": true}},
              {"name": "After", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [400, -100], "parameters": {"assignments": {"assignments": [
                {"name": "from", "value": "={{ $('Start').item.json.n }}", "type": "number"}]}, "includeOtherFields": true}}
            ], "connections": {
              "Start": {"main": [[{"node": "Loop Over Items", "type": "main", "index": 0}]]},
              "Loop Over Items": {"main": [[{"node": "After", "type": "main", "index": 0}], [{"node": "Double", "type": "main", "index": 0}]]},
              "Double": {"main": [[{"node": "Loop Over Items", "type": "main", "index": 0}]]}
            }}""";

    @Test
    void version3RunsTheBodyPerBatchAndSendsEverythingItFedBackToDone() throws Exception {
        Execution run = engine.run(Fixtures.workflow(V3.formatted(2)), null, Fixtures.items(FIVE));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        // Three batches (2, 2, 1) and the run that finds none left: Loop ran 4 times, Double 3, After once.
        assertThat(run.nodes())
                .extracting(Execution.NodeRecord::name)
                .containsExactly(
                        "Start",
                        "Loop Over Items",
                        "After",
                        "Double",
                        "Loop Over Items",
                        "Double",
                        "Loop Over Items",
                        "Double",
                        "Loop Over Items",
                        "After");
        assertThat(run.nodes().stream()
                        .filter(r -> r.name().equals("Loop Over Items"))
                        .map(Execution.NodeRecord::itemsOut)
                        .toList())
                .containsExactly(List.of(0, 2), List.of(0, 2), List.of(0, 1), List.of(5, 0));
        assertThat(run.nodes().get(2).status()).isEqualTo("skipped"); // After, before the loop was done
        assertThat(run.lastNode()).isEqualTo("After");
        // Every item came back through the body, in order, and still pairs with the Start item it came from.
        assertThat(run.output())
                .extracting(JsonNode::toString)
                .containsExactly(
                        "{\"n\":1,\"twice\":2,\"batch\":0,\"from\":1}",
                        "{\"n\":2,\"twice\":4,\"batch\":0,\"from\":2}",
                        "{\"n\":3,\"twice\":6,\"batch\":1,\"from\":3}",
                        "{\"n\":4,\"twice\":8,\"batch\":1,\"from\":4}",
                        "{\"n\":5,\"twice\":10,\"batch\":2,\"from\":5}");
    }

    @Test
    void aBatchAsLargeAsTheInputLoopsOnce() throws Exception {
        Execution run = engine.run(Fixtures.workflow(V3.formatted(10)), null, Fixtures.items(FIVE));
        assertThat(run.nodes().stream().filter(r -> r.name().equals("Double")).count())
                .isEqualTo(1);
        assertThat(run.output()).hasSize(5);
    }

    @Test
    void version1EndsWhenNoItemsAreLeftAndTheIfLeavesTheLoop() throws Exception {
        String json = """
                {"name": "loop v1", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "position": [0, 0]},
                  {"name": "SplitInBatches", "type": "n8n-nodes-base.splitInBatches", "typeVersion": %s, "position": [200, 0], "parameters": {"batchSize": 2, "options": {}}},
                  {"name": "Mark", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [400, 0], "parameters": {"assignments": {"assignments": [
                    {"name": "seen", "value": true, "type": "boolean"}]}, "includeOtherFields": true}},
                  {"name": "Done?", "type": "n8n-nodes-base.if", "typeVersion": 1, "position": [600, 0], "parameters": {"conditions": {"boolean": [
                    {"value1": "={{ $node['SplitInBatches'].context['noItemsLeft'] }}", "value2": true}]}}},
                  {"name": "After", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [800, 0], "parameters": {"jsCode": "return [{json: {last: $input.all().map(i => i.json.n), runs: $node['SplitInBatches'].context.currentRunIndex + 1}}];"}}
                ], "connections": {
                  "Start": {"main": [[{"node": "SplitInBatches", "index": 0}]]},
                  "SplitInBatches": {"main": [[{"node": "Mark", "index": 0}]]},
                  "Mark": {"main": [[{"node": "Done?", "index": 0}]]},
                  "Done?": {"main": [[{"node": "After", "index": 0}], [{"node": "SplitInBatches", "index": 0}]]}
                }}""";
        for (String version : List.of("1", "2")) {
            Execution run = engine.run(Fixtures.workflow(json.formatted(version)), null, Fixtures.items(FIVE));
            assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
            assertThat(run.nodes().stream().filter(r -> r.name().equals("Mark")).count())
                    .isEqualTo(3);
            assertThat(run.output()).extracting(JsonNode::toString).containsExactly("{\"last\":[5],\"runs\":3}");
        }
    }

    @Test
    void nestedLoopsStartTheInnerLoopAgainForEachOuterBatch() throws Exception {
        String json = """
                {"name": "nested", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "position": [0, 0]},
                  {"name": "Outer", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 3, "position": [200, 0], "parameters": {"batchSize": 2}},
                  {"name": "Inner", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 3, "position": [400, 100], "parameters": {"batchSize": 1}},
                  {"name": "Tag", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [600, 200], "parameters": {"assignments": {"assignments": [
                    {"name": "outer", "value": "={{ $node['Outer'].context.currentRunIndex }}", "type": "number"},
                    {"name": "inner", "value": "={{ $node['Inner'].context.currentRunIndex }}", "type": "number"}]}, "includeOtherFields": true}},
                  {"name": "End", "type": "n8n-nodes-base.noOp", "position": [400, -100]}
                ], "connections": {
                  "Start": {"main": [[{"node": "Outer", "index": 0}]]},
                  "Outer": {"main": [[{"node": "End", "index": 0}], [{"node": "Inner", "index": 0}]]},
                  "Inner": {"main": [[{"node": "Outer", "index": 0}], [{"node": "Tag", "index": 0}]]},
                  "Tag": {"main": [[{"node": "Inner", "index": 0}]]}
                }}""";
        Execution run =
                engine.run(Fixtures.workflow(json), null, Fixtures.items("[{\"n\": 1}, {\"n\": 2}, {\"n\": 3}]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.lastNode()).isEqualTo("End");
        assertThat(run.output())
                .extracting(JsonNode::toString)
                .containsExactly(
                        "{\"n\":1,\"outer\":0,\"inner\":0}",
                        "{\"n\":2,\"outer\":0,\"inner\":1}",
                        "{\"n\":3,\"outer\":1,\"inner\":0}");
    }

    @Test
    void aCycleThatDoesNotPassALoopNodeIsStillRefused() {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "A", "type": "n8n-nodes-base.noOp"},
                  {"name": "B", "type": "n8n-nodes-base.noOp"}
                ], "connections": {"Start": {"main": [[{"node": "A", "index": 0}]]}, "A": {"main": [[{"node": "B", "index": 0}]]}, "B": {"main": [[{"node": "A", "index": 0}]]}}}""";
        assertThatThrownBy(() -> Fixtures.workflow(json))
                .hasMessageContaining(
                        "the nodes form a loop (A → B → A); nLink runs a loop only through a Loop Over Items node");
    }
}
