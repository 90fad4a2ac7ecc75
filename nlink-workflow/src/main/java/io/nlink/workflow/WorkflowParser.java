package io.nlink.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.nodes.BuiltinNodes;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a workflow file: nLink's own or an n8n export. Fields nLink does not use are ignored;
 * everything it uses is checked, and every problem is reported at once with its JSON path.
 * Node types nLink lacks are named together in one problem, so an n8n import says in one
 * message what it would need.
 */
public final class WorkflowParser {
    /** A community node's type is its npm package name. */
    private static final Pattern PACKAGE_NAME =
            Pattern.compile("^(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]*$");

    private static final int MAX_NODES = 1_000;
    private static final int MAX_TRIES = 10;
    private static final Duration MAX_WAIT = Duration.ofMinutes(1);
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    private WorkflowParser() {}

    public static Workflow parse(String source, byte[] json) throws InvalidWorkflowException {
        JsonNode root;
        try {
            root = Json.parse(json);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new InvalidWorkflowException(
                    source,
                    List.of("is not valid JSON"
                            + (loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")")
                            + ": " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new InvalidWorkflowException(source, List.of("cannot be read: " + e.getMessage()));
        }
        return parse(source, root);
    }

    public static Workflow parse(String source, JsonNode root) throws InvalidWorkflowException {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new InvalidWorkflowException(
                    source, List.of("expected a JSON object with \"nodes\" and \"connections\""));
        }
        String name = root.path("name").isTextual() ? root.path("name").asText() : "Untitled workflow";
        JsonNode nodesJson = root.path("nodes");
        if (!nodesJson.isArray() || nodesJson.isEmpty()) {
            throw new InvalidWorkflowException(source, List.of("nodes: expected a non-empty array of nodes"));
        }
        if (nodesJson.size() > MAX_NODES) {
            throw new InvalidWorkflowException(
                    source, List.of("nodes: " + nodesJson.size() + " nodes; at most " + MAX_NODES + " are accepted"));
        }
        List<Workflow.Node> nodes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> comments = new HashSet<>();
        Map<String, List<String>> unsupported = new LinkedHashMap<>();
        for (int i = 0; i < nodesJson.size(); i++) {
            JsonNode nodeJson = nodesJson.get(i);
            if (BuiltinNodes.isCanvasOnly(nodeJson.path("type").asText(""))) {
                // A Sticky Note is a comment on n8n's canvas: it never runs and nothing connects to it.
                if (nodeJson.path("name").isTextual())
                    comments.add(nodeJson.path("name").asText());
                continue;
            }
            Workflow.Node node = node("nodes[" + i + "]", nodeJson, problems, unsupported);
            if (node == null) continue;
            if (!names.add(node.name())) {
                problems.add(
                        "nodes[" + i + "].name: \"" + node.name() + "\" is used by another node; names must be unique");
            }
            nodes.add(node);
        }
        if (!unsupported.isEmpty()) {
            List<String> named = new ArrayList<>();
            unsupported.forEach((type, users) -> named.add(type + " (" + String.join(", ", users) + ")"));
            problems.add(
                    "this workflow uses node types nLink does not have: " + String.join("; ", named) + ". nLink has "
                            + String.join(", ", BuiltinNodes.types()) + ", and every installed community node");
        }
        if (nodes.isEmpty() && problems.isEmpty()) {
            throw new InvalidWorkflowException(
                    source, List.of("nodes: the workflow has only sticky notes; add the nodes that should run"));
        }
        List<Workflow.Connection> connections = connections(root.path("connections"), names, comments, problems);
        String loop = findLoop(nodes, connections);
        if (loop != null) {
            problems.add("connections: the nodes form a loop (" + loop
                    + "); nLink runs a loop only through a Loop Over Items node"
                    + " (n8n-nodes-base.splitInBatches) that the loop feeds back into");
        }
        if (!problems.isEmpty()) throw new InvalidWorkflowException(source, problems);
        JsonNode settings = root.path("settings").isObject() ? root.get("settings") : Json.MAPPER.createObjectNode();
        return new Workflow(name, List.copyOf(nodes), List.copyOf(connections), settings);
    }

    private static Workflow.Node node(
            String at, JsonNode json, List<String> problems, Map<String, List<String>> unsupported) {
        if (!json.isObject()) {
            problems.add(at + ": expected a node object");
            return null;
        }
        String name = text(json, "name", at, problems, true);
        String type = text(json, "type", at, problems, true);
        if (name == null || type == null) return null;
        if (name.isBlank() || name.length() > 128)
            problems.add(at + ".name: give the node a name of 1 to 128 characters");
        boolean disabled = json.path("disabled").asBoolean(false);
        // A disabled node never runs (its first input passes through), so its type need not exist here.
        if (!disabled && !BuiltinNodes.has(type)) {
            boolean foreign = type.startsWith("n8n-nodes-base.")
                    || type.startsWith("@n8n/")
                    || type.startsWith("nlink.")
                    || !(PACKAGE_NAME.matcher(type).matches() || BuiltinNodes.isN8nCommunityType(type));
            if (foreign)
                unsupported.computeIfAbsent(type, k -> new ArrayList<>()).add("\"" + name + "\"");
        }
        double typeVersion =
                json.path("typeVersion").isNumber() ? json.path("typeVersion").asDouble() : 1;
        JsonNode parameters = json.path("parameters");
        if (!parameters.isMissingNode() && !parameters.isObject()) problems.add(at + ".parameters: expected an object");
        ObjectNode params = parameters.isObject() ? (ObjectNode) parameters.deepCopy() : Json.MAPPER.createObjectNode();
        double[] position = {0, 0};
        JsonNode pos = json.path("position");
        if (pos.isArray()
                && pos.size() == 2
                && pos.get(0).isNumber()
                && pos.get(1).isNumber()) {
            position = new double[] {pos.get(0).asDouble(), pos.get(1).asDouble()};
        }
        Workflow.OnError onError = Workflow.OnError.STOP_WORKFLOW;
        if (json.path("continueOnFail").asBoolean(false)) onError = Workflow.OnError.CONTINUE_REGULAR_OUTPUT;
        String onErrorText = text(json, "onError", at, problems, false);
        if (onErrorText != null) {
            onError = Workflow.OnError.of(onErrorText).orElse(onError);
            if (Workflow.OnError.of(onErrorText).isEmpty()) {
                problems.add(
                        at + ".onError: expected stopWorkflow, continueRegularOutput or continueErrorOutput; got \""
                                + onErrorText + "\"");
            }
        }
        Workflow.Retry retry = Workflow.Retry.NONE;
        if (json.path("retryOnFail").asBoolean(false)) {
            int tries = json.path("maxTries").asInt(3);
            long waitMs = json.path("waitBetweenTries").asLong(1000);
            if (tries < 1 || tries > MAX_TRIES)
                problems.add(at + ".maxTries: expected 1 to " + MAX_TRIES + "; got " + tries);
            if (waitMs < 0 || waitMs > MAX_WAIT.toMillis())
                problems.add(at + ".waitBetweenTries: expected 0 to " + MAX_WAIT.toMillis() + " ms; got " + waitMs);
            retry = new Workflow.Retry(
                    Math.max(1, Math.min(tries, MAX_TRIES)),
                    Duration.ofMillis(Math.max(0, Math.min(waitMs, MAX_WAIT.toMillis()))));
        }
        Duration timeout = null;
        if (json.has("timeout")) {
            double seconds = json.path("timeout").asDouble(-1);
            if (!json.path("timeout").isNumber() || seconds <= 0 || seconds > MAX_TIMEOUT.toSeconds()) {
                problems.add(
                        at + ".timeout: expected seconds per item, more than 0 and at most " + MAX_TIMEOUT.toSeconds());
            } else {
                timeout = Duration.ofMillis((long) (seconds * 1000));
            }
        }
        String packageVersion = text(json, "packageVersion", at, problems, false);
        String id = json.path("id").isTextual() ? json.path("id").asText() : name;
        return new Workflow.Node(
                id,
                name,
                type,
                typeVersion,
                packageVersion,
                params,
                position,
                onError,
                retry,
                timeout,
                disabled,
                credentials(at, json.get("credentials"), problems),
                json.path("alwaysOutputData").asBoolean(false),
                json.path("executeOnce").asBoolean(false));
    }

    /**
     * n8n's {@code "credentials": {"<type>": {"id": "…", "name": "…"}}}; older exports give the
     * name alone as a string. Only the reference is read: the secret is never in a workflow.
     */
    private static Map<String, Workflow.CredentialRef> credentials(String at, JsonNode json, List<String> problems) {
        Map<String, Workflow.CredentialRef> refs = new LinkedHashMap<>();
        if (json == null || json.isNull()) return refs;
        if (!json.isObject()) {
            problems.add(
                    at
                            + ".credentials: expected an object such as {\"httpHeaderAuth\": {\"id\": \"…\", \"name\": \"…\"}}");
            return refs;
        }
        for (var entry : json.properties()) {
            String where = at + ".credentials." + entry.getKey();
            JsonNode ref = entry.getValue();
            String id = null, name = null;
            if (ref.isTextual()) {
                name = ref.asText();
            } else if (ref.isObject()) {
                id = ref.path("id").isTextual() || ref.path("id").isNumber()
                        ? ref.path("id").asText()
                        : null;
                name = ref.path("name").isTextual() ? ref.path("name").asText() : null;
            }
            if ((id == null || id.isBlank()) && (name == null || name.isBlank())) {
                problems.add(where + ": expected {\"id\": \"…\", \"name\": \"…\"} naming a stored credential");
                continue;
            }
            if ((id != null && id.length() > 128) || (name != null && name.length() > 128)) {
                problems.add(where + ": a credential's id and name are at most 128 characters");
                continue;
            }
            refs.put(
                    entry.getKey(),
                    new Workflow.CredentialRef(
                            id == null || id.isBlank() ? null : id, name == null || name.isBlank() ? null : name));
        }
        return java.util.Collections.unmodifiableMap(refs);
    }

    /** n8n's shape: {"From": {"main": [[{"node": "To", "type": "main", "index": 0}], …]}}, one array per output. */
    private static List<Workflow.Connection> connections(
            JsonNode json, Set<String> names, Set<String> comments, List<String> problems) {
        List<Workflow.Connection> connections = new ArrayList<>();
        if (json.isMissingNode() || json.isNull()) return connections;
        if (!json.isObject()) {
            problems.add("connections: expected an object keyed by node name");
            return connections;
        }
        for (var from : json.properties()) {
            String at = "connections[\"" + from.getKey() + "\"]";
            if (comments.contains(from.getKey()) && !names.contains(from.getKey())) continue;
            if (!from.getValue().isObject()) {
                problems.add(at + ": expected an object such as {\"main\": [[…]]}");
                continue;
            }
            if (!names.contains(from.getKey())) {
                problems.add(at + ": no node is named \"" + from.getKey() + "\"");
                continue;
            }
            for (var kind : from.getValue().properties()) {
                if (!kind.getKey().equals("main")) {
                    problems.add(at + "." + kind.getKey() + ": nLink connects only \"main\" outputs");
                    continue;
                }
                JsonNode outputs = kind.getValue();
                if (!outputs.isArray()) {
                    problems.add(at + ".main: expected an array with one array of targets per output");
                    continue;
                }
                for (int output = 0; output < outputs.size(); output++) {
                    JsonNode targets = outputs.get(output);
                    if (targets == null || targets.isNull()) continue;
                    if (!targets.isArray()) {
                        problems.add(at + ".main[" + output + "]: expected an array of targets");
                        continue;
                    }
                    for (int t = 0; t < targets.size(); t++) {
                        JsonNode target = targets.get(t);
                        String to = target.path("node").isTextual()
                                ? target.path("node").asText()
                                : null;
                        if (to != null && comments.contains(to) && !names.contains(to)) continue;
                        if (to == null || !names.contains(to)) {
                            problems.add(at + ".main[" + output + "][" + t + "].node: no node is named \"" + to + "\"");
                            continue;
                        }
                        connections.add(new Workflow.Connection(
                                from.getKey(), output, to, target.path("index").asInt(0)));
                    }
                }
            }
        }
        return connections;
    }

    /**
     * A loop as "A → B → A", or null when the graph has none but those allowed: a loop body feeding
     * back into its Loop Over Items node (an edge into that node from a node it reaches).
     */
    private static String findLoop(List<Workflow.Node> nodes, List<Workflow.Connection> connections) {
        Map<String, List<String>> all = new HashMap<>();
        connections.forEach(
                c -> all.computeIfAbsent(c.from(), k -> new ArrayList<>()).add(c.to()));
        Set<String> loopNodes = new HashSet<>();
        nodes.forEach(n -> {
            if (BuiltinNodes.isLoop(n.type())) loopNodes.add(n.name());
        });
        Map<String, Set<String>> reach = new HashMap<>();
        for (String loopNode : loopNodes) {
            Set<String> seen = new HashSet<>();
            java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(loopNode));
            while (!todo.isEmpty()) {
                String n = todo.poll();
                if (seen.add(n)) todo.addAll(all.getOrDefault(n, List.of()));
            }
            reach.put(loopNode, seen);
        }
        Map<String, List<String>> next = new HashMap<>();
        for (Workflow.Connection c : connections) {
            if (loopNodes.contains(c.to()) && reach.get(c.to()).contains(c.from())) continue; // a loop body's way back
            next.computeIfAbsent(c.from(), k -> new ArrayList<>()).add(c.to());
        }
        Map<String, Integer> state = new HashMap<>(); // 1 = on the path, 2 = done
        for (Workflow.Node n : nodes) {
            List<String> path = new ArrayList<>();
            String loop = visit(n.name(), next, state, path);
            if (loop != null) return loop;
        }
        return null;
    }

    private static String visit(
            String node, Map<String, List<String>> next, Map<String, Integer> state, List<String> path) {
        Integer s = state.get(node);
        if (s != null && s == 2) return null;
        if (s != null && s == 1) {
            List<String> loop = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
            loop.add(node);
            return String.join(" → ", loop);
        }
        state.put(node, 1);
        path.add(node);
        for (String to : next.getOrDefault(node, List.of())) {
            String loop = visit(to, next, state, path);
            if (loop != null) return loop;
        }
        path.remove(path.size() - 1);
        state.put(node, 2);
        return null;
    }

    private static String text(JsonNode json, String field, String at, List<String> problems, boolean required) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            if (required) problems.add(at + "." + field + ": is required");
            return null;
        }
        if (!value.isTextual()) {
            problems.add(at + "." + field + ": expected a string");
            return null;
        }
        return value.asText();
    }
}
