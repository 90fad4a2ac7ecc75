package io.nlink.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.nlink.runtime.json.Json;
import io.nlink.server.store.NodeStore;
import io.nlink.server.workflows.WorkflowService;
import io.nlink.workflow.Item;
import io.nlink.workflow.expr.Expressions;
import io.nlink.workflow.nodes.BuiltinNodes;
import io.nlink.workflow.nodes.NodeDefinitions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * What the workflow editor asks besides workflows: the palette of node types
 * ({@code GET /api/node-types}), an expression's value for one item
 * ({@code POST /api/expressions/preview}), one node run alone with its input
 * ({@code POST /api/workflows/{id}/run-node}) and the check of the workflow being edited
 * ({@code POST /api/workflows/validate}).
 */
final class EditorApi {
    /** WorkflowParser's limit on nodes: a workflow past it is refused whole, so its nodes are not checked one by one. */
    static final int MAX_CHECKED_NODES = 1_000;
    /** Longest expression previewed: longer than any parameter a person types. */
    static final int MAX_EXPRESSION_CHARS = 10_000;
    /** Largest item plus earlier nodes' items sent with a preview, as JSON. */
    static final int MAX_PREVIEW_DATA_BYTES = 256 * 1024;
    /** Earlier nodes a preview may name. */
    static final int MAX_PREVIEW_NODES = 100;
    /**
     * Previews evaluated at once on this server; more wait for none and are refused with 429. Each
     * holds a sandbox for up to the item timeout, so a page typing into a looping expression
     * cannot take every core.
     */
    static final int CONCURRENT_PREVIEWS = 4;

    /** Nodes run alone at once on this server (429 beyond): each may hold a sandbox for its items' timeouts. */
    static final int CONCURRENT_NODE_RUNS = 2;
    /** Items given to a node run alone, over all earlier nodes' outputs. */
    static final int MAX_NODE_RUN_ITEMS = 10_000;

    private final NodeStore store;
    private final Supplier<Expressions> expressions;
    private final WorkflowService workflows;
    private final Semaphore previews = new Semaphore(CONCURRENT_PREVIEWS);
    private final Semaphore nodeRuns = new Semaphore(CONCURRENT_NODE_RUNS);

    EditorApi(NodeStore store, Supplier<Expressions> expressions, WorkflowService workflows) {
        this.store = store;
        this.expressions = expressions;
        this.workflows = workflows;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/node-types", ctx -> ctx.json(Map.of("nodeTypes", nodeTypes())), Access.SIGNED_IN);
        routes.post("/api/expressions/preview", this::preview, Access.SIGNED_IN);
        routes.post("/api/workflows/{id}/run-node", this::runNode, Access.SIGNED_IN);
        routes.post("/api/workflows/validate", this::validate, Access.SIGNED_IN);
    }

    /**
     * {@code {"node": "Name", "workflow": {...}, "outputs": {"Earlier": [[{...}, …], …]}}} → the
     * execution record of that node run alone (not stored): its inputs are what the earlier nodes'
     * outputs (from the last run, or pinned) carry along its incoming connections. {@code workflow}
     * is the editor's unsaved definition (default: the stored one); the workflow must be the
     * caller's ({@link io.nlink.server.auth.Policy#workflows}), as for a run.
     */
    private void runNode(Context ctx) throws Exception {
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("id: expected a whole number; got \"" + ctx.pathParam("id") + "\"");
        }
        WorkflowService.Stored stored =
                workflows.require(io.nlink.server.auth.Policy.workflows(Access.principal(ctx)), id);
        JsonNode body = Requests.json(ctx);
        String node = Requests.text(body, "node");
        if (node == null) throw ApiException.badRequest("node: expected the name of the node to run");
        JsonNode definition = body.has("workflow") ? body.get("workflow") : stored.definition();
        if (!definition.isObject()) throw ApiException.badRequest("workflow: expected the workflow's JSON object");
        io.nlink.workflow.Workflow workflow = WorkflowService.parse(definition);
        if (workflow.node(node).isEmpty())
            throw ApiException.badRequest("node: the workflow has no node named \"" + node + "\"");
        JsonNode outputs = body.has("outputs") ? body.get("outputs") : Json.MAPPER.createObjectNode();
        if (!outputs.isObject())
            throw ApiException.badRequest("outputs: expected {\"Node name\": [[{…}, …], …]}, items per output");
        Map<String, List<List<JsonNode>>> earlier = new LinkedHashMap<>();
        int total = 0;
        for (Map.Entry<String, JsonNode> entry : outputs.properties()) {
            String where = "outputs[\"" + entry.getKey() + "\"]";
            if (!entry.getValue().isArray())
                throw ApiException.badRequest(where + ": expected an array of outputs, each an array of items");
            List<List<JsonNode>> lists = new java.util.ArrayList<>();
            for (JsonNode output : entry.getValue()) {
                if (!output.isArray()) throw ApiException.badRequest(where + ": each output is an array of items");
                List<JsonNode> items = new java.util.ArrayList<>();
                for (JsonNode item : output) {
                    if (!item.isObject()) throw ApiException.badRequest(where + ": each item is a JSON object");
                    items.add(item);
                }
                total += items.size();
                lists.add(items);
            }
            earlier.put(entry.getKey(), lists);
        }
        if (total > MAX_NODE_RUN_ITEMS)
            throw new ApiException(
                    413,
                    "outputs: " + total + " items; at most " + MAX_NODE_RUN_ITEMS + " are given to a node run alone");
        if (!nodeRuns.tryAcquire())
            throw ApiException.tooManyRequests(
                    "too many nodes are running alone on this server; try again in a moment", 2);
        try {
            io.nlink.workflow.Execution alone =
                    workflows.engine().runNode(workflow, node, earlier, io.nlink.workflow.RunControl.none());
            ObjectNode out = alone.toJson();
            // As a stored execution keeps it: the first items of each output (the node's sample), and the count.
            ArrayNode first = out.putArray("output");
            alone.output().stream()
                    .limit(io.nlink.workflow.Execution.SAMPLE_ITEMS)
                    .forEach(first::add);
            out.put("outputItems", alone.output().size());
            ctx.json(out);
        } finally {
            nodeRuns.release();
        }
    }

    /**
     * {@code {"workflow": {...}, "id": 12}} → {@code {"problems": [{"message", "node", "blocks"}]}}:
     * what the server would refuse in the workflow being edited, by the rules it applies, worded as
     * it words them. {@code blocks: "save"}: a save (and so a run) is refused — the name, pinData,
     * unknown node types, bad connections, loops, credentials the owner lacks
     * ({@link WorkflowService#check}). {@code blocks: "run"}: the save is taken but a run fails at
     * that node — a community node or pinned version not installed, a community node's parameters
     * its {@code definition.json} refuses (missing required ones, wrong types; a parameter set by an
     * expression is checked when the run gives it its value). {@code node} names the node a problem
     * is about, when it is about one. {@code id}, when given, is the stored workflow (the caller's to
     * edit) whose owner's credentials count; otherwise the caller's.
     */
    private void validate(Context ctx) throws Exception {
        JsonNode body = Requests.json(ctx);
        JsonNode definition = body.path("workflow");
        if (!definition.isObject()) throw ApiException.badRequest("workflow: expected the workflow's JSON object");
        Long ownerId = Access.principal(ctx).userId();
        if (body.hasNonNull("id")) {
            if (!body.get("id").canConvertToLong())
                throw ApiException.badRequest("id: expected the stored workflow's id, a whole number");
            ownerId = workflows
                    .require(
                            io.nlink.server.auth.Policy.workflows(Access.principal(ctx)),
                            body.get("id").asLong())
                    .ownerId();
        }
        WorkflowService.Check check = workflows.check(definition, ownerId);
        ArrayNode problems = Json.MAPPER.createArrayNode();
        // Past the parser's node limit the save refusal says so, and nothing is checked node by node.
        boolean nodeByNode =
                definition.path("nodes").isArray() && definition.path("nodes").size() <= MAX_CHECKED_NODES;
        List<String[]> names = nodeByNode ? namesAndPrefixes(definition) : List.of();
        for (String problem : check.problems()) {
            List<String> nodes = nodesNamedBy(problem, definition, names);
            if (nodes.isEmpty()) problems.add(problem(problem, null, "save"));
            nodes.forEach(node -> problems.add(problem(problem, node, "save")));
        }
        if (nodeByNode) {
            String unknownTypes = check.problems().stream()
                    .filter(p -> p.startsWith("this workflow uses node types"))
                    .findFirst()
                    .orElse("");
            // Each type and version looked up once: a workflow may use one community node many times.
            Map<String, Object> found = new java.util.HashMap<>();
            // Read from the JSON, not the parsed workflow: a workflow a save refuses still shows what a run would fail
            // at.
            for (JsonNode node : definition.path("nodes")) {
                String name = node.path("name").asText(null);
                String type = node.path("type").asText(null);
                if (name == null
                        || type == null
                        || node.path("disabled").asBoolean(false)
                        || BuiltinNodes.has(type)
                        || BuiltinNodes.isCanvasOnly(type)) continue;
                if (unknownTypes.contains(type + " (")) continue;
                String version = node.path("packageVersion").isTextual()
                        ? node.get("packageVersion").asText()
                        : null;
                String problem = runProblem(type, version, node.path("parameters"), found);
                if (problem != null) problems.add(problem(problem, name, "run"));
            }
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("problems", problems);
        ctx.json(out);
    }

    private static ObjectNode problem(String message, String node, String blocks) {
        ObjectNode p = Json.MAPPER.createObjectNode().put("message", message);
        if (node != null) p.put("node", node);
        return p.put("blocks", blocks);
    }

    /** Each node's name with the start of a connection problem about it: {@code connections["A"]}. */
    private static List<String[]> namesAndPrefixes(JsonNode definition) {
        List<String[]> out = new java.util.ArrayList<>();
        for (JsonNode node : definition.path("nodes")) {
            String name = node.path("name").asText(null);
            if (name != null)
                out.add(new String[] {
                    name,
                    "connections[" + Json.write(Json.MAPPER.getNodeFactory().textNode(name)) + "]"
                });
        }
        return out;
    }

    /**
     * The nodes a save refusal is about: {@code nodes[3]…} is the fourth node, {@code connections["A"]…}
     * node A, a loop each node in it, unknown types each node quoted after them. {@code names} is
     * {@link #namesAndPrefixes}, made once per workflow.
     */
    static List<String> nodesNamedBy(String problem, JsonNode definition, List<String[]> names) {
        java.util.regex.Matcher at =
                java.util.regex.Pattern.compile("^nodes\\[(\\d+)]").matcher(problem);
        if (at.find()) {
            JsonNode name =
                    definition.path("nodes").path(Integer.parseInt(at.group(1))).path("name");
            return name.isTextual() ? List.of(name.asText()) : List.of();
        }
        List<String> loop = problem.startsWith("connections: the nodes form a loop")
                ? java.util.Arrays.asList(problem.substring(
                                problem.indexOf('(') + 1, Math.max(problem.indexOf('(') + 1, problem.lastIndexOf(')')))
                        .split(" → "))
                : List.of();
        java.util.LinkedHashSet<String> about = new java.util.LinkedHashSet<>();
        for (String[] node : names) {
            String name = node[0];
            boolean named = problem.startsWith(node[1])
                    || problem.startsWith("this workflow uses node types") && problem.contains("\"" + name + "\"")
                    || loop.contains(name);
            if (named) about.add(name);
        }
        return List.copyOf(about);
    }

    /** What a run would fail with at a community node of {@code type} before it ran an item, or null: its package and its parameters. */
    private String runProblem(String type, String packageVersion, JsonNode parameters, Map<String, Object> found)
            throws Exception {
        Object lookedUp = found.get(type + "@" + packageVersion);
        if (lookedUp == null) {
            try {
                lookedUp = new io.nlink.server.store.StoreNodeResolver(store).find(type, packageVersion);
            } catch (io.nlink.workflow.NodeResolver.UnknownNodeException e) {
                lookedUp = BuiltinNodes.isN8nCommunityType(type)
                        ? BuiltinNodes.n8nCommunityNodeProblem(type)
                        : e.getMessage();
            }
            found.put(type + "@" + packageVersion, lookedUp);
        }
        if (lookedUp instanceof String problem) return problem;
        NodeStore.Version version = (NodeStore.Version) lookedUp;
        io.nlink.runtime.pkg.NodeDefinition definition;
        try {
            definition = io.nlink.runtime.pkg.NodeDefinition.fromJson(
                    version.details().path("definition"));
        } catch (IllegalArgumentException e) {
            return null; // checked at upload; a run reports it if it ever happens
        }
        // As a run checks each item's parameters, with the values expressions will give left out.
        if (parameters.isMissingNode() || parameters.isNull()) parameters = Json.MAPPER.createObjectNode();
        if (!parameters.isObject()) return null; // a save refuses it first
        ObjectNode fixed = (ObjectNode) parameters.deepCopy();
        java.util.Set<String> computed = new java.util.HashSet<>();
        for (var entry : parameters.properties()) {
            if (entry.getValue().isTextual() && entry.getValue().asText().startsWith("=")) {
                computed.add(entry.getKey());
                fixed.remove(entry.getKey());
            }
        }
        try {
            definition.resolveParams(fixed);
            return null;
        } catch (io.nlink.runtime.pkg.InvalidParamsException e) {
            List<String> left = e.problems().stream()
                    .filter(p -> computed.stream().noneMatch(name -> p.startsWith("params." + name + ":")))
                    .toList();
            return left.isEmpty() ? null : "invalid parameters: " + String.join("; ", left);
        }
    }

    /** The built-in types, then each installed community node at its newest version, each with its definition. */
    private List<ObjectNode> nodeTypes() throws Exception {
        List<ObjectNode> out = new java.util.ArrayList<>();
        NodeDefinitions.all().forEach((type, definition) -> {
            ObjectNode entry = entry(
                    type,
                    definition.path("displayName").asText(),
                    definition.path("description").asText(""),
                    true);
            entry.put("typeVersion", definition.path("version").asDouble(1));
            entry.put("trigger", BuiltinNodes.of(type).trigger());
            entry.set("definition", definition);
            out.add(entry);
        });
        for (NodeStore.Node node : store.nodes()) {
            JsonNode definition = store.version(node.name(), node.latestVersion())
                    .map(v -> v.details().path("definition"))
                    .orElse(null);
            if (definition == null || !definition.isObject()) continue; // removed since the listing
            ObjectNode entry =
                    entry(node.name(), node.displayName(), node.description() == null ? "" : node.description(), false);
            entry.put("packageVersion", node.latestVersion());
            ArrayNode versions = entry.putArray("versions");
            node.versions().forEach(versions::add);
            entry.put("trigger", false);
            entry.set("definition", definition);
            out.add(entry);
        }
        return out;
    }

    private static ObjectNode entry(String type, String displayName, String description, boolean builtin) {
        ObjectNode entry = Json.MAPPER.createObjectNode();
        entry.put("type", type);
        entry.put("displayName", displayName);
        entry.put("description", description);
        entry.put("builtin", builtin);
        // The palette's icon: the first letter or digit of the display name.
        entry.put(
                "initial",
                displayName.codePoints().filter(Character::isLetterOrDigit).findFirst().stream()
                        .mapToObj(Character::toString)
                        .findFirst()
                        .orElse("?")
                        .toUpperCase(java.util.Locale.ROOT));
        return entry;
    }

    /**
     * {@code {"expression": "=Hi {{ $json.name }}", "item": {...}, "nodes": [{"name", "json"}]}} →
     * {@code {"value": …}} or {@code {"error": "…"}}: the value a run would give for an input item
     * {@code item}, evaluated in the same sandbox under the same limits. {@code nodes} are earlier
     * nodes' first items, in run order, for {@code $('Name')}: the item descends from each of them.
     */
    private void preview(Context ctx) {
        JsonNode body = Requests.json(ctx);
        String expression = Requests.text(body, "expression");
        if (expression == null)
            throw ApiException.badRequest("expression: expected a string such as \"={{ $json.name }}\"");
        if (expression.length() > MAX_EXPRESSION_CHARS) {
            throw new ApiException(
                    413,
                    "expression: " + expression.length() + " characters; at most " + MAX_EXPRESSION_CHARS
                            + " are previewed");
        }
        JsonNode item = body.has("item") ? body.get("item") : Json.MAPPER.createObjectNode();
        if (!item.isObject()) throw ApiException.badRequest("item: expected a JSON object (an item's json)");
        JsonNode nodes = body.has("nodes") ? body.get("nodes") : Json.MAPPER.createArrayNode();
        if (!nodes.isArray()) throw ApiException.badRequest("nodes: expected an array of {\"name\", \"json\"}");
        if (nodes.size() > MAX_PREVIEW_NODES)
            throw ApiException.badRequest("nodes: " + nodes.size() + " entries; at most " + MAX_PREVIEW_NODES);
        if (Json.write(item).length() + Json.write(nodes).length() > MAX_PREVIEW_DATA_BYTES) {
            throw new ApiException(
                    413,
                    "item and nodes: more than " + MAX_PREVIEW_DATA_BYTES / 1024
                            + " KiB of JSON; preview with a smaller item");
        }
        if (!expression.startsWith("=")) {
            ctx.json(Map.of("value", Json.MAPPER.getNodeFactory().textNode(expression))); // a fixed value is itself
            return;
        }
        Map<String, List<List<Item>>> history = new LinkedHashMap<>();
        Item earlier = null;
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode n = nodes.get(i);
            if (!n.path("name").isTextual() || !n.path("json").isObject()) {
                throw ApiException.badRequest("nodes[" + i + "]: expected {\"name\": \"…\", \"json\": {…}}");
            }
            earlier = new Item(n.get("json"), n.get("name").asText(), earlier == null ? List.of() : List.of(earlier));
            history.put(earlier.node(), List.of(List.of(earlier)));
        }
        java.time.ZoneId zone = java.time.ZoneId.systemDefault();
        if (body.has("timezone")) {
            String id = body.get("timezone").isTextual() ? body.get("timezone").asText() : "";
            try {
                if (id.length() > 64) throw new java.time.DateTimeException("too long");
                zone = java.time.ZoneId.of(id);
            } catch (java.time.DateTimeException e) {
                throw ApiException.badRequest(
                        "timezone: expected a time zone such as \"Europe/Paris\" or \"UTC\" (at most 64 characters)");
            }
        }
        Item input = new Item(item, null, earlier == null ? List.of() : List.of(earlier));
        ObjectNode params = Json.MAPPER.createObjectNode().put("value", expression);
        if (!previews.tryAcquire())
            throw ApiException.tooManyRequests("too many expression previews are running; try again in a moment", 1);
        try {
            Expressions.Resolved resolved = expressions
                    .get()
                    .resolve(params, List.of(input), history, Map.of(), zone)
                    .get(0);
            ObjectNode out = Json.MAPPER.createObjectNode();
            if (resolved.failure() != null) out.put("error", resolved.failure().error());
            else out.set("value", resolved.params().get("value"));
            ctx.json(out);
        } finally {
            previews.release();
        }
    }
}
