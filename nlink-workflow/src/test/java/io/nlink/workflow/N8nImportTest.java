package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * An n8n export, as n8n writes it (ids, pinData, meta, versionId, tags and all), using only node
 * types nLink has, imports unchanged and gives the results n8n gives.
 */
class N8nImportTest {
    @Test
    void anN8nExportRunsWithN8nsResults() throws Exception {
        Workflow workflow;
        try (InputStream in = N8nImportTest.class.getResourceAsStream("/n8n/orders.json")) {
            workflow = WorkflowParser.parse("orders.json", in.readAllBytes());
        }
        Execution run = Fixtures.engine().run(workflow, null, null);
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        // Merge 3.1, combine by the customerId field (keep matches): orders in input 1's order, names added.
        assertThat(run.node("Join").sample().get(0))
                .extracting(JsonNode::toString)
                .containsExactly(
                        "{\"orderId\":1,\"customerId\":\"c1\",\"amount\":120,\"name\":\"Ada\"}",
                        "{\"orderId\":2,\"customerId\":\"c2\",\"amount\":40,\"name\":\"Grace\"}",
                        "{\"orderId\":3,\"customerId\":\"c1\",\"amount\":75,\"name\":\"Ada\"}");
        // IF 2.2, strict number comparison: two big orders, one small.
        assertThat(run.node("Big order?").itemsOut()).containsExactly(2, 1);
        // Set 3.4 without other fields, a dotted name making a nested field and typed as a number.
        assertThat(run.node("Label big").sample().get(0))
                .extracting(JsonNode::toString)
                .containsExactly(
                        "{\"label\":\"Ada spent 120\",\"order\":{\"id\":1}}",
                        "{\"label\":\"Ada spent 75\",\"order\":{\"id\":3}}");
        // Set 3.4 keeping the other fields.
        assertThat(run.node("Label small").sample().get(0).get(0).toString())
                .isEqualTo(
                        "{\"orderId\":2,\"customerId\":\"c2\",\"amount\":40,\"name\":\"Grace\",\"label\":\"small order 2\"}");
        assertThat(run.lastNode()).isEqualTo("Label small");
    }
}
