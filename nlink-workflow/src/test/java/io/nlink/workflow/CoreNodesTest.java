package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** n8n's core nodes, each with the parameters n8n exports for it, on small inputs whose results are known. */
class CoreNodesTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    /** Runs Start → {@code node} with {@code items} and returns the node's outputs as compact JSON. */
    static List<List<String>> outputs(String node, String items) throws Exception {
        Execution run = engine.run(Fixtures.workflow(Fixtures.chain(node)), null, Fixtures.items(items));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        return run.nodes().get(run.nodes().size() - 1).sample().stream()
                .map(o -> o.stream().map(JsonNode::toString).toList())
                .toList();
    }

    static Execution failing(String node, String items) throws Exception {
        Execution run = engine.run(Fixtures.workflow(Fixtures.chain(node)), null, Fixtures.items(items));
        assertThat(run.status()).isEqualTo(Execution.Status.ERROR);
        return run;
    }

    @Test
    void set3Point0To3Point2SetsTypedFieldsAndChoosesWhatToInclude() throws Exception {
        String fields =
                "\"fields\": {\"values\": [{\"name\": \"n\", \"type\": \"numberValue\", \"numberValue\": \"={{ $json.a }}\"},"
                        + " {\"name\": \"s\", \"stringValue\": \"={{ $json.list }}\"}, {\"name\": \"b\", \"type\": \"booleanValue\", \"booleanValue\": \"TRUE\"},"
                        + " {\"name\": \"o.deep\", \"type\": \"objectValue\", \"objectValue\": \"{\\\"k\\\": 1}\"}]}";
        String item = "[{\"a\": \"3.5\", \"list\": [1, 2], \"keep\": 1, \"drop\": 2}]";
        String set = "{\"name\": \"Set\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": %s, \"parameters\": {"
                + fields + "%s}}";
        assertThat(outputs(set.formatted("3.2", ", \"include\": \"none\""), item))
                .containsExactly(List.of("{\"n\":3.5,\"s\":\"[1,2]\",\"b\":true,\"o\":{\"deep\":{\"k\":1}}}"));
        assertThat(outputs(set.formatted("3", ""), item).get(0).get(0))
                .startsWith("{\"a\":\"3.5\",\"list\":[1,2],\"keep\":1,\"drop\":2,\"n\":3.5");
        assertThat(outputs(set.formatted("3.1", ", \"include\": \"selected\", \"includeFields\": \"keep, list\""), item)
                        .get(0)
                        .get(0))
                .startsWith("{\"keep\":1,\"list\":[1,2],\"n\":3.5");
        assertThat(outputs(set.formatted("3.1", ", \"include\": \"except\", \"excludeFields\": \"drop,list\""), item)
                        .get(0)
                        .get(0))
                .startsWith("{\"a\":\"3.5\",\"keep\":1,\"n\":3.5");
    }

    @Test
    void setConversionFailuresStopUnlessIgnored() throws Exception {
        String set =
                "{\"name\": \"Set\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"parameters\": {\"assignments\": {\"assignments\": "
                        + "[{\"name\": \"n\", \"value\": \"hello\", \"type\": \"number\"}, {\"name\": \"t\", \"value\": \"0\", \"type\": \"boolean\"}]}%s}}";
        assertThat(failing(set.formatted(""), "[{}]").error())
                .isEqualTo("item 0: field n: \"hello\" cannot be converted to a number;"
                        + " fix the value, or turn on the option ignoreConversionErrors to keep it as it is");
        assertThat(outputs(set.formatted(", \"options\": {\"ignoreConversionErrors\": true}"), "[{}]"))
                .containsExactly(List.of("{\"n\":\"hello\",\"t\":false}"));
        String raw =
                "{\"name\": \"Set\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.2, \"parameters\": {\"mode\": \"raw\", \"include\": \"none\","
                        + " \"jsonOutput\": \"={ \\\"twice\\\": {{ $json.a * 2 }} }\"}}";
        assertThat(outputs(raw, "[{\"a\": 21}]")).containsExactly(List.of("{\"twice\":42}"));
    }

    @Test
    void mergeTakesEveryInputItIsGiven() throws Exception {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "A", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "parameters": {"assignments": {"assignments": [{"name": "a", "value": "={{ $json.n }}", "type": "number"}]}}},
                  {"name": "B", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "parameters": {"assignments": {"assignments": [{"name": "b", "value": "={{ $json.n * 10 }}", "type": "number"}]}}},
                  {"name": "C", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "parameters": {"assignments": {"assignments": [{"name": "c", "value": "={{ $json.n * 100 }}", "type": "number"}]}}},
                  {"name": "Merge", "type": "n8n-nodes-base.merge", "typeVersion": 3, "parameters": %s}
                ], "connections": {"Start": {"main": [[{"node": "A", "index": 0}, {"node": "B", "index": 0}, {"node": "C", "index": 0}]]},
                  "A": {"main": [[{"node": "Merge", "index": 0}]]}, "B": {"main": [[{"node": "Merge", "index": 1}]]}, "C": {"main": [[{"node": "Merge", "index": 2}]]}}}""";
        String items = "[{\"n\": 1}, {\"n\": 2}]";
        Execution append =
                engine.run(Fixtures.workflow(json.formatted("{\"numberInputs\": 3}")), null, Fixtures.items(items));
        assertThat(append.output())
                .extracting(JsonNode::toString)
                .containsExactly("{\"a\":1}", "{\"a\":2}", "{\"b\":10}", "{\"b\":20}", "{\"c\":100}", "{\"c\":200}");
        Execution position = engine.run(
                Fixtures.workflow(json.formatted(
                        "{\"numberInputs\": 3, \"mode\": \"combine\", \"combineBy\": \"combineByPosition\"}")),
                null,
                Fixtures.items(items));
        assertThat(position.output())
                .extracting(JsonNode::toString)
                .containsExactly("{\"a\":1,\"b\":10,\"c\":100}", "{\"a\":2,\"b\":20,\"c\":200}");
        Execution chosen = engine.run(
                Fixtures.workflow(
                        json.formatted("{\"numberInputs\": 3, \"mode\": \"chooseBranch\", \"useDataOfInput\": 3}")),
                null,
                Fixtures.items(items));
        assertThat(chosen.output()).extracting(JsonNode::toString).containsExactly("{\"c\":100}", "{\"c\":200}");
    }

    private static String node(String type, double version, String parameters) {
        return "{\"name\": \"N\", \"type\": \"n8n-nodes-base." + type + "\", \"typeVersion\": " + version
                + ", \"parameters\": " + parameters + "}";
    }

    private static final String ROWS = "[{\"name\": \"ada\", \"team\": \"a\", \"score\": 3, \"tags\": [\"x\", \"y\"]},"
            + " {\"name\": \"bob\", \"team\": \"b\", \"score\": 10, \"tags\": [\"z\"]}, {\"name\": \"cy\", \"team\": \"a\", \"score\": 5, \"tags\": []}]";

    @Test
    void noOpLimitAndSort() throws Exception {
        assertThat(outputs(node("noOp", 1, "{}"), "[{\"a\": 1}]")).containsExactly(List.of("{\"a\":1}"));
        assertThat(outputs(node("limit", 1, "{\"maxItems\": 2}"), ROWS).get(0))
                .hasSize(2)
                .allMatch(s -> !s.contains("cy"));
        assertThat(outputs(node("limit", 1, "{\"maxItems\": 1, \"keep\": \"lastItems\"}"), ROWS)
                        .get(0))
                .singleElement()
                .asString()
                .contains("cy");
        assertThat(outputs(
                                node(
                                        "sort",
                                        1,
                                        "{\"sortFieldsUi\": {\"sortField\": [{\"fieldName\": \"team\"}, {\"fieldName\": \"score\", \"order\": \"descending\"}]}}"),
                                ROWS)
                        .get(0))
                .extracting(s -> s.replaceAll(".*\"name\":\"(\\w+)\".*", "$1"))
                .containsExactly("cy", "ada", "bob");
    }

    @Test
    void filterAndSwitchShareIfsConditions() throws Exception {
        String scoreAtLeast5 =
                "{\"conditions\": [{\"leftValue\": \"={{ $json.score }}\", \"rightValue\": 5, \"operator\": {\"type\": \"number\", \"operation\": \"gte\"}}], \"combinator\": \"and\"}";
        assertThat(outputs(node("filter", 2, "{\"conditions\": " + scoreAtLeast5 + "}"), ROWS)
                        .get(0))
                .hasSize(2);
        String teamA =
                "{\"conditions\": [{\"leftValue\": \"={{ $json.team }}\", \"rightValue\": \"A\", \"operator\": {\"type\": \"string\", \"operation\": \"equals\"}}]}";
        String rules = "{\"rules\": {\"values\": [{\"conditions\": " + teamA + "}, {\"conditions\": " + scoreAtLeast5
                + "}]}, \"options\": {\"ignoreCase\": true%s}}";
        assertThat(outputs(node("switch", 3, rules.formatted(", \"fallbackOutput\": \"extra\"")), ROWS))
                .extracting(List::size)
                .containsExactly(2, 1, 0);
        assertThat(outputs(node("switch", 3.2, rules.formatted(", \"allMatchingOutputs\": true")), ROWS))
                .extracting(List::size)
                .containsExactly(2, 2);
    }

    @Test
    void switchVersions1And2CompareOneValueWithEachRule() throws Exception {
        // Version 2: one output per rule, the first rule that holds takes the item, fallbackOutput the rest.
        String byTeam = "{\"dataType\": \"string\", \"value1\": \"={{ $json.team }}\", \"rules\": {\"rules\": ["
                + "{\"value2\": \"b\", \"outputKey\": \"B\"}, {\"operation\": \"startsWith\", \"value2\": \"a\"}]}%s}";
        assertThat(outputs(node("switch", 2, byTeam.formatted("")), ROWS))
                .extracting(List::size)
                .containsExactly(1, 2);
        // Numbers: "smaller" when no operation is given; an item no rule takes goes to fallbackOutput (-1: dropped).
        String byScore = "{\"value1\": \"={{ $json.score }}\", \"rules\": {\"rules\": [{\"value2\": 4}, "
                + "{\"operation\": \"largerEqual\", \"value2\": 10}]}, \"fallbackOutput\": %s}";
        assertThat(outputs(node("switch", 2, byScore.formatted("-1")), ROWS))
                .extracting(List::size)
                .containsExactly(1, 1);
        assertThat(outputs(node("switch", 2, byScore.formatted("0")), ROWS))
                .extracting(List::size)
                .containsExactly(2, 1);
        // Version 1: four outputs, each rule names its output.
        String v1 =
                "{\"value1\": \"={{ $json.score }}\", \"rules\": {\"rules\": [{\"operation\": \"equal\", \"value2\": 10, \"output\": 3},"
                        + " {\"operation\": \"larger\", \"value2\": 0, \"output\": 1}]}}";
        assertThat(outputs(node("switch", 1, v1), ROWS)).extracting(List::size).containsExactly(0, 2, 0, 1);
        // Expression mode: the index, of outputsAmount outputs (version 2) or four (version 1).
        String expression = "{\"mode\": \"expression\", \"output\": \"={{ $json.score > 4 ? 1 : 0 }}\"%s}";
        assertThat(outputs(node("switch", 2, expression.formatted(", \"outputsAmount\": 2")), ROWS))
                .extracting(List::size)
                .containsExactly(1, 2);
        assertThat(outputs(node("switch", 1, expression.formatted("")), ROWS))
                .extracting(List::size)
                .containsExactly(1, 2, 0, 0);
        assertThat(failing(node("switch", 2, expression.formatted(", \"outputsAmount\": 1")), ROWS)
                        .error())
                .contains("output: 1 is not an output of this node (0 to 0)");
    }

    @Test
    void splitOutAggregateSummarizeAndRemoveDuplicates() throws Exception {
        assertThat(outputs(
                                node(
                                        "splitOut",
                                        1,
                                        "{\"fieldToSplitOut\": \"tags\", \"include\": \"selectedOtherFields\", \"fieldsToInclude\": \"name\"}"),
                                ROWS)
                        .get(0))
                .containsExactly(
                        "{\"name\":\"ada\",\"tags\":\"x\"}",
                        "{\"name\":\"ada\",\"tags\":\"y\"}",
                        "{\"name\":\"bob\",\"tags\":\"z\"}");
        assertThat(outputs(
                                node("splitOut", 1, "{\"fieldToSplitOut\": \"list\"}"),
                                "[{\"list\": [{\"a\": 1}, {\"a\": 2}]}]")
                        .get(0))
                .containsExactly("{\"a\":1}", "{\"a\":2}");
        assertThat(outputs(
                        node(
                                "aggregate",
                                1,
                                "{\"fieldsToAggregate\": {\"fieldToAggregate\": [{\"fieldToAggregate\": \"name\"},"
                                        + " {\"fieldToAggregate\": \"tags\", \"renameField\": true, \"outputFieldName\": \"allTags\"}]}, \"options\": {\"mergeLists\": true}}"),
                        ROWS))
                .containsExactly(List.of("{\"name\":[\"ada\",\"bob\",\"cy\"],\"allTags\":[\"x\",\"y\",\"z\"]}"));
        assertThat(outputs(
                        node(
                                "aggregate",
                                1,
                                "{\"aggregate\": \"aggregateAllItemData\", \"include\": \"specifiedFields\", \"fieldsToInclude\": \"name\"}"),
                        ROWS))
                .containsExactly(List.of("{\"data\":[{\"name\":\"ada\"},{\"name\":\"bob\"},{\"name\":\"cy\"}]}"));
        assertThat(outputs(
                        node(
                                "summarize",
                                1,
                                "{\"fieldsToSplitBy\": \"team\", \"fieldsToSummarize\": {\"values\": [{\"aggregation\": \"sum\", \"field\": \"score\"},"
                                        + " {\"aggregation\": \"count\", \"field\": \"name\"}, {\"aggregation\": \"concatenate\", \"field\": \"name\", \"separateBy\": \"other\", \"customSeparator\": \"+\"}]}}"),
                        ROWS))
                .containsExactly(List.of(
                        "{\"team\":\"a\",\"sum_score\":8,\"count_name\":2,\"concatenated_name\":\"ada+cy\"}",
                        "{\"team\":\"b\",\"sum_score\":10,\"count_name\":1,\"concatenated_name\":\"bob\"}"));
        String dupes = "[{\"id\": 1, \"at\": \"x\"}, {\"id\": 1, \"at\": \"y\"}, {\"id\": 1, \"at\": \"x\"}]";
        assertThat(outputs(node("removeDuplicates", 1.1, "{}"), dupes).get(0)).hasSize(2);
        assertThat(outputs(
                                node(
                                        "removeDuplicates",
                                        1.1,
                                        "{\"compare\": \"selectedFields\", \"fieldsToCompare\": \"id\"}"),
                                dupes)
                        .get(0))
                .hasSize(1);
    }

    @Test
    void stopAndErrorStopsWithItsMessage() throws Exception {
        Execution run = failing(node("stopAndError", 1, "{\"errorMessage\": \"=bad {{ $json.name }}\"}"), ROWS);
        assertThat(run.error()).isEqualTo("bad ada");
        assertThat(run.errorNode()).isEqualTo("N");
    }

    @Test
    void functionAndFunctionItemRunInTheCodeSandbox() throws Exception {
        assertThat(outputs(
                                node(
                                        "function",
                                        1,
                                        "{\"functionCode\": \"return items.map(i => ({json: {n: i.json.name.length}}));\"}"),
                                ROWS)
                        .get(0))
                .containsExactly("{\"n\":3}", "{\"n\":3}", "{\"n\":2}");
        assertThat(outputs(
                                node(
                                        "functionItem",
                                        1,
                                        "{\"functionCode\": \"item.big = item.score > 4;\\nreturn item;\"}"),
                                ROWS)
                        .get(0))
                .extracting(s -> s.contains("\"big\":true"))
                .containsExactly(false, true, true);
        Execution broken = failing(node("functionItem", 1, "{\"functionCode\": \"\\nnope();\\nreturn item;\"}"), ROWS);
        assertThat(broken.error()).contains("code line 2");
    }

    @Test
    void codeAndFunctionNodesExportedWithoutCodeRunTheCodeN8nGivesANewNode() throws Exception {
        String items = "[{\"a\": 1}, {\"a\": 2}]";
        List<String> expected = List.of("{\"a\":1,\"myNewField\":1}", "{\"a\":2,\"myNewField\":1}");
        for (String node : List.of(
                "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"typeVersion\": 2, \"parameters\": {}}",
                "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"typeVersion\": 2, \"parameters\": {\"mode\": \"runOnceForEachItem\"}}",
                "{\"name\": \"Function\", \"type\": \"n8n-nodes-base.function\", \"typeVersion\": 1, \"parameters\": {}}",
                "{\"name\": \"Item\", \"type\": \"n8n-nodes-base.functionItem\", \"typeVersion\": 1, \"parameters\": {}}")) {
            assertThat(outputs(node, items)).as(node).containsExactly(expected);
        }
    }
}
