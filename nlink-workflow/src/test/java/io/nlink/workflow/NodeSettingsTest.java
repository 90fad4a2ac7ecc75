package io.nlink.workflow;

import static io.nlink.workflow.BuiltinRuns.outputs;
import static io.nlink.workflow.BuiltinRuns.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * n8n's node settings that change what a node passes on, on real runs: {@code alwaysOutputData},
 * {@code executeOnce}, and {@code continueOnFail} for a node whose whole run fails.
 */
class NodeSettingsTest {
    private static final String ITEMS = "[{\"n\": 1}, {\"n\": 2}, {\"n\": 3}]";

    /** A Filter keeping items with n above {@code above}, with {@code settings} added to the node. */
    private static String filter(int above, String settings) {
        return "{\"name\": \"N\", \"type\": \"n8n-nodes-base.filter\", \"typeVersion\": 2" + settings
                + ", \"parameters\": {\"conditions\": {\"conditions\": [{\"leftValue\": \"={{ $json.n }}\", \"rightValue\": "
                + above + ", \"operator\": {\"type\": \"number\", \"operation\": \"gt\"}}]}}}";
    }

    @Test
    void alwaysOutputDataTurnsNoItemsIntoOneEmptyItem() throws Exception {
        assertThat(outputs(filter(5, ""), ITEMS).get(0)).isEmpty();
        assertThat(outputs(filter(5, ", \"alwaysOutputData\": true"), ITEMS).get(0))
                .containsExactly("{}");
        // A node that outputs items is not touched.
        assertThat(outputs(filter(1, ", \"alwaysOutputData\": true"), ITEMS).get(0))
                .hasSize(2);
    }

    @Test
    void executeOnceRunsOnTheFirstItemOnly() throws Exception {
        assertThat(outputs(filter(0, ", \"executeOnce\": true"), ITEMS).get(0)).containsExactly("{\"n\":1}");
    }

    @Test
    void aWholeNodeFailureWithContinueOnFailPassesTheInputOn() throws Exception {
        // Merge 2.0 refuses to match on a field no item has: the whole node fails.
        String merge = "{\"name\": \"N\", \"type\": \"n8n-nodes-base.merge\", \"typeVersion\": 2%s, \"parameters\":"
                + " {\"mode\": \"combine\", \"mergeByFields\": {\"values\": [{\"field1\": \"missing\", \"field2\": \"missing\"}]}}}";
        Execution stopped = run(merge.formatted(""), ITEMS);
        assertThat(stopped.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(stopped.error()).contains("Field 'missing' is not present in any of items in 'Input 1'");
        Execution continued = run(merge.formatted(", \"continueOnFail\": true"), ITEMS);
        assertThat(continued.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(continued.output())
                .extracting(JsonNode::toString)
                .containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
        assertThat(continued.node("N").itemErrors())
                .extracting(io.nlink.workflow.nodes.NodeRun.ItemError::message)
                .containsExactly("Field 'missing' is not present in any of items in 'Input 1'");
    }
}
