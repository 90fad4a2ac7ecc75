package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.json.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the Code node accepts as items, and where its failure goes, as in n8n. */
class CodeOutputTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static String workflow(String onError) {
        return """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "Code", "type": "n8n-nodes-base.code", "typeVersion": 2, %s "parameters": {"jsCode": %s}},
                  {"name": "Failed", "type": "n8n-nodes-base.noOp"}
                ], "connections": {"Start": {"main": [[{"node": "Code", "index": 0}]]},
                                   "Code": {"main": [[], [{"node": "Failed", "index": 0}]]}}}""".formatted(onError, Json.write("return [{json: {ok: 1}}, {json: 'test'}];"));
    }

    @Test
    void allItemsCodeReadsTheFirstItemAsJson() throws Exception {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "Code", "type": "n8n-nodes-base.code", "typeVersion": 2, "parameters": {"jsCode": %s}}
                ], "connections": {"Start": {"main": [[{"node": "Code", "index": 0}]]}}}""".formatted(Json.write("return [{json: {first: $json.n, count: $input.all().length}}];"));
        Execution run = engine.run(Fixtures.workflow(json), null, Fixtures.items("[{\"n\": 7}, {\"n\": 8}]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.output()).extracting(Object::toString).containsExactly("{\"first\":7,\"count\":2}");
    }

    @Test
    void itemsHandedToTwoBranchesShareNothingACodeNodeChanges() throws Exception {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "position": [0, 0]},
                  {"name": "Changes", "type": "n8n-nodes-base.code", "position": [200, 0], "parameters": {"jsCode": %s}},
                  {"name": "Reads", "type": "n8n-nodes-base.code", "position": [200, 200], "parameters": {"jsCode": %s}}
                ], "connections": {"Start": {"main": [[{"node": "Changes", "index": 0}, {"node": "Reads", "index": 0}]]}}}""".formatted(
                        Json.write("for (const item of $input.all()) item.json.n = 'changed';\nreturn $input.all();"),
                        Json.write("return $input.all().map((item) => ({json: {saw: item.json.n}}));"));
        Execution run = engine.run(Fixtures.workflow(json), null, Fixtures.items("[{\"n\": 1}]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        java.util.Map<String, String> outputs = new java.util.HashMap<>();
        run.nodes().forEach(n -> outputs.put(n.name(), n.sample().get(0).toString()));
        assertThat(outputs.get("Changes")).isEqualTo("[{\"n\":\"changed\"}]");
        assertThat(outputs.get("Reads")).isEqualTo("[{\"saw\":1}]");
        assertThat(outputs.get("Start")).isEqualTo("[{\"n\":1}]");
    }

    @Test
    void aJsonPropertyThatIsNotAnObjectFailsInN8nsWordsAndGoesToTheErrorOutput() throws Exception {
        Execution routed = engine.run(
                Fixtures.workflow(workflow("\"onError\": \"continueErrorOutput\",")), null, Fixtures.items("[{}]"));
        assertThat(routed.status()).as(routed.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(routed.output().toString())
                .isEqualTo("[{\"error\":\"A 'json' property isn't an object [item 1]\"}]");

        Execution stopped = engine.run(Fixtures.workflow(workflow("")), null, Fixtures.items("[{}]"));
        assertThat(stopped.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(stopped.errorNode()).isEqualTo("Code");
        assertThat(stopped.error()).contains("A 'json' property isn't an object [item 1]");
    }
}
