package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class WorkflowParserTest {
    @Test
    void namesEveryUnsupportedNodeTypeInOneMessage() {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "Sheet", "type": "n8n-nodes-base.googleSheets"},
                  {"name": "Mail", "type": "n8n-nodes-base.gmail"},
                  {"name": "Mail 2", "type": "n8n-nodes-base.gmail"},
                  {"name": "Agent", "type": "@n8n/n8n-nodes-langchain.agent"}
                ], "connections": {}}""";
        assertThatThrownBy(() -> Fixtures.workflow(json))
                .isInstanceOf(InvalidWorkflowException.class)
                .hasMessage(
                        "test.json: this workflow uses node types nLink does not have: n8n-nodes-base.googleSheets (\"Sheet\");"
                                + " n8n-nodes-base.gmail (\"Mail\", \"Mail 2\"); @n8n/n8n-nodes-langchain.agent (\"Agent\"). nLink has"
                                + " " + String.join(", ", io.nlink.workflow.nodes.BuiltinNodes.types())
                                + ", and every installed community node");
    }

    @Test
    void reportsEveryProblemWithItsPath() {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "Start", "type": "n8n-nodes-base.set", "onError": "ignore"},
                  {"type": "n8n-nodes-base.set"},
                  {"name": "Slow", "type": "n8n-nodes-base.code", "timeout": -1, "retryOnFail": true, "maxTries": 50}
                ], "connections": {"Start": {"main": [[{"node": "Nowhere", "index": 0}]]}, "Ghost": {"main": []}}}""";
        assertThatThrownBy(() -> Fixtures.workflow(json))
                .isInstanceOfSatisfying(
                        InvalidWorkflowException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "nodes[1].onError: expected stopWorkflow, continueRegularOutput or continueErrorOutput; got \"ignore\"",
                                        "nodes[1].name: \"Start\" is used by another node; names must be unique",
                                        "nodes[2].name: is required",
                                        "nodes[3].maxTries: expected 1 to 10; got 50",
                                        "nodes[3].timeout: expected seconds per item, more than 0 and at most 600",
                                        "connections[\"Start\"].main[0][0].node: no node is named \"Nowhere\"",
                                        "connections[\"Ghost\"]: no node is named \"Ghost\""));
    }

    @Test
    void refusesLoops() {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "A", "type": "n8n-nodes-base.set"}, {"name": "B", "type": "n8n-nodes-base.set"}
                ], "connections": {"Start": {"main": [[{"node": "A", "index": 0}]]}, "A": {"main": [[{"node": "B", "index": 0}]]},
                                   "B": {"main": [[{"node": "A", "index": 0}]]}}}""";
        assertThatThrownBy(() -> Fixtures.workflow(json)).hasMessageContaining("the nodes form a loop (A → B → A)");
    }

    @Test
    void reportsALoopAmongTheOtherProblems() {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "A", "type": "n8n-nodes-base.set", "onError": "ignore"}, {"name": "B", "type": "n8n-nodes-base.gmail"}
                ], "connections": {"Start": {"main": [[{"node": "A", "index": 0}]]}, "A": {"main": [[{"node": "B", "index": 0}]]},
                                   "B": {"main": [[{"node": "A", "index": 0}]]}}}""";
        assertThatThrownBy(() -> Fixtures.workflow(json))
                .isInstanceOfSatisfying(
                        InvalidWorkflowException.class,
                        e -> assertThat(e.problems())
                                .hasSize(3)
                                .anySatisfy(p -> assertThat(p).startsWith("nodes[1].onError"))
                                .anySatisfy(
                                        p -> assertThat(p)
                                                .startsWith(
                                                        "this workflow uses node types nLink does not have: n8n-nodes-base.gmail (\"B\")"))
                                .anySatisfy(
                                        p -> assertThat(p)
                                                .startsWith(
                                                        "connections: the nodes form a loop (A → B → A); nLink runs a loop only through a Loop Over Items node")));
    }

    @Test
    void stickyNotesAreCanvasCommentsAndAreLeftOut() throws Exception {
        String json = """
                {"nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
                  {"name": "Sticky Note", "type": "n8n-nodes-base.stickyNote", "parameters": {"content": "## Read me", "height": 300}},
                  {"name": "Sticky Note1", "type": "n8n-nodes-base.stickyNote", "parameters": {"content": "second"}}
                ], "connections": {"Sticky Note": {"main": [[{"node": "Start", "index": 0}]]}}}""";
        Workflow workflow = Fixtures.workflow(json);
        assertThat(workflow.nodes()).extracting(Workflow.Node::name).containsExactly("Start");
        assertThat(workflow.connections()).isEmpty();
        assertThatThrownBy(() -> Fixtures.workflow(
                        "{\"nodes\": [{\"name\": \"Note\", \"type\": \"n8n-nodes-base.stickyNote\"}]}"))
                .hasMessage("test.json: nodes: the workflow has only sticky notes; add the nodes that should run");
    }

    @Test
    void aDisabledNodeOfAnyTypeImportsAndPassesItsItemsThrough() throws Exception {
        Workflow workflow = Fixtures.workflow(
                Fixtures.chain(
                        "{\"name\": \"Fetch\", \"type\": \"n8n-nodes-base.googleSheets\", \"disabled\": true, \"parameters\": {\"url\": \"http://x\"}}"));
        assertThat(workflow.needsCommunityNodes()).isFalse();
        Execution run = Fixtures.engine().run(workflow, null, Fixtures.items("[{\"a\": 1}, {\"a\": 2}]"));
        assertThat(run.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.node("Fetch").status()).isEqualTo("disabled");
        assertThat(run.output()).extracting(JsonNode::toString).containsExactly("{\"a\":1}", "{\"a\":2}");
    }

    @Test
    void anN8nCommunityNodeImportsAndFailsWhenRunSayingItCannotRunHere() throws Exception {
        for (String type : new String[] {
            "@blotato/n8n-nodes-blotato.blotato", "n8n-nodes-evolution-api.evolutionApi", "@Scope/n8n-nodes-X.Node"
        }) {
            Workflow workflow = Fixtures.workflow(
                    Fixtures.chain("{\"name\": \"Post\", \"type\": \"" + type + "\", \"parameters\": {}}"));
            assertThat(workflow.needsCommunityNodes()).isFalse();
            Execution run = Fixtures.engine().run(workflow, null, null);
            assertThat(run.status()).isEqualTo(Execution.Status.ERROR);
            assertThat(run.errorNode()).isEqualTo("Post");
            assertThat(run.error())
                    .startsWith(type + " is an n8n community node (the npm package "
                            + type.substring(0, type.lastIndexOf('.')) + ")")
                    .contains("cannot run in nLink")
                    .doesNotContain("--node")
                    .doesNotContain("install");
        }
    }

    @Test
    void invalidJsonSaysWhere() {
        assertThatThrownBy(() -> Fixtures.workflow("{\"nodes\": [\n  {\"name\": }]}"))
                .hasMessageStartingWith("test.json: is not valid JSON (line 2, column");
    }
}
