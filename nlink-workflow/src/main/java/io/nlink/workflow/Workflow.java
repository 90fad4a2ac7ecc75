package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A workflow: nodes and the connections between them, in n8n's JSON format (docs/workflows.md),
 * so an n8n export that uses the node types nLink has imports as it is. Immutable; made by
 * {@link WorkflowParser}.
 *
 * @param name        shown in lists
 * @param nodes       in the order the file gives them
 * @param connections from one node's output to another node's input
 * @param settings    the workflow's settings object, as given
 */
public record Workflow(String name, List<Node> nodes, List<Connection> connections, JsonNode settings) {

    /**
     * One node of the graph.
     *
     * @param id             as given (n8n uses UUIDs); names, not ids, wire the graph
     * @param name           unique within the workflow
     * @param type           a built-in type ({@code n8n-nodes-base.set}, …) or a community node's
     *                       package name ({@code nlink-community.wasm_demo})
     * @param typeVersion    the built-in type's version, as n8n numbers them
     * @param packageVersion for a community node: the installed version it uses; null means the
     *                       newest installed (pin it: a workflow keeps working when a newer one arrives)
     * @param parameters     the node's parameters; strings starting with "=" are expressions
     * @param position       x, y in the editor
     * @param onError        what a failure does to the run
     * @param retry          whether and how a failed node run is tried again
     * @param timeout        nLink's bound on each item of a sandboxed node; null for the default
     * @param disabled       a disabled node passes its first input through untouched
     * @param credentials    the credentials the node uses, by credential type ({@code httpHeaderAuth}, …),
     *                       as n8n references them; empty when it uses none
     * @param alwaysOutputData n8n's setting: a run that outputs no item outputs one empty item
     * @param executeOnce    n8n's setting: the node runs on the first item of each input only
     */
    public record Node(
            String id,
            String name,
            String type,
            double typeVersion,
            String packageVersion,
            ObjectNode parameters,
            double[] position,
            OnError onError,
            Retry retry,
            Duration timeout,
            boolean disabled,
            java.util.Map<String, CredentialRef> credentials,
            boolean alwaysOutputData,
            boolean executeOnce) {}

    /**
     * A node's reference to a stored credential, as n8n writes it:
     * {@code "credentials": {"httpHeaderAuth": {"id": "…", "name": "…"}}}. The id finds it; the name
     * finds it when the id is unknown here (an export from another n8n or nLink) and tells people
     * which one is meant.
     *
     * @param id   null when the export gave only a name
     * @param name null when the export gave only an id
     */
    public record CredentialRef(String id, String name) {
        /** How messages name it: "name" (id …). */
        public String describe() {
            return ((name == null ? "" : "\"" + name + "\" ") + (id == null ? "" : "(id " + id + ")")).strip();
        }
    }

    /** A wire from {@code from}'s output {@code output} to {@code to}'s input {@code input}. */
    public record Connection(String from, int output, String to, int input) {}

    /** n8n's {@code onError} (and the older {@code continueOnFail: true}). */
    public enum OnError {
        /** The default: the run stops with this node's error. */
        STOP_WORKFLOW("stopWorkflow"),
        /** Failed items become {@code {"error": "…"}} items on the regular output. */
        CONTINUE_REGULAR_OUTPUT("continueRegularOutput"),
        /** Failed items go to an extra, last output: the error output. */
        CONTINUE_ERROR_OUTPUT("continueErrorOutput");

        final String json;

        OnError(String json) {
            this.json = json;
        }

        static Optional<OnError> of(String json) {
            for (OnError o : values()) if (o.json.equals(json)) return Optional.of(o);
            return Optional.empty();
        }
    }

    /**
     * @param tries total attempts, at least 1 (n8n's maxTries; 1 = no retry)
     * @param firstWait pause before the second attempt; doubled before each further one
     */
    public record Retry(int tries, Duration firstWait) {
        public static final Retry NONE = new Retry(1, Duration.ZERO);
    }

    /**
     * Whether a run may need community nodes: some enabled node is neither built in nor an n8n
     * community node (which no store can hold). Without any, no Community Store is needed.
     */
    public boolean needsCommunityNodes() {
        return nodes.stream()
                .anyMatch(n -> !n.disabled()
                        && !io.nlink.workflow.nodes.BuiltinNodes.has(n.type())
                        && !io.nlink.workflow.nodes.BuiltinNodes.isN8nCommunityType(n.type()));
    }

    public Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    public List<Connection> into(String node) {
        return connections.stream().filter(c -> c.to().equals(node)).toList();
    }

    public List<Connection> outOf(String node) {
        return connections.stream().filter(c -> c.from().equals(node)).toList();
    }
}
