package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.JavaScript;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.http.EgressPolicy;
import io.nlink.workflow.nodes.BuiltinNodes;
import io.nlink.workflow.nodes.NodeFailedException;
import io.nlink.workflow.nodes.NodeRun;
import io.nlink.workflow.nodes.NodeType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Runs workflows. A run starts at one trigger with the items it was given and visits the nodes
 * reachable from it in dependency order — a node runs once every node feeding it has run (ties
 * broken by editor position, left to right, then top to bottom, as n8n orders them). A node
 * receives the items its incoming connections carried; one that received none is skipped, and
 * so are the nodes only it feeds (Merge runs when any of its inputs has items).
 *
 * <p>A failing node is retried as its {@code retryOnFail} says (the wait doubling each time);
 * then its {@code onError} decides: stop the run (the default), or let failed items continue as
 * error items. Thread-safe: runs share nothing but the engine's services.
 */
public final class WorkflowEngine {
    private final NodeRun.Services services;

    /** An engine whose HTTP requests follow {@link EgressPolicy#DEFAULTS} and whose runs have no credentials. */
    public WorkflowEngine(NodeResolver resolver, JavaScript js, SandboxLimits limits) {
        this(new NodeRun.Services(js, limits, resolver, EgressPolicy.DEFAULTS, CredentialResolver.NONE));
    }

    private WorkflowEngine(NodeRun.Services services) {
        this.services = services;
    }

    /** This engine with HTTP requests bounded by {@code egress}: where they may go, how long and how large. */
    public WorkflowEngine withEgress(EgressPolicy egress) {
        return new WorkflowEngine(new NodeRun.Services(services.js(), services.limits(), services.resolver(), egress, services.credentials()));
    }

    /** This engine with its runs' credentials from {@code credentials} (a server makes one per workflow owner). */
    public WorkflowEngine withCredentials(CredentialResolver credentials) {
        return new WorkflowEngine(new NodeRun.Services(services.js(), services.limits(), services.resolver(), services.egress(), credentials));
    }

    /** Evaluates expressions as a run does: in the JavaScript sandbox, under the platform's limits. */
    public io.nlink.workflow.expr.Expressions expressions() {
        return new io.nlink.workflow.expr.Expressions(services.js(), services.limits());
    }

    /**
     * Runs {@code workflow} from {@code trigger} (null: its first Manual Trigger, else its first
     * trigger) with {@code items} as the trigger's output (null: one empty item).
     */
    public Execution run(Workflow workflow, String trigger, List<JsonNode> items) {
        return run(workflow, trigger, items, response -> {});
    }

    /**
     * As {@link #run(Workflow, String, List)}, for a run started by a webhook call whose answer
     * a Respond to Webhook node gives: {@code webhookResponder} receives each answer such a node
     * makes, when it makes it (the caller sends the first and ignores the rest, as n8n does).
     */
    public Execution run(Workflow workflow, String trigger, List<JsonNode> items, java.util.function.Consumer<WebhookResponse> webhookResponder) {
        return run(workflow, trigger, items, webhookResponder, RunControl.none());
    }

    /**
     * As {@link #run(Workflow, String, List, java.util.function.Consumer)}, told to {@code control}:
     * its listener hears each node start and finish, its pins replace nodes' runs, and a stop it
     * is asked for ends the run as {@link Execution.Status#CANCELED} at the next check.
     */
    public Execution run(Workflow workflow, String trigger, List<JsonNode> items, java.util.function.Consumer<WebhookResponse> webhookResponder,
            RunControl control) {
        Instant started = Instant.now();
        Workflow.Node start = startNode(workflow, trigger);
        List<Item> triggerItems = (items == null ? List.<JsonNode>of(Json.MAPPER.createObjectNode()) : items).stream().map(Item::start).toList();
        Duration budget = executionTimeout(workflow);

        Map<String, List<List<Item>>> inputs = new HashMap<>();
        Map<String, List<List<Item>>> history = new LinkedHashMap<>();
        List<Execution.NodeRecord> records = new ArrayList<>();
        Map<String, Integer> waitingOn = new HashMap<>();
        Set<String> reachable = reachable(workflow, start.name());
        for (String name : reachable) {
            waitingOn.put(name, (int) workflow.into(name).stream().filter(c -> reachable.contains(c.from())).map(Workflow.Connection::from).distinct().count());
        }
        Map<String, Integer> fileOrder = new HashMap<>();
        for (int i = 0; i < workflow.nodes().size(); i++) fileOrder.put(workflow.nodes().get(i).name(), i);
        PriorityQueue<Workflow.Node> ready = new PriorityQueue<>(Comparator
                .comparingDouble((Workflow.Node n) -> n.position()[0])
                .thenComparingDouble(n -> n.position()[1])
                .thenComparing(n -> fileOrder.get(n.name())));
        ready.add(start);
        inputs.put(start.name(), List.of(triggerItems));

        String error = null, errorNode = null, lastNode = null;
        boolean canceled = false;
        List<Item> output = List.of();
        while (!ready.isEmpty()) {
            Workflow.Node node = ready.poll();
            if (control.stopRequested()) {
                error = "stopped before node \"" + node.name() + "\": " + control.stopReason();
                canceled = true;
                break;
            }
            if (budget != null && Duration.between(started, Instant.now()).compareTo(budget) > 0) {
                error = "the execution ran past its timeout of " + budget.toSeconds() + " s (settings.executionTimeout) before node \"" + node.name() + "\"";
                errorNode = node.name();
                break;
            }
            List<List<Item>> in = inputs.getOrDefault(node.name(), List.of());
            Outcome outcome = runNode(node, in, Collections.unmodifiableMap(history), node == start, webhookResponder, control);
            records.add(outcome.record());
            control.listener().nodeFinished(outcome.record());
            if (outcome.record().status().equals("error") || outcome.record().status().equals(CANCELED)) {
                error = outcome.record().error();
                errorNode = node.name();
                canceled = outcome.record().status().equals(CANCELED);
                break;
            }
            List<List<Item>> outputs = outcome.outputs();
            if (outcome.ran()) {
                lastNode = node.name();
                output = outputs.isEmpty() ? List.of() : outputs.get(0);
                history.put(node.name(), outputs);
            }
            for (Workflow.Connection c : workflow.outOf(node.name())) {
                List<List<Item>> target = inputs.computeIfAbsent(c.to(), k -> new ArrayList<>());
                while (target.size() <= c.input()) target.add(new ArrayList<>());
                if (c.output() < outputs.size()) target.get(c.input()).addAll(outputs.get(c.output()));
            }
            for (String next : workflow.outOf(node.name()).stream().map(Workflow.Connection::to).distinct().toList()) {
                if (waitingOn.merge(next, -1, Integer::sum) == 0) ready.add(workflow.node(next).orElseThrow());
            }
        }
        Execution.Status status = error == null ? Execution.Status.SUCCESS : canceled ? Execution.Status.CANCELED : Execution.Status.ERROR;
        return new Execution(workflow.name(), status, started, Instant.now(), List.copyOf(records), error, errorNode, lastNode, jsons(output));
    }

    /**
     * Runs node {@code name} alone, as the editor's "run this node" does: its inputs are what
     * {@code earlier} nodes' outputs carry along its incoming connections (node name → items per
     * output, from an earlier run or pinned data), and {@code $('Node')} reads those nodes. A node
     * that receives no item is skipped, as in a run; a trigger starts with one empty item.
     *
     * @return an execution of that one node, its first output as the output
     */
    public Execution runNode(Workflow workflow, String name, Map<String, List<List<JsonNode>>> earlier, RunControl control) {
        Instant started = Instant.now();
        Workflow.Node node = workflow.node(name).orElseThrow(() -> new IllegalArgumentException("the workflow has no node named \"" + name + "\""));
        Map<String, List<List<Item>>> history = new LinkedHashMap<>();
        earlier.forEach((from, outputs) -> {
            if (from.equals(name) || workflow.node(from).isEmpty()) return;
            history.put(from, outputs.stream().map(o -> o.stream().map(json -> new Item(json, from, List.of())).toList()).toList());
        });
        List<List<Item>> in = new ArrayList<>();
        for (Workflow.Connection c : workflow.into(name)) {
            List<List<Item>> from = history.get(c.from());
            while (in.size() <= c.input()) in.add(new ArrayList<>());
            if (from != null && c.output() < from.size()) in.get(c.input()).addAll(from.get(c.output()));
        }
        boolean trigger = BuiltinNodes.of(node.type()).trigger();
        if (trigger && in.isEmpty()) in.add(List.of(Item.start(Json.MAPPER.createObjectNode())));
        control.listener().nodeStarted(name, in.stream().map(List::size).toList());
        Outcome outcome = runNode(node, in, Collections.unmodifiableMap(history), trigger, r -> {}, control);
        control.listener().nodeFinished(outcome.record());
        String status = outcome.record().status();
        boolean failed = status.equals("error") || status.equals(CANCELED);
        return new Execution(workflow.name(), !failed ? Execution.Status.SUCCESS : status.equals(CANCELED) ? Execution.Status.CANCELED : Execution.Status.ERROR,
                started, Instant.now(), List.of(outcome.record()), outcome.record().error(), failed ? name : null, outcome.ran() ? name : null,
                outcome.outputs().isEmpty() ? List.of() : jsons(outcome.outputs().get(0)));
    }

    /** The status of a node, and of a run, cut short by a stop. */
    private static final String CANCELED = "canceled";

    private record Outcome(Execution.NodeRecord record, List<List<Item>> outputs, boolean ran) {}

    private Outcome runNode(Workflow.Node node, List<List<Item>> in, Map<String, List<List<Item>>> history, boolean isStart,
            java.util.function.Consumer<WebhookResponse> webhookResponder, RunControl control) {
        NodeType type = BuiltinNodes.of(node.type());
        List<Integer> itemsIn = in.stream().map(List::size).toList();
        boolean hasItems = type.runsWithAnyInput() ? in.stream().anyMatch(l -> !l.isEmpty()) : !in.isEmpty() && !in.get(0).isEmpty();
        if (!isStart && !hasItems) {
            return new Outcome(record(node, "skipped", "builtin", itemsIn, List.of(), Duration.ZERO, 0, null, List.of(), "", List.of()), List.of(), false);
        }
        if (node.disabled()) {
            // Passed through as n8n does, each item linked to the one it was.
            List<List<Item>> through = List.of((in.isEmpty() ? List.<Item>of() : in.get(0)).stream()
                    .map(i -> new Item(i.json(), node.name(), List.of(i))).toList());
            return new Outcome(record(node, "disabled", "builtin", itemsIn, sizes(through), Duration.ZERO, 0, null, List.of(), "", sample(through)), through, true);
        }
        List<JsonNode> pinned = control.pinned(node.name());
        if (pinned != null) {
            // n8n's pinned data: the node does not run; its pinned items go on, each linked to the input item at its place.
            List<Item> first = in.isEmpty() ? List.of() : in.get(0);
            List<Item> out = new ArrayList<>();
            for (int i = 0; i < pinned.size(); i++) {
                out.add(new Item(pinned.get(i), node.name(), i < first.size() ? List.of(first.get(i)) : List.of()));
            }
            List<List<Item>> outputs = List.of(out);
            control.listener().nodeStarted(node.name(), itemsIn);
            return new Outcome(record(node, "pinned", "pinned", itemsIn, sizes(outputs), Duration.ZERO, 0, null, List.of(), "", sample(outputs)), outputs, true);
        }
        control.listener().nodeStarted(node.name(), itemsIn);
        Instant started = Instant.now();
        Duration wait = node.retry().firstWait();
        for (int attempt = 1; ; attempt++) {
            NodeRun run = new NodeRun(node, in, services, history, webhookResponder, control);
            try {
                List<List<Item>> outputs = type.run(run);
                return new Outcome(record(node, "success", run.runtime(), itemsIn, sizes(outputs), Duration.between(started, Instant.now()),
                        attempt, null, run.errors(), run.logs(), sample(outputs)), outputs, true);
            } catch (RunControl.Stopped e) {
                return new Outcome(record(node, CANCELED, run.runtime(), itemsIn, List.of(), Duration.between(started, Instant.now()),
                        attempt, "stopped while it ran: " + e.getMessage(), run.errors(), run.logs(), List.of()), List.of(), true);
            } catch (NodeFailedException | RuntimeException e) {
                String message = e instanceof NodeFailedException ? e.getMessage() : "nLink failed running the node: " + e;
                if (attempt < node.retry().tries() && !control.stopRequested()) {
                    sleep(wait);
                    wait = wait.multipliedBy(2);
                    continue;
                }
                return new Outcome(record(node, "error", run.runtime(), itemsIn, List.of(), Duration.between(started, Instant.now()),
                        attempt, message, run.errors(), run.logs(), List.of()), List.of(), true);
            }
        }
    }

    private static Execution.NodeRecord record(Workflow.Node node, String status, String runtime, List<Integer> in, List<Integer> out,
            Duration time, int tries, String error, List<NodeRun.ItemError> itemErrors, String logs, List<List<JsonNode>> sample) {
        return new Execution.NodeRecord(node.name(), node.type(), status, runtime, in, out, time, tries, error, List.copyOf(itemErrors), logs, sample);
    }

    private static List<Integer> sizes(List<List<Item>> outputs) {
        return outputs.stream().map(List::size).toList();
    }

    private static List<List<JsonNode>> sample(List<List<Item>> outputs) {
        return outputs.stream().map(o -> jsons(o.subList(0, Math.min(o.size(), Execution.SAMPLE_ITEMS)))).toList();
    }

    private static List<JsonNode> jsons(List<Item> items) {
        return items.stream().map(Item::json).toList();
    }

    private static Workflow.Node startNode(Workflow workflow, String trigger) {
        if (trigger != null) {
            Workflow.Node node = workflow.node(trigger).orElseThrow(() -> new IllegalArgumentException("the workflow has no node named \"" + trigger + "\""));
            if (!BuiltinNodes.of(node.type()).trigger()) throw new IllegalArgumentException("\"" + trigger + "\" is not a trigger node");
            return node;
        }
        Optional<Workflow.Node> manual = workflow.nodes().stream().filter(n -> n.type().equals("n8n-nodes-base.manualTrigger")).findFirst();
        return manual.or(() -> workflow.nodes().stream().filter(n -> BuiltinNodes.of(n.type()).trigger()).findFirst())
                .orElseThrow(() -> new IllegalArgumentException(
                        "the workflow has no trigger node; add a Manual Trigger (n8n-nodes-base.manualTrigger) where it should start"));
    }

    private static Set<String> reachable(Workflow workflow, String start) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(start));
        while (!todo.isEmpty()) {
            String n = todo.poll();
            if (seen.add(n)) workflow.outOf(n).forEach(c -> todo.add(c.to()));
        }
        return seen;
    }

    /** n8n's settings.executionTimeout, in seconds; absent or not positive means none. */
    private static Duration executionTimeout(Workflow workflow) {
        double seconds = workflow.settings().path("executionTimeout").asDouble(-1);
        return seconds > 0 ? Duration.ofMillis((long) (seconds * 1000)) : null;
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
