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
import java.util.LinkedHashSet;
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
        this(new NodeRun.Services(
                js,
                limits,
                resolver,
                EgressPolicy.DEFAULTS,
                CredentialResolver.NONE,
                SubWorkflows.NONE,
                DEFAULT_MAX_WAIT));
    }

    private WorkflowEngine(NodeRun.Services services) {
        this.services = services;
    }

    /** This engine with HTTP requests bounded by {@code egress}: where they may go, how long and how large. */
    public WorkflowEngine withEgress(EgressPolicy egress) {
        return new WorkflowEngine(new NodeRun.Services(
                services.js(),
                services.limits(),
                services.resolver(),
                egress,
                services.credentials(),
                services.subWorkflows(),
                services.maxWait()));
    }

    /** This engine with its runs' credentials from {@code credentials} (a server makes one per workflow owner). */
    public WorkflowEngine withCredentials(CredentialResolver credentials) {
        return new WorkflowEngine(new NodeRun.Services(
                services.js(),
                services.limits(),
                services.resolver(),
                services.egress(),
                credentials,
                services.subWorkflows(),
                services.maxWait()));
    }

    /** This engine with Execute Workflow finding workflows by id in {@code subWorkflows} (a server makes one per workflow owner). */
    public WorkflowEngine withSubWorkflows(SubWorkflows subWorkflows) {
        return new WorkflowEngine(new NodeRun.Services(
                services.js(),
                services.limits(),
                services.resolver(),
                services.egress(),
                services.credentials(),
                subWorkflows,
                services.maxWait()));
    }

    /** This engine with Wait nodes pausing a run for at most {@code maxWait}; a longer wait fails its node. */
    public WorkflowEngine withMaxWait(Duration maxWait) {
        return new WorkflowEngine(new NodeRun.Services(
                services.js(),
                services.limits(),
                services.resolver(),
                services.egress(),
                services.credentials(),
                services.subWorkflows(),
                maxWait));
    }

    /**
     * The longest a Wait node pauses a run unless {@link #withMaxWait} says otherwise: a waiting run
     * lives only in the memory of the process running it (a restart loses it), so waits are short.
     */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMinutes(5);

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
    public Execution run(
            Workflow workflow,
            String trigger,
            List<JsonNode> items,
            java.util.function.Consumer<WebhookResponse> webhookResponder) {
        return run(workflow, trigger, items, webhookResponder, RunControl.none());
    }

    /**
     * As {@link #run(Workflow, String, List, java.util.function.Consumer)}, told to {@code control}:
     * its listener hears each node start and finish, its pins replace nodes' runs, and a stop it
     * is asked for ends the run as {@link Execution.Status#CANCELED} at the next check. A Wait node
     * parks the calling thread until its time (cheap on a virtual thread); {@link #runAsync} holds
     * no thread while it waits.
     */
    public Execution run(
            Workflow workflow,
            String trigger,
            List<JsonNode> items,
            java.util.function.Consumer<WebhookResponse> webhookResponder,
            RunControl control) {
        Run run = new Run(workflow, startNode(workflow, trigger), items, webhookResponder, control, 0);
        for (Instant resumeAt = run.drive(); resumeAt != null; resumeAt = run.drive()) {
            while (!control.stopRequested() && Instant.now().isBefore(resumeAt)) {
                sleep(Duration.ofMillis(Math.min(
                        WAIT_CHECK.toMillis(),
                        Math.max(1, Duration.between(Instant.now(), resumeAt).toMillis()))));
            }
        }
        return run.execution();
    }

    /**
     * As {@link #run(Workflow, String, List, java.util.function.Consumer, RunControl)}, without
     * holding a thread while a Wait node waits: the run goes on, on a virtual thread, when the
     * wait is over (or at once when it is stopped), and the future completes with its execution.
     * Bad arguments (no such trigger) fail the future.
     */
    public java.util.concurrent.CompletableFuture<Execution> runAsync(
            Workflow workflow,
            String trigger,
            List<JsonNode> items,
            java.util.function.Consumer<WebhookResponse> webhookResponder,
            RunControl control) {
        java.util.concurrent.CompletableFuture<Execution> done = new java.util.concurrent.CompletableFuture<>();
        try {
            Run run = new Run(workflow, startNode(workflow, trigger), items, webhookResponder, control, 0);
            RUN_THREADS.execute(() -> continueAsync(run, control, done));
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private static final java.util.concurrent.Executor RUN_THREADS =
            java.util.concurrent.Executors.newThreadPerTaskExecutor(
                    Thread.ofVirtual().name("nlink-run-", 0).factory());

    /** How often a waiting run looks whether it was asked to stop. */
    private static final Duration WAIT_CHECK = Duration.ofMillis(200);

    private static void continueAsync(
            Run run, RunControl control, java.util.concurrent.CompletableFuture<Execution> done) {
        try {
            Instant resumeAt = run.resumeAt();
            if (resumeAt == null || control.stopRequested() || !Instant.now().isBefore(resumeAt))
                resumeAt = run.drive();
            if (resumeAt == null) {
                done.complete(run.execution());
                return;
            }
            long delay = Math.max(
                    1,
                    Math.min(
                            WAIT_CHECK.toMillis(),
                            Duration.between(Instant.now(), resumeAt).toMillis()));
            // Nothing holds a thread meanwhile: the JDK's delayer hands the run back to a new virtual thread.
            java.util.concurrent.CompletableFuture.delayedExecutor(
                            delay, java.util.concurrent.TimeUnit.MILLISECONDS, RUN_THREADS)
                    .execute(() -> continueAsync(run, control, done));
        } catch (Throwable e) {
            done.completeExceptionally(e);
        }
    }

    /** Most node runs in one execution (loops run nodes again): a loop that never ends fails instead of growing without end. */
    public static final int MAX_NODE_RUNS = 20_000;
    /** How deep Execute Workflow may nest: a workflow calling itself fails at this depth instead of running forever. */
    public static final int MAX_SUB_WORKFLOW_DEPTH = 8;

    /**
     * One run of one workflow, from its trigger to its end, in steps: {@link #drive} runs nodes
     * until the run ends or a Wait node asks it to pause, so a waiting run is only this object.
     *
     * <p>Nodes run in dependency order: a node runs once every node feeding it has run, ties
     * broken by editor position. Loop Over Items (Split in Batches) may be fed back by its own
     * loop body: such a back edge does not count as a dependency; the loop node runs again with
     * what came back once nothing in its body is left to run, and each of its runs lets its body
     * run again.
     */
    private final class Run {
        final Workflow workflow;
        final Workflow.Node start;
        final java.util.function.Consumer<WebhookResponse> webhookResponder;
        final RunControl control;
        final int depth;
        final Instant started = Instant.now();
        final Duration budget;
        final java.time.ZoneId zone;
        final Map<String, List<List<Item>>> inputs = new HashMap<>();
        final Map<String, List<List<Item>>> history = new LinkedHashMap<>();
        final List<Execution.NodeRecord> records = new ArrayList<>();
        final Map<String, Integer> waitingOn = new HashMap<>();
        final Set<String> reachable;
        final Set<Workflow.Connection> backEdges;
        /** Each loop node's body: what its outputs reach without passing a back edge. */
        final Map<String, Set<String>> bodies = new LinkedHashMap<>();

        final Set<String> visited = new HashSet<>();
        /** How many times each node ran so far: {@code $runIndex}, {@code $prevNode.runIndex}. */
        final Map<String, Integer> runCounts = new HashMap<>();

        final Map<String, NodeRun.NodeState> states = new HashMap<>();
        final PriorityQueue<Workflow.Node> ready;
        int nodeRuns;
        String error, errorNode, lastNode;
        boolean canceled, finished;
        Instant resumeAt;
        List<Item> output = List.of();
        Execution execution;

        Run(
                Workflow workflow,
                Workflow.Node start,
                List<JsonNode> items,
                java.util.function.Consumer<WebhookResponse> webhookResponder,
                RunControl control,
                int depth) {
            this.workflow = workflow;
            this.start = start;
            this.webhookResponder = webhookResponder;
            this.control = control;
            this.depth = depth;
            this.budget = executionTimeout(workflow);
            this.zone = timezone(workflow);
            List<Item> triggerItems = (items == null ? List.<JsonNode>of(Json.MAPPER.createObjectNode()) : items)
                    .stream().map(Item::start).toList();
            reachable = reachable(workflow, start.name());
            backEdges = backEdges(workflow);
            for (String name : reachable) waitingOn.put(name, forwardPredecessors(name, p -> true));
            for (String name : reachable) {
                if (BuiltinNodes.isLoop(workflow.node(name).orElseThrow().type())) bodies.put(name, forwardReach(name));
            }
            Map<String, Integer> fileOrder = new HashMap<>();
            for (int i = 0; i < workflow.nodes().size(); i++)
                fileOrder.put(workflow.nodes().get(i).name(), i);
            ready = new PriorityQueue<>(Comparator.comparingDouble((Workflow.Node n) -> n.position()[0])
                    .thenComparingDouble(n -> n.position()[1])
                    .thenComparing(n -> fileOrder.get(n.name())));
            ready.add(start);
            inputs.put(start.name(), List.of(triggerItems));
        }

        Instant resumeAt() {
            return resumeAt;
        }

        /** Runs nodes until the run ends (null) or a Wait node pauses it (the time to go on). */
        Instant drive() {
            resumeAt = null;
            while (!finished) {
                if (!bodies.isEmpty()) readyLoops();
                if (ready.isEmpty()) break;
                Workflow.Node node = ready.poll();
                if (control.stopRequested()) {
                    error = "stopped before node \"" + node.name() + "\": " + control.stopReason();
                    canceled = true;
                    break;
                }
                if (budget != null && Duration.between(started, Instant.now()).compareTo(budget) > 0) {
                    error = "the execution ran past its timeout of " + budget.toSeconds()
                            + " s (settings.executionTimeout) before node \"" + node.name() + "\"";
                    errorNode = node.name();
                    break;
                }
                if (++nodeRuns > MAX_NODE_RUNS) {
                    error = "the execution ran " + MAX_NODE_RUNS + " nodes and stopped before node \"" + node.name()
                            + "\": a loop that does not end? Give Loop Over Items a larger batch size, or split the input";
                    errorNode = node.name();
                    break;
                }
                boolean firstVisit = visited.add(node.name());
                List<List<Item>> in = inputs.remove(node.name());
                Outcome outcome = runNode(
                        node,
                        in == null ? List.of() : in,
                        Collections.unmodifiableMap(history),
                        node == start,
                        webhookResponder,
                        control,
                        states.computeIfAbsent(node.name(), k -> new NodeRun.NodeState()),
                        states,
                        this::runSubWorkflow,
                        zone,
                        facts(workflow, control.facts(), node, in == null ? List.of() : in, runCounts));
                // In a loop, a node its iteration did not reach is not recorded again as skipped.
                if (firstVisit || outcome.ran()) {
                    records.add(outcome.record());
                    control.listener().nodeFinished(outcome.record());
                }
                if (outcome.record().status().equals("error")
                        || outcome.record().status().equals(CANCELED)) {
                    error = outcome.record().error();
                    errorNode = node.name();
                    canceled = outcome.record().status().equals(CANCELED);
                    break;
                }
                List<List<Item>> outputs = outcome.outputs();
                if (outcome.ran()) {
                    runCounts.merge(node.name(), 1, Integer::sum);
                    lastNode = node.name();
                    output = outputs.isEmpty() ? List.of() : outputs.get(0);
                    history.put(node.name(), outputs);
                }
                if (bodies.containsKey(node.name())) letBodyRunAgain(node.name());
                for (Workflow.Connection c : workflow.outOf(node.name())) {
                    List<List<Item>> target = inputs.computeIfAbsent(c.to(), k -> new ArrayList<>());
                    while (target.size() <= c.input()) target.add(new ArrayList<>());
                    if (c.output() < outputs.size()) target.get(c.input()).addAll(outputs.get(c.output()));
                }
                for (String next : workflow.outOf(node.name()).stream()
                        .filter(c -> !backEdges.contains(c))
                        .map(Workflow.Connection::to)
                        .distinct()
                        .toList()) {
                    if (waitingOn.merge(next, -1, Integer::sum) == 0)
                        ready.add(workflow.node(next).orElseThrow());
                }
                if (outcome.resumeAt() != null && Instant.now().isBefore(outcome.resumeAt())) {
                    resumeAt = outcome.resumeAt();
                    return resumeAt;
                }
            }
            finished = true;
            Execution.Status status = error == null
                    ? Execution.Status.SUCCESS
                    : canceled ? Execution.Status.CANCELED : Execution.Status.ERROR;
            execution = new Execution(
                    workflow.name(),
                    status,
                    started,
                    Instant.now(),
                    List.copyOf(records),
                    error,
                    errorNode,
                    lastNode,
                    jsons(output));
            return null;
        }

        Execution execution() {
            if (execution == null) throw new IllegalStateException("the run has not ended");
            return execution;
        }

        /**
         * Queues the loop nodes that got items back from their bodies and whose bodies have nothing
         * left to run (inner loops first: an outer loop waits for them).
         */
        private void readyLoops() {
            for (var loop : bodies.entrySet()) {
                if (!pending(loop.getKey())) continue;
                boolean bodyBusy = false;
                for (String n : loop.getValue()) {
                    if (ready.stream().anyMatch(r -> r.name().equals(n)) || (bodies.containsKey(n) && pending(n))) {
                        bodyBusy = true;
                        break;
                    }
                }
                if (!bodyBusy) ready.add(workflow.node(loop.getKey()).orElseThrow());
            }
        }

        /** Whether loop node {@code name} has items waiting and can take them: all its forward inputs are in, and it is not queued. */
        private boolean pending(String name) {
            List<List<Item>> in = inputs.get(name);
            return in != null
                    && in.stream().anyMatch(l -> !l.isEmpty())
                    && waitingOn.getOrDefault(name, 0) <= 0
                    && ready.stream().noneMatch(r -> r.name().equals(name));
        }

        /** Loop node {@code loop} ran again: its body's nodes wait for their inputs anew, as in its first run. */
        private void letBodyRunAgain(String loop) {
            Set<String> body = bodies.get(loop);
            for (String n : body) {
                if (n.equals(loop)) continue;
                waitingOn.put(
                        n, forwardPredecessors(n, p -> p.equals(loop) || body.contains(p) || !visited.contains(p)));
                inputs.remove(n);
            }
        }

        private int forwardPredecessors(String name, java.util.function.Predicate<String> counts) {
            return (int) workflow.into(name).stream()
                    .filter(c -> reachable.contains(c.from()) && !backEdges.contains(c) && counts.test(c.from()))
                    .map(Workflow.Connection::from)
                    .distinct()
                    .count();
        }

        private Set<String> forwardReach(String from) {
            Set<String> seen = new LinkedHashSet<>();
            ArrayDeque<String> todo = new ArrayDeque<>();
            workflow.outOf(from).stream().filter(c -> !backEdges.contains(c)).forEach(c -> todo.add(c.to()));
            while (!todo.isEmpty()) {
                String n = todo.poll();
                if (n.equals(from) || !seen.add(n)) continue;
                workflow.outOf(n).stream().filter(c -> !backEdges.contains(c)).forEach(c -> todo.add(c.to()));
            }
            return seen;
        }

        /** Runs {@code sub} from its Execute Workflow Trigger with {@code items}, as this run's child: same services, same stop. */
        private Execution runSubWorkflow(Workflow sub, List<JsonNode> items) throws NodeFailedException {
            if (depth + 1 > MAX_SUB_WORKFLOW_DEPTH) {
                throw new NodeFailedException("sub-workflows nest more than " + MAX_SUB_WORKFLOW_DEPTH
                        + " deep (does a workflow call itself?); nLink stops here");
            }
            Workflow.Node subStart = sub.nodes().stream()
                    .filter(n -> n.type().equals(BuiltinNodes.EXECUTE_WORKFLOW_TRIGGER) && !n.disabled())
                    .findFirst()
                    .orElseThrow(
                            () -> new NodeFailedException(
                                    "the workflow \"" + sub.name() + "\" has no Execute Workflow Trigger"
                                            + " (n8n-nodes-base.executeWorkflowTrigger); add one where it should start when called"));
            RunControl childControl = control.child();
            Run child = new Run(sub, subStart, items, r -> {}, childControl, depth + 1);
            for (Instant at = child.drive(); at != null; at = child.drive()) {
                while (!childControl.stopRequested() && Instant.now().isBefore(at)) {
                    sleep(Duration.ofMillis(Math.min(
                            WAIT_CHECK.toMillis(),
                            Math.max(1, Duration.between(Instant.now(), at).toMillis()))));
                }
            }
            return child.execution();
        }
    }

    /**
     * What code in {@code node}'s run reads of the run ({@link io.nlink.workflow.expr.References}): {@code $workflow},
     * {@code $execution}, {@code $runIndex}, {@code $prevNode} (the node that fed its first
     * input this time) and {@code $nodeVersion}, as n8n gives them.
     */
    static com.fasterxml.jackson.databind.node.ObjectNode facts(
            Workflow workflow,
            RunFacts given,
            Workflow.Node node,
            List<List<Item>> in,
            Map<String, Integer> runCounts) {
        var facts = Json.MAPPER.createObjectNode();
        facts.putObject("workflow")
                .put("id", given.workflowId())
                .put("name", workflow.name())
                .put("active", given.workflowActive());
        facts.putObject("execution")
                .put("id", given.executionId())
                .put("mode", given.mode())
                .put("resumeUrl", given.resumeUrl());
        facts.put("runIndex", runCounts.getOrDefault(node.name(), 0));
        facts.put("nodeVersion", node.typeVersion());
        Item fed = in.isEmpty() || in.get(0).isEmpty() ? null : in.get(0).get(0);
        if (fed != null && fed.node() != null) {
            int output = workflow.into(node.name()).stream()
                    .filter(c -> c.from().equals(fed.node()) && c.input() == 0)
                    .mapToInt(Workflow.Connection::output)
                    .findFirst()
                    .orElse(0);
            facts.putObject("prevNode")
                    .put("name", fed.node())
                    .put("outputIndex", output)
                    .put("runIndex", Math.max(0, runCounts.getOrDefault(fed.node(), 1) - 1));
        }
        return facts;
    }

    /**
     * Runs node {@code name} alone, as the editor's "run this node" does: its inputs are what
     * {@code earlier} nodes' outputs carry along its incoming connections (node name → items per
     * output, from an earlier run or pinned data), and {@code $('Node')} reads those nodes. A node
     * that receives no item is skipped, as in a run; a trigger starts with one empty item.
     *
     * @return an execution of that one node, its first output as the output
     */
    public Execution runNode(
            Workflow workflow, String name, Map<String, List<List<JsonNode>>> earlier, RunControl control) {
        Instant started = Instant.now();
        Workflow.Node node = workflow.node(name)
                .orElseThrow(() -> new IllegalArgumentException("the workflow has no node named \"" + name + "\""));
        Map<String, List<List<Item>>> history = new LinkedHashMap<>();
        earlier.forEach((from, outputs) -> {
            if (from.equals(name) || workflow.node(from).isEmpty()) return;
            history.put(
                    from,
                    outputs.stream()
                            .map(o -> o.stream()
                                    .map(json -> new Item(json, from, List.of()))
                                    .toList())
                            .toList());
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
        Outcome outcome = runNode(
                node,
                in,
                Collections.unmodifiableMap(history),
                trigger,
                r -> {},
                control,
                new NodeRun.NodeState(),
                Map.of(),
                (sub, items) -> {
                    throw new NodeFailedException(
                            "a sub-workflow runs only in a run of the whole workflow; run the workflow");
                },
                timezone(workflow),
                facts(workflow, control.facts(), node, in, Map.of()));
        control.listener().nodeFinished(outcome.record());
        String status = outcome.record().status();
        boolean failed = status.equals("error") || status.equals(CANCELED);
        return new Execution(
                workflow.name(),
                !failed
                        ? Execution.Status.SUCCESS
                        : status.equals(CANCELED) ? Execution.Status.CANCELED : Execution.Status.ERROR,
                started,
                Instant.now(),
                List.of(outcome.record()),
                outcome.record().error(),
                failed ? name : null,
                outcome.ran() ? name : null,
                outcome.outputs().isEmpty()
                        ? List.of()
                        : jsons(outcome.outputs().get(0)));
    }

    /** The status of a node, and of a run, cut short by a stop. */
    private static final String CANCELED = "canceled";

    /** @param resumeAt when a Wait node said the run goes on, or null */
    private record Outcome(Execution.NodeRecord record, List<List<Item>> outputs, boolean ran, Instant resumeAt) {
        Outcome(Execution.NodeRecord record, List<List<Item>> outputs, boolean ran) {
            this(record, outputs, ran, null);
        }
    }

    private Outcome runNode(
            Workflow.Node node,
            List<List<Item>> in,
            Map<String, List<List<Item>>> history,
            boolean isStart,
            java.util.function.Consumer<WebhookResponse> webhookResponder,
            RunControl control,
            NodeRun.NodeState state,
            Map<String, NodeRun.NodeState> states,
            NodeRun.SubRunner subRunner,
            java.time.ZoneId zone,
            com.fasterxml.jackson.databind.node.ObjectNode facts) {
        NodeType type = BuiltinNodes.of(node.type());
        if (node.executeOnce())
            in = in.stream().map(l -> l.size() > 1 ? l.subList(0, 1) : l).toList();
        List<Integer> itemsIn = in.stream().map(List::size).toList();
        boolean hasItems = type.runsWithAnyInput()
                ? in.stream().anyMatch(l -> !l.isEmpty())
                : !in.isEmpty() && !in.get(0).isEmpty();
        if (!isStart && !hasItems) {
            return new Outcome(
                    record(
                            node,
                            "skipped",
                            "builtin",
                            itemsIn,
                            List.of(),
                            Duration.ZERO,
                            0,
                            null,
                            List.of(),
                            "",
                            List.of()),
                    List.of(),
                    false);
        }
        if (node.disabled()) {
            // Passed through as n8n does, each item linked to the one it was.
            List<List<Item>> through = List.of((in.isEmpty() ? List.<Item>of() : in.get(0))
                    .stream()
                            .map(i -> new Item(i.json(), node.name(), List.of(i)))
                            .toList());
            return new Outcome(
                    record(
                            node,
                            "disabled",
                            "builtin",
                            itemsIn,
                            sizes(through),
                            Duration.ZERO,
                            0,
                            null,
                            List.of(),
                            "",
                            sample(through)),
                    through,
                    true);
        }
        List<JsonNode> pinned = control.pinned(node.name());
        if (pinned != null) {
            // n8n's pinned data: the node does not run; its pinned items go on, each linked to the input item at its
            // place.
            List<Item> first = in.isEmpty() ? List.of() : in.get(0);
            List<Item> out = new ArrayList<>();
            for (int i = 0; i < pinned.size(); i++) {
                out.add(new Item(pinned.get(i), node.name(), i < first.size() ? List.of(first.get(i)) : List.of()));
            }
            List<List<Item>> outputs = List.of(out);
            control.listener().nodeStarted(node.name(), itemsIn);
            return new Outcome(
                    record(
                            node,
                            "pinned",
                            "pinned",
                            itemsIn,
                            sizes(outputs),
                            Duration.ZERO,
                            0,
                            null,
                            List.of(),
                            "",
                            sample(outputs)),
                    outputs,
                    true);
        }
        control.listener().nodeStarted(node.name(), itemsIn);
        Instant started = Instant.now();
        Duration wait = node.retry().firstWait();
        for (int attempt = 1; ; attempt++) {
            NodeRun run = new NodeRun(node, in, services, history, webhookResponder, control)
                    .withState(state, states, subRunner)
                    .withTimezone(zone)
                    .withFacts(facts);
            try {
                List<List<Item>> outputs = type.run(run);
                if (node.alwaysOutputData() && outputs.stream().allMatch(List::isEmpty)) {
                    // n8n's alwaysOutputData: one empty item, linked to every item the node received.
                    List<List<Item>> withEmpty = new ArrayList<>(outputs.isEmpty() ? List.of(List.of()) : outputs);
                    withEmpty.set(
                            0,
                            List.of(new Item(
                                    Json.MAPPER.createObjectNode(),
                                    node.name(),
                                    in.stream().flatMap(List::stream).toList())));
                    outputs = withEmpty;
                }
                return succeeded(node, run, itemsIn, outputs, started, attempt, run.errors(), run.resumeAt());
            } catch (RunControl.Stopped e) {
                return new Outcome(
                        record(
                                node,
                                CANCELED,
                                run.runtime(),
                                itemsIn,
                                List.of(),
                                Duration.between(started, Instant.now()),
                                attempt,
                                "stopped while it ran: " + e.getMessage(),
                                run.errors(),
                                run.logs(),
                                List.of()),
                        List.of(),
                        true);
            } catch (NodeFailedException | RuntimeException e) {
                String message =
                        e instanceof NodeFailedException ? e.getMessage() : "nLink failed running the node: " + e;
                if (attempt < node.retry().tries() && !control.stopRequested()) {
                    sleep(wait);
                    wait = wait.multipliedBy(2);
                    continue;
                }
                if (node.onError() == Workflow.OnError.CONTINUE_REGULAR_OUTPUT) {
                    // As n8n's continueOnFail: a node whose whole run failed passes its first input on.
                    // (With continueErrorOutput such a failure still stops the run: which output is the
                    // error output is known only to the node's own run.)
                    List<List<Item>> outputs = List.of((in.isEmpty() ? List.<Item>of() : in.get(0))
                            .stream()
                                    .map(i -> new Item(i.json(), node.name(), List.of(i)))
                                    .toList());
                    List<NodeRun.ItemError> errors = new ArrayList<>(run.errors());
                    if (errors.isEmpty()) errors.add(new NodeRun.ItemError(0, message, null));
                    return succeeded(node, run, itemsIn, outputs, started, attempt, errors, null);
                }
                return new Outcome(
                        record(
                                node,
                                "error",
                                run.runtime(),
                                itemsIn,
                                List.of(),
                                Duration.between(started, Instant.now()),
                                attempt,
                                message,
                                run.errors(),
                                run.logs(),
                                List.of()),
                        List.of(),
                        true);
            }
        }
    }

    /** A node run that ended with {@code outputs} (its failed items, if any, in {@code errors}). */
    private static Outcome succeeded(
            Workflow.Node node,
            NodeRun run,
            List<Integer> itemsIn,
            List<List<Item>> outputs,
            Instant started,
            int attempt,
            List<NodeRun.ItemError> errors,
            Instant resumeAt) {
        return new Outcome(
                record(
                        node,
                        "success",
                        run.runtime(),
                        itemsIn,
                        sizes(outputs),
                        Duration.between(started, Instant.now()),
                        attempt,
                        null,
                        errors,
                        run.logs(),
                        sample(outputs)),
                outputs,
                true,
                resumeAt);
    }

    private static Execution.NodeRecord record(
            Workflow.Node node,
            String status,
            String runtime,
            List<Integer> in,
            List<Integer> out,
            Duration time,
            int tries,
            String error,
            List<NodeRun.ItemError> itemErrors,
            String logs,
            List<List<JsonNode>> sample) {
        return new Execution.NodeRecord(
                node.name(),
                node.type(),
                status,
                runtime,
                in,
                out,
                time,
                tries,
                error,
                List.copyOf(itemErrors),
                logs,
                sample);
    }

    private static List<Integer> sizes(List<List<Item>> outputs) {
        return outputs.stream().map(List::size).toList();
    }

    private static List<List<JsonNode>> sample(List<List<Item>> outputs) {
        return outputs.stream()
                .map(o -> jsons(o.subList(0, Math.min(o.size(), Execution.SAMPLE_ITEMS))))
                .toList();
    }

    private static List<JsonNode> jsons(List<Item> items) {
        return items.stream().map(Item::json).toList();
    }

    private static Workflow.Node startNode(Workflow workflow, String trigger) {
        if (trigger != null) {
            Workflow.Node node = workflow.node(trigger)
                    .orElseThrow(
                            () -> new IllegalArgumentException("the workflow has no node named \"" + trigger + "\""));
            if (!BuiltinNodes.of(node.type()).trigger())
                throw new IllegalArgumentException("\"" + trigger + "\" is not a trigger node");
            return node;
        }
        Optional<Workflow.Node> manual = workflow.nodes().stream()
                .filter(n -> n.type().equals("n8n-nodes-base.manualTrigger"))
                .findFirst();
        return manual.or(() -> workflow.nodes().stream()
                        .filter(n -> BuiltinNodes.of(n.type()).trigger())
                        .findFirst())
                .orElseThrow(
                        () -> new IllegalArgumentException(
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

    /**
     * The connections that feed a loop node (Loop Over Items) from its own loop body: edges into
     * it from a node it reaches. The workflow parser refuses every other cycle.
     */
    static Set<Workflow.Connection> backEdges(Workflow workflow) {
        Set<Workflow.Connection> back = new HashSet<>();
        for (Workflow.Node node : workflow.nodes()) {
            if (!BuiltinNodes.isLoop(node.type())) continue;
            Set<String> reached = reachable(workflow, node.name());
            for (Workflow.Connection c : workflow.into(node.name())) if (reached.contains(c.from())) back.add(c);
        }
        return back;
    }

    /** n8n's settings.timezone; the server's own when absent, "DEFAULT" or not a time zone. */
    private static java.time.ZoneId timezone(Workflow workflow) {
        String id = workflow.settings().path("timezone").asText("");
        try {
            return id.isBlank() || id.equals("DEFAULT") ? java.time.ZoneId.systemDefault() : java.time.ZoneId.of(id);
        } catch (java.time.DateTimeException e) {
            return java.time.ZoneId.systemDefault();
        }
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
