package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.SandboxLimits;
import java.util.List;

/**
 * Runs Start → one built-in node on given items, with an engine that has no community package
 * (built-in nodes need none; Code's sandbox is the real one).
 */
final class BuiltinRuns {
    private static final class Holder {
        static final WorkflowEngine ENGINE = create();

        private static WorkflowEngine create() {
            try {
                return new WorkflowEngine(
                        new PackageResolver(Fixtures.RUNTIME, SandboxLimits.DEFAULTS, List.of()),
                        Fixtures.JS,
                        SandboxLimits.DEFAULTS);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start a workflow engine for the tests", e);
            }
        }
    }

    private BuiltinRuns() {}

    /** Runs a whole workflow from its Manual Trigger with one empty item. */
    static Execution runWorkflow(String workflow) throws Exception {
        return Holder.ENGINE.run(Fixtures.workflow(workflow), null, Fixtures.items("[{}]"));
    }

    static Execution run(String node, String items) throws Exception {
        return Holder.ENGINE.run(Fixtures.workflow(Fixtures.chain(node)), null, Fixtures.items(items));
    }

    /** The node's outputs (each as compact JSON items), after asserting the run succeeded. */
    static List<List<String>> outputs(String node, String items) throws Exception {
        Execution run = run(node, items);
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        return run.nodes().get(run.nodes().size() - 1).sample().stream()
                .map(o -> o.stream().map(JsonNode::toString).toList())
                .toList();
    }

    /** The node's first output as compact JSON, after asserting the run succeeded. */
    static List<String> output(String node, String items) throws Exception {
        Execution run = run(node, items);
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        return run.output().stream().map(JsonNode::toString).toList();
    }

    /** The run's error, after asserting it failed. */
    static String error(String node, String items) throws Exception {
        Execution run = run(node, items);
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.ERROR);
        return run.error();
    }

    /** A node named N of n8n-nodes-base.{@code type}. */
    static String node(String type, double version, String parameters) {
        return "{\"name\": \"N\", \"type\": \"n8n-nodes-base." + type + "\", \"typeVersion\": " + version
                + ", \"parameters\": " + parameters + "}";
    }
}
