package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The new core nodes with their parameters exactly as n8n's own node test workflows carry them
 * (n8n-io/n8n, packages/nodes-base/nodes/*&#47;test: Crypto, DateTime, SplitInBatches, Wait), and
 * the outputs those workflows record in their pinData. Only the test-only data node
 * ({@code n8n-nodes-testing.testData}) is replaced: by the run's input items.
 */
class N8nTestWorkflowsTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static Execution run(String json, String items) throws Exception {
        Execution run = engine.run(Fixtures.workflow(json), null, items == null ? null : Fixtures.items(items));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        return run;
    }

    /** The first output of the last run of {@code node} (a node in a loop runs more than once). */
    private static List<String> output(Execution run, String node) {
        var last = run.nodes().stream()
                .filter(n -> n.name().equals(node))
                .reduce((a, b) -> b)
                .orElseThrow();
        assertThat(last.status()).as(node).isEqualTo("success");
        return last.sample().get(0).stream().map(JsonNode::toString).toList();
    }

    /** Crypto/test/CryptoTest.workflow.json: version 1, its defaults (hash, MD5, hex; hmac MD5 base64). */
    @Test
    void cryptoVersion1AsN8nsTestWorkflow() throws Exception {
        String json = """
                {"name": "Crypto Test", "nodes": [
                  {"parameters": {}, "id": "78f64c0f", "name": "When clicking \\"Execute Workflow\\"", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [-480, 460]},
                  {"parameters": {"value": "test"}, "id": "90831322", "name": "Crypto Hash into MD5", "type": "n8n-nodes-base.crypto", "typeVersion": 1, "position": [360, 500]},
                  {"parameters": {"action": "hmac", "value": "test",
                     "secret": "-----BEGIN RSA PRIVATE KEY-----|MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEmo3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2kTQIhAKMSvzIBnni7ot/OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp79mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uyv/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00-----END RSA PRIVATE KEY-----",
                     "encoding": "base64"},
                   "id": "797ba0d9", "name": "Crypto Hmac data with MD5", "type": "n8n-nodes-base.crypto", "typeVersion": 1, "position": [360, 320]},
                  {"parameters": {"action": "generate"}, "id": "a6682d88", "name": "Crypto Generate UUID", "type": "n8n-nodes-base.crypto", "typeVersion": 1, "position": [-160, 1060]},
                  {"parameters": {"conditions": {"string": [{"value1": "={{ $json.data }}", "operation": "regex",
                     "value2": "^[0-9a-fA-F]{8}\\\\b-[0-9a-fA-F]{4}\\\\b-[0-9a-fA-F]{4}\\\\b-[0-9a-fA-F]{4}\\\\b-[0-9a-fA-F]{12}$"}]}},
                   "id": "89297cfb", "name": "IF", "type": "n8n-nodes-base.if", "typeVersion": 1, "position": [80, 1060]},
                  {"parameters": {}, "id": "1954d932", "name": "No Operation, do nothing", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [420, 1040]},
                  {"parameters": {"errorMessage": "Not a valid uuid"}, "id": "b1154e93", "name": "Stop and Error", "type": "n8n-nodes-base.stopAndError", "typeVersion": 1, "position": [260, 1180]}
                ], "connections": {
                  "When clicking \\"Execute Workflow\\"": {"main": [[{"node": "Crypto Hash into MD5", "type": "main", "index": 0},
                    {"node": "Crypto Hmac data with MD5", "type": "main", "index": 0}, {"node": "Crypto Generate UUID", "type": "main", "index": 0}]]},
                  "Crypto Generate UUID": {"main": [[{"node": "IF", "type": "main", "index": 0}]]},
                  "IF": {"main": [[{"node": "No Operation, do nothing", "type": "main", "index": 0}], [{"node": "Stop and Error", "type": "main", "index": 0}]]},
                  "No Operation, do nothing": {"main": [[]]}
                }, "active": false, "settings": {}}""";
        Execution run = run(json, null);
        // The pinData n8n's test workflow records for these nodes.
        assertThat(output(run, "Crypto Hash into MD5"))
                .containsExactly("{\"data\":\"098f6bcd4621d373cade4e832627b4f6\"}");
        assertThat(output(run, "Crypto Hmac data with MD5")).containsExactly("{\"data\":\"BBXLTeT2o/R6oy5H69Yh7w==\"}");
        assertThat(run.node("No Operation, do nothing").sample().get(0)).hasSize(1);
    }

    /** The PKCS #1 key of n8n's Crypto test workflow, as its export carries it (line breaks as \\n). */
    private static final String N8N_TEST_KEY =
            "-----BEGIN RSA PRIVATE KEY-----\\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm"
                    + "\\no3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2k\\nTQIhAKMSvzIBnni7ot/OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp7"
                    + "\\n9mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uy\\nv/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs"
                    + "\\n/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00\\n-----END RSA PRIVATE KEY-----";

    /** Crypto 1's sign action with that key: RSA-SHA256 signs as OpenSSL does; n8n's test's RSA-MD4 is refused by name. */
    @Test
    void cryptoSignsWithAPkcs1KeyAndRefusesMd4() throws Exception {
        String sign =
                "{\"parameters\": {\"action\": \"sign\", \"value\": \"test\", \"algorithm\": \"%s\", \"encoding\": \"base64\", \"privateKey\": \""
                        + N8N_TEST_KEY + "\"},"
                        + " \"name\": \"Crypto Sign\", \"type\": \"n8n-nodes-base.crypto\", \"typeVersion\": 1}";
        // printf test | openssl dgst -sha256 -sign key.pem | base64
        assertThat(run(Fixtures.chain(sign.formatted("RSA-SHA256")), null).output())
                .extracting(JsonNode::toString)
                .containsExactly(
                        "{\"data\":\"ZlDI7xX0XElJHwEpTw08Ykz/D+IJ+hQkcb4Cr929bUjiiLRXy8Etagc0Miuld2WnksIaznNmlqn7bom5oOpDnw==\"}");
        Execution md4 = engine.run(Fixtures.workflow(Fixtures.chain(sign.formatted("RSA-MD4"))), null, null);
        assertThat(md4.status()).isEqualTo(Execution.Status.ERROR);
        assertThat(md4.error()).contains("\"RSA-MD4\" is not one of RSA-SHA1, RSA-SHA256, RSA-SHA384, RSA-SHA512");
    }

    /** DateTime/test/node/DateTimeWorkflowV2.json: version 2 with the parameters the editor leaves (defaults omitted), in the workflow's time zone Etc/GMT. */
    @Test
    void dateTimeVersion2AsN8nsTestWorkflow() throws Exception {
        String json = """
                {"name": "node-360-quick-overhaul-of-date-and-time-node", "nodes": [
                  {"parameters": {}, "id": "21ff2e15", "name": "When clicking \\"Execute Workflow\\"", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [-420, 20]},
                  {"parameters": {"jsCode": "return $input.all();"}, "id": "7ba0c2a1", "name": "Code", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [-140, 140]},
                  {"parameters": {"operation": "addToDate", "magnitude": "={{ $json.currentDate }}", "duration": 2}, "id": "b99986f1", "name": "Add to date", "type": "n8n-nodes-base.dateTime", "typeVersion": 2, "position": [140, 40]},
                  {"parameters": {"operation": "subtractFromDate", "magnitude": "={{ $json.newDate }}", "duration": 2}, "id": "aa75a04b", "name": "Subtract date", "type": "n8n-nodes-base.dateTime", "typeVersion": 2, "position": [300, 200]},
                  {"parameters": {"operation": "formatDate", "date": "={{ $json.newDate }}", "format": "yyyy/MM/dd"}, "id": "52076d89", "name": "Format Date", "type": "n8n-nodes-base.dateTime", "typeVersion": 2, "position": [420, 40]},
                  {"parameters": {"operation": "roundDate", "date": "={{ $json.formattedDate }}", "toNearest": "day"}, "id": "10016499", "name": "Round Date", "type": "n8n-nodes-base.dateTime", "typeVersion": 2, "position": [560, 200]},
                  {"parameters": {"operation": "getTimeBetweenDates", "startDate": "={{ $node['Subtract date'].json.newDate }}", "endDate": "={{ $node['Add to date'].json.newDate }}", "units": ["day"]},
                   "id": "f62b6d0b", "name": "Get between date", "type": "n8n-nodes-base.dateTime", "typeVersion": 2, "position": [660, 40]},
                  {"parameters": {"operation": "extractDate", "date": "={{ $node.Code.json.currentDate }}", "part": "hour", "outputFieldName": "date"},
                   "id": "764e3e08", "name": "Extract Date", "type": "n8n-nodes-base.dateTime", "typeVersion": 2, "position": [780, 220]},
                  {"parameters": {"options": {"fromFormat": ""}}, "id": "f0b75198", "name": "V1", "type": "n8n-nodes-base.dateTime", "typeVersion": 1, "position": [0, -180], "disabled": true}
                ], "connections": {
                  "When clicking \\"Execute Workflow\\"": {"main": [[{"node": "V1", "type": "main", "index": 0}, {"node": "Code", "type": "main", "index": 0}]]},
                  "Code": {"main": [[{"node": "Add to date", "type": "main", "index": 0}]]},
                  "Add to date": {"main": [[{"node": "Subtract date", "type": "main", "index": 0}]]},
                  "Subtract date": {"main": [[{"node": "Format Date", "type": "main", "index": 0}]]},
                  "Format Date": {"main": [[{"node": "Round Date", "type": "main", "index": 0}]]},
                  "Round Date": {"main": [[{"node": "Get between date", "type": "main", "index": 0}]]},
                  "Get between date": {"main": [[{"node": "Extract Date", "type": "main", "index": 0}]]}
                }, "settings": {"saveManualExecutions": false, "callerPolicy": "workflowsFromSameOwner", "timezone": "Etc/GMT", "executionTimeout": -1}}""";
        Execution run = run(json, "[{\"currentDate\": \"2023-04-11T13:51:59.965+00:00\"}]");
        assertThat(output(run, "Add to date")).containsExactly("{\"newDate\":\"2023-04-13T13:51:59.965+00:00\"}");
        assertThat(output(run, "Subtract date")).containsExactly("{\"newDate\":\"2023-04-11T13:51:59.965+00:00\"}");
        assertThat(output(run, "Format Date")).containsExactly("{\"formattedDate\":\"2023/04/11\"}");
        assertThat(output(run, "Round Date")).containsExactly("{\"roundedDate\":\"2023-04-11T00:00:00.000+00:00\"}");
        assertThat(output(run, "Get between date")).containsExactly("{\"timeDifference\":{\"days\":2}}");
        assertThat(output(run, "Extract Date")).containsExactly("{\"date\":13}");
    }

    /** SplitInBatches/test/SplitInBatches.workflow_v3_nested.json: an inner loop whose done output feeds the outer loop back. */
    @Test
    void nestedLoopsAsN8nsTestWorkflow() throws Exception {
        String json = """
                {"name": "SplitInBatches V3 Nested Loop Test", "nodes": [
                  {"parameters": {}, "id": "trigger-1", "name": "When clicking 'Execute Workflow'", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [200, 300]},
                  {"parameters": {"jsCode": "return [\\n  { json: { parentId: 'P1' } },\\n  { json: { parentId: 'P2' } }\\n];"},
                   "id": "create-parents", "name": "Create Parents", "type": "n8n-nodes-base.code", "typeVersion": 1, "position": [420, 300]},
                  {"parameters": {"batchSize": 1, "options": {}}, "id": "outer-loop", "name": "Outer Loop", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 3, "position": [640, 300]},
                  {"parameters": {"jsCode": "const parentId = $input.first().json.parentId;\\nreturn [\\n  { json: { parentId, childId: 'C1' } },\\n  { json: { parentId, childId: 'C2' } }\\n];"},
                   "id": "create-children", "name": "Create Children", "type": "n8n-nodes-base.code", "typeVersion": 1, "position": [860, 400]},
                  {"parameters": {"batchSize": 1, "options": {}}, "id": "inner-loop", "name": "Inner Loop", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 3, "position": [1080, 400]},
                  {"parameters": {"jsCode": "const item = $input.first().json;\\nreturn { json: { parentId: item.parentId, childId: item.childId, processed: true } };"},
                   "id": "process-child", "name": "Process Child", "type": "n8n-nodes-base.code", "typeVersion": 1, "position": [1300, 480]},
                  {"parameters": {}, "id": "outer-done", "name": "Outer Done", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [860, 200]}
                ], "connections": {
                  "When clicking 'Execute Workflow'": {"main": [[{"node": "Create Parents", "type": "main", "index": 0}]]},
                  "Create Parents": {"main": [[{"node": "Outer Loop", "type": "main", "index": 0}]]},
                  "Outer Loop": {"main": [[{"node": "Outer Done", "type": "main", "index": 0}], [{"node": "Create Children", "type": "main", "index": 0}]]},
                  "Create Children": {"main": [[{"node": "Inner Loop", "type": "main", "index": 0}]]},
                  "Inner Loop": {"main": [[{"node": "Outer Loop", "type": "main", "index": 0}], [{"node": "Process Child", "type": "main", "index": 0}]]},
                  "Process Child": {"main": [[{"node": "Inner Loop", "type": "main", "index": 0}]]}
                }, "active": false, "settings": {}}""";
        Execution run = run(json, null);
        assertThat(run.output())
                .extracting(JsonNode::toString)
                .containsExactly(
                        "{\"parentId\":\"P1\",\"childId\":\"C1\",\"processed\":true}",
                                "{\"parentId\":\"P1\",\"childId\":\"C2\",\"processed\":true}",
                        "{\"parentId\":\"P2\",\"childId\":\"C1\",\"processed\":true}",
                                "{\"parentId\":\"P2\",\"childId\":\"C2\",\"processed\":true}");
    }

    /**
     * SplitInBatches/test/SplitInBatches.workflow_v2_done_variable.json: three nested loops side by
     * side — version 2 with its "done" output (1) and options.reset on the inner loop's
     * context.done, version 2 and version 1 left through IFs on context.noItemsLeft. Its test-data
     * nodes are Code nodes here, returning the same items.
     */
    @Test
    void splitInBatchesVersions1And2AsN8nsTestWorkflow() throws Exception {
        String outer = "return [{json: {key: '0'}}, {json: {key: '1'}}];";
        String inner = "return ['10', '11', '12', '13', '14'].map(key => ({json: {key}}));";
        String json = """
                {"name": "My workflow 91", "nodes": [
                  {"parameters": {}, "id": "75920640", "name": "When clicking \\"Execute Workflow\\"", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [740, 1100]},
                  {"parameters": {"conditions": {"boolean": [{"value1": "={{ $node[\\"Split In Batches 3_2\\"].context[\\"noItemsLeft\\"] }}", "value2": true}]}},
                   "id": "ca59e1fe", "name": "No Items Left", "type": "n8n-nodes-base.if", "typeVersion": 1, "position": [2320, 1560]},
                  {"parameters": {"batchSize": 1, "options": {}}, "id": "21991c05", "name": "Split In Batches 1", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 2, "position": [1220, 840]},
                  {"parameters": {"batchSize": 1, "options": {"reset": "={{ $node[\\"Split In Batches 1_2\\"].context[\\"done\\"] }}"}},
                   "id": "3b3ecf28", "name": "Split In Batches 1_2", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 2, "position": [1840, 900]},
                  {"parameters": {"content": "# V2 with done branch and \\"done\\" variable", "height": 221.18781425126934}, "id": "558ca8c2", "name": "Sticky Note",
                   "type": "n8n-nodes-base.stickyNote", "typeVersion": 1, "position": [660, 816.8121857487308]},
                  {"parameters": {"conditions": {"boolean": [{"value1": "={{ $node[\\"Split In Batches 2_2\\"].context[\\"noItemsLeft\\"] }}", "value2": true}]}},
                   "id": "a38109ba", "name": "No Items Left2", "type": "n8n-nodes-base.if", "typeVersion": 1, "position": [2320, 1320]},
                  {"parameters": {"conditions": {"boolean": [{"value1": "={{ $node[\\"Split In Batches 3\\"].context[\\"noItemsLeft\\"] }}", "value2": true}]}},
                   "id": "1787b55b", "name": "IF", "type": "n8n-nodes-base.if", "typeVersion": 1, "position": [2540, 1540]},
                  {"parameters": {"conditions": {"boolean": [{"value1": "={{ $node[\\"Split In Batches 2\\"].context[\\"noItemsLeft\\"] }}", "value2": true}]}},
                   "id": "e149b5d7", "name": "IF1", "type": "n8n-nodes-base.if", "typeVersion": 1, "position": [2540, 1300]},
                  {"parameters": {"jsCode": "OUTER"}, "id": "cf21ca09", "name": "Mock Data 1", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [1000, 840]},
                  {"parameters": {"jsCode": "INNER"}, "id": "2a62fdd8", "name": "Mock Data 1_2", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [1580, 820]},
                  {"parameters": {"jsCode": "OUTER"}, "id": "f4b7b020", "name": "Mock Data 2", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [1000, 1280]},
                  {"parameters": {"jsCode": "INNER"}, "id": "9f9e4c1f", "name": "Mock Data 2_2", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [1580, 1260]},
                  {"parameters": {"jsCode": "OUTER"}, "id": "d20015b3", "name": "Mock Data 3", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [1000, 1560]},
                  {"parameters": {"jsCode": "INNER"}, "id": "9b8f1472", "name": "Mock Data 3_2", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [1580, 1560]},
                  {"parameters": {}, "id": "11b6d860", "name": "Results 1", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [1400, 920]},
                  {"parameters": {}, "id": "84277fcb", "name": "Result 2", "type": "n8n-nodes-base.noOp", "position": [2860, 1280], "typeVersion": 1},
                  {"parameters": {}, "id": "fd9de431", "name": "Result 3", "type": "n8n-nodes-base.noOp", "position": [2860, 1520], "typeVersion": 1},
                  {"parameters": {}, "id": "9a62eed8", "name": "Some Operation 1", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [2100, 880]},
                  {"parameters": {}, "id": "cb35f9e6", "name": "Some Operation 2", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [2100, 1320]},
                  {"parameters": {}, "id": "62a66c9d", "name": "Some Operation 3", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [2100, 1560]},
                  {"parameters": {"batchSize": 1, "options": {}}, "id": "2ac3d20c", "name": "Split In Batches 3", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 1, "position": [1220, 1560]},
                  {"parameters": {"batchSize": 1, "options": {}}, "id": "d37b3b09", "name": "Split In Batches 2", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 2, "position": [1220, 1280]},
                  {"parameters": {"batchSize": 1, "options": {"reset": "={{ $node[\\"Split In Batches 3_2\\"].context[\\"noItemsLeft\\"] }}"}},
                   "id": "89a74a96", "name": "Split In Batches 3_2", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 1, "position": [1840, 1560]},
                  {"parameters": {"batchSize": 1, "options": {"reset": "={{ $node[\\"Split In Batches 2_2\\"].context[\\"noItemsLeft\\"] }}"}},
                   "id": "2cc3f863", "name": "Split In Batches 2_2", "type": "n8n-nodes-base.splitInBatches", "typeVersion": 2, "position": [1840, 1340]}
                ], "connections": {
                  "When clicking \\"Execute Workflow\\"": {"main": [[{"node": "Mock Data 1", "type": "main", "index": 0}, {"node": "Mock Data 2", "type": "main", "index": 0},
                    {"node": "Mock Data 3", "type": "main", "index": 0}]]},
                  "No Items Left": {"main": [[{"node": "IF", "type": "main", "index": 0}], [{"node": "Split In Batches 3_2", "type": "main", "index": 0}]]},
                  "Split In Batches 1": {"main": [[{"node": "Mock Data 1_2", "type": "main", "index": 0}], [{"node": "Results 1", "type": "main", "index": 0}]]},
                  "Split In Batches 1_2": {"main": [[{"node": "Some Operation 1", "type": "main", "index": 0}], [{"node": "Split In Batches 1", "type": "main", "index": 0}]]},
                  "No Items Left2": {"main": [[{"node": "IF1", "type": "main", "index": 0}], [{"node": "Split In Batches 2_2", "type": "main", "index": 0}]]},
                  "IF": {"main": [[{"node": "Result 3", "type": "main", "index": 0}], [{"node": "Split In Batches 3", "type": "main", "index": 0}]]},
                  "IF1": {"main": [[{"node": "Result 2", "type": "main", "index": 0}], [{"node": "Split In Batches 2", "type": "main", "index": 0}]]},
                  "Mock Data 1": {"main": [[{"node": "Split In Batches 1", "type": "main", "index": 0}]]},
                  "Mock Data 1_2": {"main": [[{"node": "Split In Batches 1_2", "type": "main", "index": 0}]]},
                  "Mock Data 2": {"main": [[{"node": "Split In Batches 2", "type": "main", "index": 0}]]},
                  "Mock Data 2_2": {"main": [[{"node": "Split In Batches 2_2", "type": "main", "index": 0}]]},
                  "Mock Data 3": {"main": [[{"node": "Split In Batches 3", "type": "main", "index": 0}]]},
                  "Mock Data 3_2": {"main": [[{"node": "Split In Batches 3_2", "type": "main", "index": 0}]]},
                  "Some Operation 1": {"main": [[{"node": "Split In Batches 1_2", "type": "main", "index": 0}]]},
                  "Some Operation 2": {"main": [[{"node": "No Items Left2", "type": "main", "index": 0}]]},
                  "Some Operation 3": {"main": [[{"node": "No Items Left", "type": "main", "index": 0}]]},
                  "Split In Batches 3": {"main": [[{"node": "Mock Data 3_2", "type": "main", "index": 0}]]},
                  "Split In Batches 2": {"main": [[{"node": "Mock Data 2_2", "type": "main", "index": 0}]]},
                  "Split In Batches 3_2": {"main": [[{"node": "Some Operation 3", "type": "main", "index": 0}]]},
                  "Split In Batches 2_2": {"main": [[{"node": "Some Operation 2", "type": "main", "index": 0}]]}
                }, "active": false, "settings": {}}""".replace("OUTER", outer).replace("INNER", inner);
        Execution run = run(json, null);
        // The pinData n8n's test workflow records for its three result nodes.
        List<String> keys = List.of("10", "11", "12", "13", "14");
        List<String> twice = java.util.stream.Stream.concat(keys.stream(), keys.stream())
                .map(k -> "{\"key\":\"" + k + "\"}")
                .toList();
        assertThat(output(run, "Results 1")).containsExactlyElementsOf(twice);
        assertThat(output(run, "Result 2")).containsExactly("{\"key\":\"14\"}");
        assertThat(output(run, "Result 3")).containsExactly("{\"key\":\"14\"}");
    }

    /** Wait/test/Wait.workflow.json: Wait 1 between two Date &amp; Time 1 nodes stamping Unix seconds; the IF checks two seconds passed. */
    @Test
    void waitVersion1AsN8nsTestWorkflow() throws Exception {
        String json = """
                {"name": "[Unit Test] Wait Node", "nodes": [
                  {"parameters": {}, "id": "76e5dcfd", "name": "When clicking \\"Execute Workflow\\"", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [120, 420]},
                  {"parameters": {"amount": 2, "unit": "seconds"}, "id": "37f2c758", "name": "Wait", "type": "n8n-nodes-base.wait", "typeVersion": 1, "position": [560, 420],
                   "webhookId": "35edc971-c3e4-48cf-835d-4d73a4fd1fd8"},
                  {"parameters": {"conditions": {"number": [{"value1": "={{ parseInt($json.afterTimestamp) }}", "operation": "largerEqual", "value2": "={{ parseInt($json.startTimestamp) + 2 }}"}]}},
                   "id": "c5c53934", "name": "IF", "type": "n8n-nodes-base.if", "typeVersion": 1, "position": [960, 420]},
                  {"parameters": {"keepOnlySet": true, "values": {"boolean": [{"name": "success", "value": true}]}, "options": {}},
                   "id": "a78417b6", "name": "Set1", "type": "n8n-nodes-base.set", "typeVersion": 1, "position": [1180, 400]},
                  {"parameters": {"value": "={{ $now }}", "dataPropertyName": "afterTimestamp", "toFormat": "X", "options": {}},
                   "id": "94f042ea", "name": "After", "type": "n8n-nodes-base.dateTime", "typeVersion": 1, "position": [760, 420]},
                  {"parameters": {"value": "={{ $now }}", "dataPropertyName": "startTimestamp", "toFormat": "X", "options": {}},
                   "id": "43f8a396", "name": "Before", "type": "n8n-nodes-base.dateTime", "typeVersion": 1, "position": [360, 420]}
                ], "connections": {
                  "When clicking \\"Execute Workflow\\"": {"main": [[{"node": "Before", "type": "main", "index": 0}]]},
                  "Wait": {"main": [[{"node": "After", "type": "main", "index": 0}]]},
                  "IF": {"main": [[{"node": "Set1", "type": "main", "index": 0}]]},
                  "After": {"main": [[{"node": "IF", "type": "main", "index": 0}]]},
                  "Before": {"main": [[{"node": "Wait", "type": "main", "index": 0}]]}
                }, "active": false, "settings": {}}""";
        Execution run = run(json, null);
        assertThat(run.output()).extracting(JsonNode::toString).containsExactly("{\"success\":true}");
        JsonNode stamped = run.node("After").sample().get(0).get(0);
        assertThat(stamped.path("startTimestamp").asText()).matches("\\d{10}");
    }

    /** n8n's Code has no variables {@code items} or {@code item} of its own in this mode; code declaring them (as n8n's docs do) runs. */
    @Test
    void codeMayDeclareTheNamesN8nLeavesFree() throws Exception {
        String code =
                "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"typeVersion\": 2, \"parameters\": {\"jsCode\":"
                        + " \"const items = $input.all();\\nlet item = items[0];\\nconst $json = {n: items.length};\\nreturn [{json: {first: item.json.n, count: $json.n}}];\"}}";
        Execution run = run(Fixtures.chain(code), "[{\"n\": 3}, {\"n\": 4}]");
        assertThat(run.output()).extracting(JsonNode::toString).containsExactly("{\"first\":3,\"count\":2}");
    }
}
