package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Real n8n exports (src/test/resources/n8n/corpus, sources in its README), each with the outcome
 * it must have: whether it imports, whether it runs, and for every node whose output n8n recorded
 * in the export's {@code pinData}, whether ours is equal, item by item. The expected outcomes are
 * pinned, so a change that breaks (or fixes) compatibility shows here; docs/workflows.md states
 * the totals.
 */
class N8nCorpusTest {
    /** What a corpus file must do: imports, runs, and which pinned nodes' outputs equal n8n's. */
    record Outcome(boolean imports, boolean runs, String failure, List<String> matching, List<String> differing) {}

    static final Map<String, Outcome> EXPECTED = new TreeMap<>(Map.of(
            "limit.json", new Outcome(true, false, "n8n-nodes-testing.testData is an n8n community node", List.of(), List.of()),
            "splitOut.json", new Outcome(true, true, null, List.of("Item Lists", "Item Lists1", "Item Lists2", "Item Lists3"), List.of()),
            "summarize.json", new Outcome(true, true, null,
                    List.of("Dot notation", "Dot notation (disabled)", "Summarize1", "Summarize2", "Summarize3"), List.of())));

    /** JSON equality with numbers compared by value: n8n's 3 and our 3.0 are the same number. */
    static final Comparator<JsonNode> BY_VALUE = (a, b) -> a.isNumber() && b.isNumber()
            ? Double.compare(a.asDouble(), b.asDouble()) : a.equals(b) ? 0 : 1;

    @Test
    void everyExportHasItsExpectedOutcome() throws Exception {
        WorkflowEngine engine = Fixtures.engine();
        int imported = 0, ran = 0, pinned = 0, matched = 0;
        for (var expected : EXPECTED.entrySet()) {
            byte[] bytes;
            try (InputStream in = N8nCorpusTest.class.getResourceAsStream("/n8n/corpus/" + expected.getKey())) {
                bytes = in.readAllBytes();
            }
            Outcome want = expected.getValue();
            Workflow workflow;
            try {
                workflow = WorkflowParser.parse(expected.getKey(), bytes);
            } catch (InvalidWorkflowException e) {
                assertThat(want.imports()).as(expected.getKey() + ": " + e.getMessage()).isFalse();
                assertThat(e.getMessage()).contains(want.failure());
                continue;
            }
            assertThat(want.imports()).as(expected.getKey() + " imports").isTrue();
            imported++;
            Execution run = engine.run(workflow, null, null);
            if (!want.runs()) {
                assertThat(run.status()).as(expected.getKey()).isEqualTo(Execution.Status.ERROR);
                assertThat(run.error()).contains(want.failure());
                continue;
            }
            assertThat(run.status()).as(expected.getKey() + ": " + run.error()).isEqualTo(Execution.Status.SUCCESS);
            ran++;
            List<String> matching = new ArrayList<>(), differing = new ArrayList<>();
            for (var pin : Json.parse(bytes).path("pinData").properties()) {
                if (workflow.node(pin.getKey()).isEmpty() || run.nodes().stream().noneMatch(n -> n.name().equals(pin.getKey()))) continue;
                if (workflow.node(pin.getKey()).get().type().startsWith("n8n-nodes-base.code")) continue; // pinned inputs, not results
                pinned++;
                List<JsonNode> ours = run.node(pin.getKey()).sample().isEmpty() ? List.of() : run.node(pin.getKey()).sample().get(0);
                List<JsonNode> theirs = new ArrayList<>();
                pin.getValue().forEach(i -> theirs.add(i.has("json") ? i.get("json") : i));
                boolean same = ours.size() == theirs.size();
                for (int i = 0; same && i < ours.size(); i++) same = ours.get(i).equals(BY_VALUE, theirs.get(i));
                (same ? matching : differing).add(pin.getKey());
                if (same) matched++;
            }
            matching.sort(null);
            differing.sort(null);
            assertThat(matching).as(expected.getKey() + " nodes equal to n8n's data").isEqualTo(want.matching());
            assertThat(differing).as(expected.getKey() + " nodes differing from n8n's data").isEqualTo(want.differing());
        }
        System.out.printf("n8n corpus: %d exports, %d import, %d run, %d of %d recorded node outputs equal n8n's%n",
                EXPECTED.size(), imported, ran, matched, pinned);
    }
}
