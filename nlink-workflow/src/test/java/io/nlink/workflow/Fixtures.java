package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.JavaScript;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Real community nodes (the seed's Go node compiled by the examples module, the JS hello node) and an engine over them. */
final class Fixtures {
    static final Path EXAMPLES = Path.of(System.getProperty("nlink.examples.dir", "../examples"));
    static final Path HELLO_GO = EXAMPLES.resolve("hello-go");
    static final Path HELLO_JS = EXAMPLES.resolveSibling("bench").resolve("nodes/hello-js");
    static final Path WORKFLOWS = EXAMPLES.resolve("workflows");

    static final NodeRuntime RUNTIME = NodeRuntime.builder().build();
    static final JavaScript JS = RUNTIME.javascript();

    private Fixtures() {}

    static WorkflowEngine engine() throws Exception {
        return new WorkflowEngine(
                new PackageResolver(RUNTIME, SandboxLimits.DEFAULTS, List.of(HELLO_GO, HELLO_JS)),
                JS,
                SandboxLimits.DEFAULTS);
    }

    static Workflow workflow(String json) throws InvalidWorkflowException {
        return WorkflowParser.parse("test.json", json.getBytes(StandardCharsets.UTF_8));
    }

    static Workflow example(String file) throws Exception {
        return WorkflowParser.parse(file, Files.readAllBytes(WORKFLOWS.resolve(file)));
    }

    static List<JsonNode> items(String json) throws Exception {
        List<JsonNode> items = new ArrayList<>();
        Json.parse(json).forEach(items::add);
        return items;
    }

    /** A workflow of a Manual Trigger followed by {@code nodes}, wired in a chain. */
    static String chain(String... nodes) {
        StringBuilder json = new StringBuilder(
                "{\"name\": \"chain\", \"nodes\": [{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\", \"parameters\": {}}");
        StringBuilder wires = new StringBuilder();
        String previous = "Start";
        for (int i = 0; i < nodes.length; i++) {
            json.append(", ").append(nodes[i]);
            String name = nodes[i].replaceAll("(?s).*?\"name\"\\s*:\\s*\"([^\"]+)\".*", "$1");
            wires.append(wires.isEmpty() ? "" : ", ")
                    .append("\"")
                    .append(previous)
                    .append("\": {\"main\": [[{\"node\": \"")
                    .append(name)
                    .append("\", \"index\": 0}]]}");
            previous = name;
        }
        return json.append("], \"connections\": {").append(wires).append("}}").toString();
    }
}
