package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * n8n's item linking: every output item remembers the input item(s) it came from, so
 * {@code $('Node').item} is the item of Node the current item descends from — not Node's first
 * item — through every built-in node, and {@code itemMatching}, {@code $input} behave as in n8n.
 */
class ItemPairingTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static final String PEOPLE =
            "[{\"name\": \"ada\", \"age\": 36}, {\"name\": \"linus\", \"age\": 12}, {\"name\": \"grace\", \"age\": 45}]";

    private static String set(String name, String field, String expression) {
        return "{\"name\": \"" + name
                + "\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"parameters\": {\"assignments\": {\"assignments\": "
                + "[{\"name\": \"" + field + "\", \"value\": \"" + expression + "\", \"type\": \"string\"}]}}}";
    }

    private static List<String> field(List<JsonNode> items, String field) {
        return items.stream().map(i -> i.path(field).asText()).toList();
    }

    @Test
    void itemFollowsTheLineageThroughSetAndIfToTheLinkedItem() throws Exception {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  %s,
                  {"name": "Adult?", "type": "n8n-nodes-base.if", "typeVersion": 2, "parameters": {"conditions": {"conditions": [
                    {"leftValue": "={{ $('Start').item.json.age }}", "rightValue": 18, "operator": {"type": "number", "operation": "gte"}}]}}},
                  %s
                ], "connections": {"Start": {"main": [[{"node": "Shout", "index": 0}]]}, "Shout": {"main": [[{"node": "Adult?", "index": 0}]]},
                                   "Adult?": {"main": [[{"node": "Greet", "index": 0}], []]}}}""".formatted(
                        set("Shout", "loud", "={{ $json.name.toUpperCase() }}"),
                        set(
                                "Greet",
                                "text",
                                "={{ $('Shout').item.json.loud }} is {{ $('Start').item.json.age }}, item {{ $input.item.json.loud }}"));
        Execution run = engine.run(Fixtures.workflow(json), null, Fixtures.items(PEOPLE));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(field(run.output(), "text")).containsExactly("ADA is 36, item ADA", "GRACE is 45, item GRACE");
    }

    @Test
    void codeReadsLinkedItemsWithItemMatchingAndItsInput() throws Exception {
        String code =
                "return $input.all().map((item, i) => ({json: {who: $('Start').itemMatching(i).json.name, n: $input.all().length,"
                        + " first: $input.first().json.loud, last: $input.last().json.loud}}));";
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(
                        set("Shout", "loud", "={{ $json.name.toUpperCase() }}"),
                        "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\": "
                                + io.nlink.runtime.json.Json.write(code) + "}}")),
                null,
                Fixtures.items(PEOPLE));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(field(run.output(), "who")).containsExactly("ada", "linus", "grace");
        assertThat(run.output().get(0).path("n").asInt()).isEqualTo(3);
        assertThat(run.output().get(0).path("first").asText()).isEqualTo("ADA");
        assertThat(run.output().get(0).path("last").asText()).isEqualTo("GRACE");
    }

    @Test
    void codeThatReordersItsItemsKeepsTheirLinks() throws Exception {
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(
                        "{\"name\": \"Reverse\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\": \"return $input.all().slice(1).reverse();\"}}",
                        set("Who", "was", "={{ $('Start').item.json.name }}"))),
                null,
                Fixtures.items(PEOPLE));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(field(run.output(), "was")).containsExactly("grace", "linus");
    }

    @Test
    void codeSetsPairedItemItselfAndNewUnlinkedItemsFailClearly() throws Exception {
        Execution linked = engine.run(
                Fixtures.workflow(Fixtures.chain(
                        "{\"name\": \"Pick\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\": \"return [{json: {x: 1}, pairedItem: 2}, {json: {x: 2}, pairedItem: {item: 0}}];\"}}",
                        set("Who", "was", "={{ $('Start').item.json.name }}"))),
                null,
                Fixtures.items(PEOPLE));
        assertThat(field(linked.output(), "was")).containsExactly("grace", "ada");

        Execution unlinked = engine.run(
                Fixtures.workflow(Fixtures.chain(
                        "{\"name\": \"Make\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\": \"return [{x: 1}, {x: 2}];\"}}",
                        set("Who", "was", "={{ $('Start').item.json.name }}"))),
                null,
                Fixtures.items(PEOPLE));
        assertThat(unlinked.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(unlinked.error())
                .contains("no item of \"Start\" is linked to this item")
                .contains("ends at \"Make\", which output it without pairedItem")
                .contains("first()");
    }

    private static String chooseEmptyAfter(String left, String right, String after) {
        return """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  %s, %s,
                  {"name": "Both done", "type": "n8n-nodes-base.merge", "typeVersion": 2, "parameters": {"mode": "chooseBranch", "output": "empty"}},
                  %s
                ], "connections": {"Start": {"main": [[{"node": "Left", "index": 0}, {"node": "Right", "index": 0}]]},
                                   "Left": {"main": [[{"node": "Both done", "index": 0}]]}, "Right": {"main": [[{"node": "Both done", "index": 1}]]},
                                   "Both done": {"main": [[{"node": "After", "index": 0}]]}}}""".formatted(left, right, after);
    }

    @Test
    void theEmptyItemOfChooseBranchLinksToTheItemsOfEveryInput() throws Exception {
        Execution run = engine.run(
                Fixtures.workflow(chooseEmptyAfter(
                        set("Left", "l", "=L-{{ $json.name }}"),
                        set("Right", "r", "=R-{{ $json.age }}"),
                        set("After", "both", "={{ $('Left').item.json.l }}/{{ $('Right').item.json.r }}"))),
                null,
                Fixtures.items("[{\"name\": \"ada\", \"age\": 36}]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(field(run.output(), "both")).containsExactly("L-ada/R-36");
    }

    @Test
    void anItemLinkedToSeveralItemsOfANodeMakesItemAmbiguousAsInN8n() throws Exception {
        Execution run = engine.run(
                Fixtures.workflow(chooseEmptyAfter(
                        set("Left", "l", "=L-{{ $json.name }}"),
                        set("Right", "r", "=R-{{ $json.age }}"),
                        set("After", "both", "={{ $('Left').item.json.l }}"))),
                null,
                Fixtures.items(PEOPLE));
        assertThat(run.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(run.error())
                .contains("linked to 3 different items of \"Left\"")
                .contains("ambiguous")
                .contains("$(\"Left\").first()");
        // first(), .last() and .all() read the output itself, whatever the lineage.
        Execution start = engine.run(
                Fixtures.workflow(chooseEmptyAfter(
                        set("Left", "l", "=L-{{ $json.name }}"),
                        set("Right", "r", "=R-{{ $json.age }}"),
                        set("After", "first", "={{ $('Left').first().json.l }}"))),
                null,
                Fixtures.items(PEOPLE));
        assertThat(start.status()).as(start.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(field(start.output(), "first")).containsExactly("L-ada");
    }

    @Test
    void aMergedItemLinksToBothInputs() throws Exception {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  %s, %s,
                  {"name": "Join", "type": "n8n-nodes-base.merge", "typeVersion": 3, "parameters": {"mode": "combine", "combineBy": "combineByPosition"}},
                  %s
                ], "connections": {"Start": {"main": [[{"node": "Left", "index": 0}, {"node": "Right", "index": 0}]]},
                                   "Left": {"main": [[{"node": "Join", "index": 0}]]}, "Right": {"main": [[{"node": "Join", "index": 1}]]},
                                   "Join": {"main": [[{"node": "Both", "index": 0}]]}}}""".formatted(
                        set("Left", "l", "=L-{{ $json.name }}"),
                        set("Right", "r", "=R-{{ $json.age }}"),
                        set(
                                "Both",
                                "both",
                                "={{ $('Left').item.json.l }}/{{ $('Right').item.json.r }}/{{ $node['Left'].json.l }}"));
        Execution run = engine.run(Fixtures.workflow(json), null, Fixtures.items(PEOPLE));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(field(run.output(), "both"))
                .containsExactly("L-ada/R-36/L-ada", "L-linus/R-12/L-linus", "L-grace/R-45/L-grace");
    }

    @Test
    void firstLastAndAllReadAnotherNodesOutput() throws Exception {
        Execution run = engine.run(
                Fixtures.workflow(
                        Fixtures.chain(
                                set("Shout", "loud", "={{ $json.name.toUpperCase() }}"),
                                set(
                                        "Refs",
                                        "refs",
                                        "={{ $('Start').first().json.name }} {{ $('Start').last().json.name }} {{ $('Shout').all().length }} {{ $input.all().length }}"))),
                null,
                Fixtures.items(PEOPLE));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(field(run.output(), "refs")).containsOnly("ada grace 3 3");
    }
}
