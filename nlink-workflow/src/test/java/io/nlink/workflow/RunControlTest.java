package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a caller sees of a run and does to it: progress, stop, pinned data, one node alone. */
class RunControlTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static final String SET_GREETING =
            "{\"name\": \"Greet\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"parameters\": {"
                    + "\"assignments\": {\"assignments\": [{\"name\": \"greeting\", \"value\": \"=Hi {{ $json.name }}\", \"type\": \"string\"}]}, \"includeOtherFields\": true}}";
    private static final String GREET_IN_WASM =
            "{\"name\": \"Wasm\", \"type\": \"nlink-community.wasm_demo\", \"parameters\": {\"text\": \"={{ $json.name }}\"}}";
    private static final String AFTER = "{\"name\": \"After\", \"type\": \"n8n-nodes-base.noOp\", \"parameters\": {}}";

    /** Records what the listener heard, as "started X" and "finished X status". */
    private static final class Heard implements RunControl.Listener {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void nodeStarted(String node, List<Integer> itemsIn) {
            events.add("started " + node + " " + itemsIn);
        }

        @Override
        public void nodeFinished(Execution.NodeRecord record) {
            events.add("finished " + record.name() + " " + record.status() + " " + record.itemsOut());
        }
    }

    @Test
    void theListenerHearsEachNodeStartAndFinishInRunOrder() throws Exception {
        Heard heard = new Heard();
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(SET_GREETING, AFTER)),
                null,
                Fixtures.items("[{\"name\": \"ada\"}, {\"name\": \"bo\"}]"),
                r -> {},
                new RunControl(heard, Map.of()));
        assertThat(run.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(heard.events)
                .containsExactly(
                        "started Start [2]", "finished Start success [2]",
                        "started Greet [2]", "finished Greet success [2]",
                        "started After [2]", "finished After success [2]");
    }

    @Test
    void aStopBetweenItemsCancelsTheNodeUnderWayAndNoLaterNodeRuns() throws Exception {
        // The stop comes while the community node works on its first item: the second is never started.
        RunControl[] control = new RunControl[1];
        control[0] = new RunControl(
                new RunControl.Listener() {
                    @Override
                    public void nodeStarted(String node, List<Integer> itemsIn) {
                        if (node.equals("Wasm")) control[0].stop("stopped by owner");
                    }
                },
                Map.of());
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(GREET_IN_WASM, AFTER)),
                null,
                Fixtures.items("[{\"name\": \"a\"}, {\"name\": \"b\"}]"),
                r -> {},
                control[0]);
        assertThat(run.status()).isEqualTo(Execution.Status.CANCELED);
        assertThat(run.toJson().path("status").asText()).isEqualTo("canceled");
        assertThat(run.errorNode()).isEqualTo("Wasm");
        assertThat(run.error()).contains("stopped by owner");
        assertThat(run.nodes()).extracting(Execution.NodeRecord::name).containsExactly("Start", "Wasm");
        assertThat(run.node("Wasm").status()).isEqualTo("canceled");

        // Asked before the run reaches a node: nothing after it runs.
        RunControl early = RunControl.none();
        early.stop("stopped at once");
        Execution none = engine.run(Fixtures.workflow(Fixtures.chain(AFTER)), null, null, r -> {}, early);
        assertThat(none.status()).isEqualTo(Execution.Status.CANCELED);
        assertThat(none.nodes()).isEmpty();
        assertThat(none.error()).contains("before node \"Start\"", "stopped at once");
    }

    @Test
    void aPinnedNodeDoesNotRunAndPassesItsPinnedItemsOn() throws Exception {
        Workflow workflow = Fixtures.workflow(Fixtures.chain(GREET_IN_WASM, SET_GREETING));
        Map<String, List<JsonNode>> pins = Map.of("Wasm", List.of(Json.parse("{\"name\": \"pinned\"}")));
        Heard heard = new Heard();
        Execution run = engine.run(
                workflow,
                null,
                Fixtures.items("[{\"name\": \"a\"}, {\"name\": \"b\"}]"),
                r -> {},
                new RunControl(heard, pins));
        assertThat(run.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.node("Wasm").status()).isEqualTo("pinned");
        assertThat(run.node("Wasm").runtime()).isEqualTo("pinned");
        assertThat(run.node("Wasm").itemsOut()).containsExactly(1);
        assertThat(run.output()).hasSize(1);
        assertThat(run.output().get(0).path("greeting").asText()).isEqualTo("Hi pinned");
        assertThat(heard.events).contains("finished Wasm pinned [1]");
        // Without the control (a webhook or schedule run): the node runs.
        assertThat(engine.run(workflow, null, Fixtures.items("[{\"name\": \"a\"}]"))
                        .node("Wasm")
                        .status())
                .isEqualTo("success");
    }

    @Test
    void pinDataIsReadAsN8nWritesItAndMalformedPinsAreRefused() throws Exception {
        Map<String, List<JsonNode>> pins =
                PinData.of(Json.parse("{\"pinData\": {\"A\": [{\"json\": {\"x\": 1}}, {\"y\": 2}]}}"));
        assertThat(pins.get("A")).extracting(JsonNode::toString).containsExactly("{\"x\":1}", "{\"y\":2}");
        assertThat(PinData.of(Json.parse("{}"))).isEmpty();
        assertThatThrownBy(() -> PinData.of(Json.parse("{\"pinData\": []}")))
                .hasMessageStartingWith("pinData: expected an object");
        assertThatThrownBy(() -> PinData.of(Json.parse("{\"pinData\": {\"A\": {}}}")))
                .hasMessageStartingWith("pinData[\"A\"]: expected an array");
        assertThatThrownBy(() -> PinData.of(Json.parse("{\"pinData\": {\"A\": [{\"json\": 3}]}}")))
                .hasMessageStartingWith("pinData[\"A\"][0]");
    }

    @Test
    void oneNodeRunsAloneWithTheItemsItsUpstreamNodesGave() throws Exception {
        Workflow workflow = Fixtures.workflow(Fixtures.chain(GREET_IN_WASM, SET_GREETING));
        Map<String, List<List<JsonNode>>> earlier =
                Map.of("Wasm", List.of(Fixtures.items("[{\"name\": \"x\"}, {\"name\": \"y\"}]")));
        Execution alone = engine.runNode(workflow, "Greet", earlier, RunControl.none());
        assertThat(alone.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(alone.nodes()).extracting(Execution.NodeRecord::name).containsExactly("Greet");
        assertThat(alone.output()).extracting(j -> j.path("greeting").asText()).containsExactly("Hi x", "Hi y");

        // $('Node') reads the earlier nodes given.
        String reading =
                "{\"name\": \"Read\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"parameters\": {"
                        + "\"assignments\": {\"assignments\": [{\"name\": \"from\", \"value\": \"={{ $('Wasm').item.json.name }}\", \"type\": \"string\"}]}}}";
        Execution read = engine.runNode(
                Fixtures.workflow(Fixtures.chain(GREET_IN_WASM, reading)), "Read", earlier, RunControl.none());
        assertThat(read.output()).extracting(j -> j.path("from").asText()).containsExactly("x", "y");

        // No item reaches it: skipped, as in a run; a trigger starts with one empty item.
        assertThat(engine.runNode(workflow, "Greet", Map.of(), RunControl.none())
                        .nodes()
                        .get(0)
                        .status())
                .isEqualTo("skipped");
        assertThat(engine.runNode(workflow, "Start", Map.of(), RunControl.none())
                        .output())
                .hasSize(1);
        assertThatThrownBy(() -> engine.runNode(workflow, "Nope", Map.of(), RunControl.none()))
                .hasMessageContaining("no node named \"Nope\"");
    }
}
