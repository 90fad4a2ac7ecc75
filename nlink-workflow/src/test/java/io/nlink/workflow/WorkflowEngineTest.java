package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Multi-node workflows end to end, with real community nodes in wasm and in JavaScript. */
class WorkflowEngineTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static List<String> texts(List<JsonNode> items, String field) {
        return items.stream().map(i -> i.path(field).asText()).toList();
    }

    @Test
    void theExampleSplitsOnIfGreetsInWasmAndJsAndMerges() throws Exception {
        Execution run = engine.run(
                Fixtures.example("greetings.json"),
                null,
                Fixtures.items(
                        "[{\"name\": \"ada\", \"age\": 36}, {\"name\": \"linus\", \"age\": 12}, {\"name\": \"grace\", \"age\": 45}]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        // Set: an expression per item (toUpperCase ran in the JS sandbox), the age typed as a number.
        assertThat(texts(run.node("Name it").sample().get(0), "who")).containsExactly("ADA", "LINUS", "GRACE");
        // IF: two adults on output 0, one child on output 1.
        assertThat(run.node("Adult?").itemsOut()).containsExactly(2, 1);
        // Each branch ran in its own runtime, with its parameter taken from the item.
        assertThat(run.node("Greet in Go").runtime()).isEqualTo("wasm");
        assertThat(run.node("Greet in JavaScript").runtime()).isEqualTo("js");
        // Merge appends input 1 then input 2; Code numbers them.
        assertThat(run.lastNode()).isEqualTo("Count");
        assertThat(texts(run.output(), "message"))
                .containsExactly(
                        "Hello, ADA! Greetings from WebAssembly Runtime! 🚀",
                        "Hello, GRACE! Greetings from WebAssembly Runtime! 🚀",
                        "Hello, young LINUS! Greetings from WebAssembly Runtime! 🚀");
        assertThat(texts(run.output(), "n")).containsExactly("1", "2", "3");
        assertThat(run.output().get(0).path("of").asInt()).isEqualTo(3);
    }

    private static final String GREET_BY_NAME =
            "{\"name\": \"Greet\", \"type\": \"nlink-community.hello_js\", \"parameters\": {\"text\": \"={{ $json.name }}\"}%s}";
    private static final String AFTER = "{\"name\": \"After\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, "
            + "\"parameters\": {\"assignments\": {\"assignments\": [{\"name\": \"seen\", \"value\": true, \"type\": \"boolean\"}]}, \"includeOtherFields\": true}}";
    private static final String PEOPLE = "[{\"name\": \"ada\"}, {\"name\": \"fail\"}, {\"name\": \"grace\"}]";

    @Test
    void aFailingNodeStopsTheRunByDefault() throws Exception {
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(GREET_BY_NAME.formatted(""), AFTER)), null, Fixtures.items(PEOPLE));
        assertThat(run.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(run.errorNode()).isEqualTo("Greet");
        assertThat(run.error()).isEqualTo("item 1: refused: text is fail");
        assertThat(run.nodes()).extracting(Execution.NodeRecord::name).containsExactly("Start", "Greet");
    }

    @Test
    void withContinueOnFailTheFailedItemBecomesAnErrorItem() throws Exception {
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(GREET_BY_NAME.formatted(", \"continueOnFail\": true"), AFTER)),
                null,
                Fixtures.items(PEOPLE));
        assertThat(run.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.node("Greet").itemErrors())
                .extracting(e -> e.index() + ": " + e.message())
                .containsExactly("1: refused: text is fail");
        assertThat(run.output()).hasSize(3);
        assertThat(run.output().get(1).path("error").asText()).isEqualTo("refused: text is fail");
        assertThat(run.output().get(2).path("message").asText()).startsWith("Hello, grace!");
        assertThat(run.output().get(2).path("seen").asBoolean()).isTrue();
    }

    @Test
    void theErrorOutputRoutesFailedItemsToTheirOwnBranch() throws Exception {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "Greet", "type": "nlink-community.hello_js", "onError": "continueErrorOutput", "parameters": {"text": "={{ $json.name }}"}},
                  {"name": "Good", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return items;"}},
                  {"name": "Bad", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return items.map(i => ({json: {failed: i.json.name, why: i.json.error}}));"}}
                ], "connections": {
                  "Start": {"main": [[{"node": "Greet", "index": 0}]]},
                  "Greet": {"main": [[{"node": "Good", "index": 0}], [{"node": "Bad", "index": 0}]]}
                }}""";
        Execution run = engine.run(Fixtures.workflow(json), null, Fixtures.items(PEOPLE));
        assertThat(run.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.node("Greet").itemsOut()).containsExactly(2, 1);
        assertThat(run.node("Bad").sample().get(0).get(0).toString())
                .isEqualTo("{\"failed\":\"fail\",\"why\":\"refused: text is fail\"}");
    }

    @Test
    void mergeCombinesByKey() throws Exception {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "position": [0, 0]},
                  {"name": "Orders", "type": "n8n-nodes-base.code", "position": [200, 0], "parameters": {"jsCode": "return [{id: 1, total: 10}, {id: 2, total: 20}, {id: 3, total: 5}];"}},
                  {"name": "Customers", "type": "n8n-nodes-base.code", "position": [200, 200], "parameters": {"jsCode": "return [{id: 2, who: 'grace'}, {id: 1, who: 'ada'}];"}},
                  {"name": "Join", "type": "n8n-nodes-base.merge", "typeVersion": 3, "position": [400, 0],
                   "parameters": {"mode": "combine", "combineBy": "combineByFields", "fieldsToMatchString": "id"}}
                ], "connections": {
                  "Start": {"main": [[{"node": "Orders", "index": 0}, {"node": "Customers", "index": 0}]]},
                  "Orders": {"main": [[{"node": "Join", "index": 0}]]},
                  "Customers": {"main": [[{"node": "Join", "index": 1}]]}
                }}""";
        Execution run = engine.run(Fixtures.workflow(json), null, null);
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.output())
                .extracting(JsonNode::toString)
                .containsExactly(
                        "{\"id\":1,\"total\":10,\"who\":\"ada\"}", "{\"id\":2,\"total\":20,\"who\":\"grace\"}");
    }

    @Test
    void aNodeReadsAnEarlierNodesOutputThroughItsName() throws Exception {
        String json = Fixtures.chain(
                "{\"name\": \"Config\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\": \"return [{greeting: 'Bonjour'}];\"}}",
                "{\"name\": \"Use\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"parameters\": {\"assignments\": {\"assignments\": "
                        + "[{\"name\": \"line\", \"value\": \"={{ $('Config').item.json.greeting }}, {{ $node['Config'].json.greeting.length }} letters\", \"type\": \"string\"}]}}}");
        Execution run = engine.run(Fixtures.workflow(json), null, null);
        assertThat(run.output().get(0).path("line").asText()).isEqualTo("Bonjour, 7 letters");
    }

    @Test
    void expressionAndCodeErrorsSayWhereTheyAre() throws Exception {
        Execution badExpression = engine.run(
                Fixtures.workflow(
                        Fixtures.chain(
                                "{\"name\": \"Greet\", \"type\": \"nlink-community.hello_js\", \"parameters\": {\"text\": \"={{ $json.missing.deeper }}\"}}")),
                null,
                null);
        assertThat(badExpression.error())
                .startsWith("item 0: parameter text: the expression {{ $json.missing.deeper }} failed: ")
                .contains("deeper");
        Execution badCode = engine.run(
                Fixtures.workflow(
                        Fixtures.chain(
                                "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\": \"const a = 1;\\nthrow new Error('boom');\"}}")),
                null,
                null);
        assertThat(badCode.error()).contains("boom").contains("code line 2");
    }

    @Test
    void retriesWithADoublingWaitThenFails() throws Exception {
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(
                        "{\"name\": \"Flaky\", \"type\": \"n8n-nodes-base.code\", \"retryOnFail\": true, \"maxTries\": 3, \"waitBetweenTries\": 100,"
                                + " \"parameters\": {\"jsCode\": \"throw new Error('down');\"}}")),
                null,
                null);
        Execution.NodeRecord flaky = run.node("Flaky");
        assertThat(flaky.tries()).isEqualTo(3);
        assertThat(flaky.time().toMillis()).as("waited 100 + 200 ms").isGreaterThanOrEqualTo(300);
        assertThat(run.status()).isEqualTo(Execution.Status.ERROR);
    }

    @Test
    void perItemCodeDisabledNodesAndSkippedBranches() throws Exception {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "Double", "type": "n8n-nodes-base.code", "parameters": {"mode": "runOnceForEachItem", "jsCode": "return {json: {x: $json.x * 2, i: $index}};"}},
                  {"name": "Off", "type": "n8n-nodes-base.set", "disabled": true, "parameters": {}},
                  {"name": "Big?", "type": "n8n-nodes-base.if", "typeVersion": 2, "parameters": {"conditions": {"conditions": [
                     {"leftValue": "={{ $json.x }}", "rightValue": 100, "operator": {"type": "number", "operation": "gt"}}], "combinator": "and"}}},
                  {"name": "Never", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return items;"}}
                ], "connections": {
                  "Start": {"main": [[{"node": "Double", "index": 0}]]},
                  "Double": {"main": [[{"node": "Off", "index": 0}]]},
                  "Off": {"main": [[{"node": "Big?", "index": 0}]]},
                  "Big?": {"main": [[{"node": "Never", "index": 0}], []]}
                }}""";
        Execution run = engine.run(Fixtures.workflow(json), null, Fixtures.items("[{\"x\": 1}, {\"x\": 2}]"));
        assertThat(run.node("Double").sample().get(0))
                .extracting(JsonNode::toString)
                .containsExactly("{\"x\":2,\"i\":0}", "{\"x\":4,\"i\":1}");
        assertThat(run.node("Off").status()).isEqualTo("disabled");
        assertThat(run.node("Big?").itemsOut()).containsExactly(0, 2);
        assertThat(run.node("Never").status()).isEqualTo("skipped");
        assertThat(run.lastNode()).isEqualTo("Big?");
    }

    @Test
    void aWorkflowWithoutATriggerSaysWhatToAdd() throws Exception {
        Workflow w = Fixtures.workflow(
                "{\"nodes\": [{\"name\": \"A\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\": \"return [];\"}}]}");
        assertThatThrownBy(() -> engine.run(w, null, null)).hasMessageContaining("add a Manual Trigger");
    }
}
