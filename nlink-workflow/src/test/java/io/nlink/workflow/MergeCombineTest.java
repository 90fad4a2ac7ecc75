package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Merge's combine mode as n8n's versions 2 and 3 export it: matching fields by pairs,
 * keepNonMatches, outputDataFrom and the clash handling (prefer an input, add suffixes, deep or
 * shallow merge), on two real inputs.
 */
class MergeCombineTest {
    static final String WORKFLOW = """
            {"nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
              {"name": "A", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return [{key: 1, v: 'a1', deep: {x: 1, y: 1}}, {key: 2, v: 'a2', deep: {x: 2}}];"}},
              {"name": "B", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return [{id: 1, v: 'b1', deep: {y: 9}}, {id: 3, v: 'b3'}];"}},
              {"name": "Merge", "type": "n8n-nodes-base.merge", "typeVersion": %s, "parameters": %s}
            ], "connections": {"Start": {"main": [[{"node": "A", "index": 0}, {"node": "B", "index": 0}]]},
              "A": {"main": [[{"node": "Merge", "index": 0}]]}, "B": {"main": [[{"node": "Merge", "index": 1}]]}}}""";

    static List<String> merged(double version, String parameters) throws Exception {
        Execution merge = BuiltinRuns.runWorkflow(WORKFLOW.formatted(version, parameters));
        assertThat(merge.status()).as(merge.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        return merge.output().stream().map(JsonNode::toString).toList();
    }

    static final String BY_PAIR =
            "\"mode\": \"combine\", \"mergeByFields\": {\"values\": [{\"field1\": \"key\", \"field2\": \"id\"}]}";

    @Test
    void version2MatchesByFieldPairsAndDeepMergesByDefault() throws Exception {
        assertThat(merged(2, "{" + BY_PAIR + "}"))
                .containsExactly("{\"key\":1,\"v\":\"b1\",\"deep\":{\"x\":1,\"y\":9},\"id\":1}");
        assertThat(
                        merged(
                                2,
                                "{" + BY_PAIR
                                        + ", \"options\": {\"clashHandling\": {\"values\": {\"resolveClash\": \"preferInput1\", \"mergeMode\": \"shallowMerge\"}}}}"))
                .containsExactly("{\"id\":1,\"v\":\"a1\",\"deep\":{\"x\":1,\"y\":1},\"key\":1}");
        assertThat(
                        merged(
                                2.1,
                                "{" + BY_PAIR
                                        + ", \"options\": {\"clashHandling\": {\"values\": {\"resolveClash\": \"addSuffix\"}}}}"))
                .containsExactly(
                        "{\"key_1\":1,\"v_1\":\"a1\",\"deep_1\":{\"x\":1,\"y\":1},\"id_2\":1,\"v_2\":\"b1\",\"deep_2\":{\"y\":9}}");
    }

    @Test
    void keepNonMatchesAndOutputDataFrom() throws Exception {
        assertThat(merged(2, "{" + BY_PAIR + ", \"joinMode\": \"keepNonMatches\"}"))
                .containsExactly(
                        "{\"key\":2,\"v\":\"a2\",\"deep\":{\"x\":2},\"_source\":\"input1\"}",
                        "{\"id\":3,\"v\":\"b3\",\"_source\":\"input2\"}");
        assertThat(merged(2, "{" + BY_PAIR + ", \"joinMode\": \"keepNonMatches\", \"outputDataFrom\": \"input2\"}"))
                .containsExactly("{\"id\":3,\"v\":\"b3\"}");
        assertThat(merged(2, "{" + BY_PAIR + ", \"outputDataFrom\": \"input1\"}"))
                .containsExactly("{\"key\":1,\"v\":\"a1\",\"deep\":{\"x\":1,\"y\":1}}");
        assertThat(merged(
                        3,
                        "{\"mode\": \"combine\", \"advanced\": true, \"mergeByFields\": {\"values\": [{\"field1\": \"key\", \"field2\": \"id\"}]},"
                                + " \"joinMode\": \"keepEverything\"}"))
                .hasSize(3);
        assertThat(BuiltinRuns.runWorkflow(
                                WORKFLOW.formatted(2, "{\"mode\": \"combine\", \"joinMode\": \"keepEverything\"}"))
                        .error())
                .contains("name the field(s) to match items on");
    }

    @Test
    void version2ByPositionResolvesClashes() throws Exception {
        String position =
                "{\"mode\": \"combine\", \"combinationMode\": \"mergeByPosition\", \"options\": {\"clashHandling\": {\"values\": {\"resolveClash\": \"%s\"}}%s}}";
        assertThat(merged(2, position.formatted("preferInput1", "")))
                .containsExactly(
                        "{\"id\":1,\"v\":\"a1\",\"deep\":{\"y\":1,\"x\":1},\"key\":1}",
                        "{\"id\":3,\"v\":\"a2\",\"key\":2,\"deep\":{\"x\":2}}");
        assertThat(merged(2, position.formatted("preferInput2", ", \"includeUnpaired\": true")))
                .hasSize(2)
                .first()
                .isEqualTo("{\"key\":1,\"v\":\"b1\",\"deep\":{\"x\":1,\"y\":9},\"id\":1}");
        assertThat(BuiltinRuns.runWorkflow(WORKFLOW.formatted(2, position.formatted("keepBoth", "")))
                        .error())
                .contains("resolveClash: \"keepBoth\" is not preferInput1, preferInput2 (preferLast) or addSuffix");
    }

    @Test
    void combineAllPairsEveryItemOfInput1WithEveryItemOfInput2() throws Exception {
        assertThat(merged(3, "{\"mode\": \"combine\", \"combineBy\": \"combineAll\", \"options\": {}}"))
                .extracting(json -> json.replaceAll(".*\"v\":\"(\\w+)\".*", "$1"))
                .containsExactly("b1", "b3", "b1", "b3"); // input 2's values win, pairs in input 1's order
        assertThat(merged(
                        2,
                        "{\"mode\": \"combine\", \"combinationMode\": \"multiplex\", \"options\": {\"clashHandling\":"
                                + " {\"values\": {\"resolveClash\": \"preferInput1\"}}}}"))
                .extracting(json -> json.replaceAll(".*\"v\":\"(\\w+)\".*", "$1"))
                .containsExactly("a1", "a2", "a1", "a2"); // as n8n orders them when input 1 wins
    }
}
