package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.cluster.ClusterService;
import io.nlink.cluster.NlinkCluster;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.Policy;
import io.nlink.server.auth.Principal;
import io.nlink.server.credentials.CredentialStore;
import io.nlink.server.db.Database;
import io.nlink.server.http.ApiException;
import io.nlink.workflow.Execution;
import io.nlink.workflow.PinData;
import io.nlink.workflow.RunControl;
import io.nlink.workflow.WebhookResponse;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.WorkflowEngine;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Stored workflows and their executions. Every run — by hand, through the API, a webhook or the
 * schedule — goes through {@link #dispatch}: the cluster hands it to the member with a free
 * execution slot (this server when it is alone), where {@link #run} runs it and records the
 * execution; old ones are pruned by the configured policy (age and count) about once a second.
 *
 * <p>An execution is recorded when it starts, as {@code running} with its input, and completed
 * when it ends, on a server alone by the {@link ExecutionRecorder} after the caller has its
 * answer; a webhook call answered before its run is recorded as {@code queued} before it is
 * answered ({@link #accept}). What a dead server or member left unfinished is taken up by the
 * survivors when the member leaves the cluster ({@link #memberLeft}) and by the server itself when
 * it starts again ({@link #recoverInterrupted}): an acknowledged call runs again, any other run
 * is marked {@code crashed} with its input kept.
 */
public final class WorkflowService {
    /** How a run was started, as the executions list shows it. */
    public enum Mode {
        MANUAL,
        WEBHOOK,
        SCHEDULE,
        /** A failed execution run again with its input ({@link #retry}). */
        RETRY,
        /** An error workflow started by another's failed run ({@link CalledWorkflows#failed}). */
        ERROR;

        String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A stored workflow.
     *
     * @param ownerId the account it belongs to ({@link Policy}); null only for one stored before
     *                ownership existed on a server that had no owner yet
     * @param owner   that account's name
     */
    public record Stored(
            long id,
            String name,
            boolean active,
            Instant createdAt,
            Instant updatedAt,
            String createdBy,
            Long ownerId,
            String owner,
            Workflow workflow,
            JsonNode definition) {}

    /** What the executions list shows of one run. */
    public record Summary(
            long id,
            long workflowId,
            String workflowName,
            String mode,
            String status,
            Instant startedAt,
            Instant finishedAt,
            String error,
            String errorNode) {}

    private final Database db;
    private final WorkflowEngine engine;
    /** The workflows table, its checks and the webhook routes active workflows hold. */
    private final WorkflowStore store;
    /** The executions table: records from start to end, the lists, pruning. */
    private final ExecutionLog log;

    private final CredentialStore credentials;
    /** Where runs go: set once the cluster member is up ({@link #runOn}). */
    private volatile NlinkCluster cluster;

    /** When this server started: a running execution recorded earlier under its address is from a previous life. */
    private final Instant lifeStarted = Instant.now();

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkflowService.class);

    /** The cluster service under which servers run each other's executions. */
    public static final String EXECUTIONS = "executions";

    /** @param credentials where runs find their nodes' credentials: each run its workflow owner's */
    public WorkflowService(
            Database db, WorkflowEngine engine, CredentialStore credentials, Duration keepFor, int keepAtMost) {
        this.db = db;
        this.engine = engine;
        this.credentials = credentials;
        this.store = new WorkflowStore(db, credentials);
        this.log = new ExecutionLog(db, keepFor, keepAtMost);
        this.called = new CalledWorkflows(db, this);
    }

    /** The workflows runs may start: Execute Workflow's and error workflows. */
    private final CalledWorkflows called;

    /** Told of each run this server ran, when it has ended (metrics). */
    @FunctionalInterface
    public interface RunListener {
        void ended(Stored stored, Mode mode, Execution execution);
    }

    private volatile RunListener runListener = (stored, mode, execution) -> {};

    /** Tells {@code listener} of every run that ends on this server from now on, on the thread that ran it. */
    public void onRunEnded(RunListener listener) {
        this.runListener = listener;
    }

    /**
     * How long a shutting-down server lets its runs under way finish before it stops them (then as
     * long again for the stopped ones to be recorded, canceled "the server is shutting down"). A
     * waiting run (a Wait node) counts as under way: it lives in this process only.
     */
    public static final java.time.Duration SHUTDOWN_GRACE = java.time.Duration.ofSeconds(10);

    /**
     * Ends the runs under way ({@link #SHUTDOWN_GRACE}); called once nothing starts new ones (the
     * HTTP server and the triggers are stopped), before the cluster and the runtime close.
     */
    public void endRunsUnderWay() {
        try {
            int stopped = live.drain(SHUTDOWN_GRACE, "the server is shutting down");
            if (stopped > 0)
                LOG.info("stopped {} run(s) still under way after {} s", stopped, SHUTDOWN_GRACE.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes every execution record still queued; before the database closes. */
    public void close() {
        log.close();
    }

    /** The executions under way on this server: their progress so far, and their stop. */
    private final LiveExecutions live = new LiveExecutions();

    public LiveExecutions live() {
        return live;
    }

    /** The engine, for the editor's runs of one node. */
    public WorkflowEngine engine() {
        return engine;
    }

    /** Expressions evaluated as this server's runs evaluate them (the editor's preview). */
    public io.nlink.workflow.expr.Expressions expressions() {
        return engine.expressions();
    }

    /** Told after a workflow's activation or definition changes (the server tells every member). */
    public void onChange(Runnable listener) {
        store.onChange(listener);
    }

    /** Checks a definition; the API answers 422 with every problem. */
    public static Workflow parse(JsonNode definition) {
        return WorkflowChecks.parse(definition);
    }

    /** What {@link #check} found: each reason a save would be refused, and the workflow when it parses. */
    public record Check(List<String> problems, Workflow workflow) {}

    /**
     * Every reason {@link #create} and {@link #update} would refuse {@code definition} for a
     * workflow owned by {@code ownerId}, worded as they word it, without storing anything: the
     * editor checks the workflow being edited with it as it is typed.
     */
    public Check check(JsonNode definition, Long ownerId) throws SQLException {
        return store.checks().check(definition, ownerId);
    }

    /** Stores a new workflow, inactive, as {@code owner}'s: whoever creates or imports it owns it. */
    public Stored create(JsonNode definition, Principal owner) throws SQLException {
        return store.create(definition, owner);
    }

    /**
     * Replaces a workflow's definition. An active workflow keeps listening, so its new webhooks
     * are checked and claimed as on activation, in the same transaction.
     */
    public Stored update(Principal editor, Policy.Scope scope, long id, JsonNode definition) throws SQLException {
        return store.update(editor, scope, id, definition);
    }

    /**
     * Refuses (422, each node and credential named) a workflow whose nodes use credentials
     * {@code ownerId}, its owner or the account it is to pass to, may not use.
     */
    public void requireCredentials(Workflow workflow, Long ownerId) throws SQLException {
        store.checks().requireCredentials(workflow, ownerId);
    }

    /** What a run of {@code stored} authenticates with: its owner's credentials, and no one else's. */
    public io.nlink.workflow.CredentialResolver credentialsOf(Stored stored) {
        return credentials.usableBy(stored.ownerId());
    }

    /**
     * Turns a workflow's triggers on or off. Activation claims each of its webhook routes (method
     * and path) in the database, in the transaction that marks it active, so no two active
     * workflows share a route on any member of a cluster; deactivation frees them.
     *
     * @throws ApiException 409 when another active workflow holds a route; 422 when a Webhook node
     *     cannot be served (its authentication, method, path or response mode) or a schedule
     *     (Schedule Trigger, Cron, Interval) cannot run as written
     */
    public Stored setActive(Policy.Scope scope, long id, boolean active) throws SQLException {
        return store.setActive(scope, id, active);
    }

    /**
     * The webhook routes and the workflow holding each, "METHOD path" to workflow id: what the
     * triggers serve, so every member answers a route for the workflow the database gave it to.
     */
    public java.util.Map<String, Long> webhookRoutes() throws SQLException {
        return store.routes().all();
    }

    /**
     * At start: workflows activated before routes were held in the database (schema version 6)
     * claim theirs, oldest first; one that finds its route taken logs it and does not answer there.
     */
    public void claimRoutesOfActiveWorkflows() throws SQLException {
        store.routes().claimForActive(store.active());
    }

    /**
     * Deletes a workflow in {@code scope}, and with it its executions and shares; {@code deleted}
     * records it ({@code workflow ID "name"}) in the same transaction.
     */
    public void delete(Policy.Scope scope, long id, io.nlink.server.auth.AuditLog.Recorder deleted)
            throws SQLException {
        store.delete(scope, id, deleted);
    }

    public List<Stored> list(Policy.Scope scope) throws SQLException {
        return store.list(scope);
    }

    /** Every active workflow, whoever owns it: what the triggers listen for. */
    public List<Stored> active() throws SQLException {
        return store.active();
    }

    /**
     * A workflow whoever owns it: for triggers and recovery, which act for the workflow's owner.
     * What a caller asked for goes through {@link #require(Policy.Scope, long)}.
     */
    public Optional<Stored> find(long id) throws SQLException {
        return store.find(id);
    }

    /** The workflow {@code id} if it is in {@code scope}; else 404, the same answer as for one that does not exist. */
    public Stored require(Policy.Scope scope, long id) throws SQLException {
        return store.require(scope, id);
    }

    /** Sends every run to the cluster from now on; until then, {@link #dispatch} refuses. */
    public void runOn(NlinkCluster member) {
        this.cluster = member;
    }

    /**
     * What a caller learns of a run, wherever it ran.
     *
     * @param id     the execution's id in the store
     * @param output the last node's output, in full (the webhook's answer)
     * @param member the cluster member that ran it, {@code host:port}
     * @param webhookResponse what its first Respond to Webhook node answered, or null
     */
    public record Outcome(
            long id,
            Execution.Status status,
            String error,
            String errorNode,
            List<JsonNode> output,
            String member,
            WebhookResponse webhookResponse) {}

    /**
     * Runs a stored workflow on the member with a free execution slot and waits for it. When that
     * member leaves before it answers, the run starts again on another (at least once, never
     * lost: the dead member's record of it is marked crashed, the rerun's stands beside it).
     */
    public Outcome dispatch(Stored stored, String trigger, List<JsonNode> items, Mode mode)
            throws InterruptedException {
        return dispatch(stored, trigger, items, mode, null, null);
    }

    /**
     * What a webhook call answered by a Respond to Webhook node waits for.
     *
     * @param answered completes with the node's answer as soon as it is made when the run is on
     *     this server, else when the run ends (the answer travels back with it); with null when
     *     the run ended without one
     * @param ended    completes when the run has ended
     */
    public record Responding(CompletableFuture<WebhookResponse> answered, CompletableFuture<Outcome> ended) {}

    /**
     * Starts a webhook call whose Webhook node says {@code responseMode: "responseNode"}: the run
     * goes on after its answer, so it runs off the caller's request thread, on a thread of its
     * own, at most {@value #MAX_RESPONDING_RUNS} at a time on this server.
     *
     * @throws ApiException 503 when that many are under way
     */
    public Responding dispatchResponding(Stored stored, String trigger, JsonNode item) {
        if (!respondingRuns.tryAcquire())
            throw new ApiException(503, "too many webhook runs are under way; try again shortly");
        String token = java.util.UUID.randomUUID().toString();
        CompletableFuture<WebhookResponse> answered = new CompletableFuture<>();
        CompletableFuture<Outcome> ended = new CompletableFuture<>();
        awaitingResponse.put(token, answered);
        Thread.ofVirtual().name("nlink-webhook-run").start(() -> {
            try {
                Outcome outcome = dispatch(stored, trigger, List.of(item), Mode.WEBHOOK, null, token);
                answered.complete(outcome.webhookResponse());
                ended.complete(outcome);
            } catch (Throwable e) {
                answered.completeExceptionally(e);
                ended.completeExceptionally(e);
            } finally {
                awaitingResponse.remove(token);
                respondingRuns.release();
            }
        });
        return new Responding(answered, ended);
    }

    /** Records a run as queued, then dispatches it on a thread of its own; returns the execution's id. */
    public long start(Stored stored, String trigger, List<JsonNode> items, Mode mode, Long retryOf)
            throws SQLException {
        if (!startedRuns.tryAcquire())
            throw new ApiException(503, "too many runs started from the dashboard are under way; try again shortly");
        long id;
        try {
            String member = memberAddress();
            Instant at = Instant.now();
            ObjectNode record = ExecutionLog.startRecord(stored, trigger, items, ExecutionLog.QUEUED, at, member);
            if (retryOf != null) record.put("retryOf", retryOf);
            id = log.insertUnfinished(stored, mode, record, at, member);
        } catch (SQLException | RuntimeException e) {
            startedRuns.release();
            throw e;
        }
        live.open(id); // a stop asked for before the run begins is kept for it
        long executionId = id;
        Thread.ofVirtual().name("nlink-started-run").start(() -> {
            try {
                Outcome outcome = dispatch(stored, trigger, items, mode, executionId, null, false);
                // Ran on another member: its own list of runs under way had the events; this one only hears the end.
                live.finish(executionId, outcome.status().id(), outcome.error(), outcome.errorNode());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ApiException e) {
                LOG.info("execution {} of workflow {} was refused: {}", executionId, stored.id(), e.getMessage());
                endRefused(executionId, e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("execution {} of workflow {} could not run", executionId, stored.id(), e);
                endRefused(executionId, "nLink could not run it: " + e.getMessage());
            } finally {
                startedRuns.release();
            }
        });
        return id;
    }

    /** A started run that never ran (refused, or no member could take it): its record says why. */
    private void endRefused(long id, String why) {
        try {
            log.markRefused(id, why);
        } catch (SQLException | IOException e) {
            LOG.warn("execution {}: could not record why it did not run: {}", id, e.getMessage());
        } finally {
            live.finish(id, "error", why, null);
        }
    }

    /** Runs started without waiting at once on this server ({@link #start}). */
    static final int MAX_STARTED_RUNS = 64;

    private final java.util.concurrent.Semaphore startedRuns = new java.util.concurrent.Semaphore(MAX_STARTED_RUNS);

    /** Starts a failed, crashed or canceled execution again, with its trigger and input; 409 for any other. */
    public long retry(Policy.Scope scope, long executionId) throws SQLException {
        ObjectNode original = execution(scope, executionId);
        String status = original.path("status").asText();
        if (!List.of("error", ExecutionLog.CRASHED, "canceled").contains(status)) {
            throw new ApiException(
                    409,
                    "execution " + executionId + " is " + status
                            + "; only a failed, crashed or canceled execution is retried");
        }
        List<JsonNode> items = null;
        if (original.has("input")) {
            items = new java.util.ArrayList<>();
            original.get("input").forEach(items::add);
            int total = original.path("inputItems").asInt(items.size());
            if (total > items.size()) {
                throw new ApiException(
                        409,
                        "execution " + executionId + " started with " + total + " items and its record keeps the first "
                                + items.size()
                                + "; it cannot be retried with the same input. Run the workflow again with its input instead");
            }
        }
        Stored stored = require(scope, original.path("workflowId").asLong());
        return start(stored, text(original, "trigger"), items, Mode.RETRY, executionId);
    }

    /** Asks execution {@code id} to stop when it is under way on this server; 409 when it has ended or runs elsewhere. */
    public void stop(Policy.Scope scope, long id, String who) throws SQLException {
        ObjectNode record = execution(scope, id);
        String status = record.path("status").asText();
        if (!status.equals(ExecutionLog.RUNNING) && !status.equals(ExecutionLog.QUEUED)) {
            throw new ApiException(409, "execution " + id + " has already ended (" + status + ")");
        }
        String member = record.path("member").asText(null);
        boolean elsewhere = status.equals(ExecutionLog.RUNNING) && member != null && !member.equals(memberAddress());
        Optional<LiveExecutions.Live> run = elsewhere ? Optional.empty() : live.find(id);
        if (run.isEmpty()) {
            throw new ApiException(
                    409,
                    "execution " + id + " runs on member " + (member == null ? "?" : member)
                            + ", not on this server; a stop reaches only the server that runs it");
        }
        run.get().stop("stopped by " + who);
    }

    /** Runs answered by a Respond to Webhook node at once on this server: each holds a thread until it ends. */
    static final int MAX_RESPONDING_RUNS = 64;

    private final java.util.concurrent.Semaphore respondingRuns =
            new java.util.concurrent.Semaphore(MAX_RESPONDING_RUNS);
    /** The callers waiting for a Respond to Webhook node, by the token their dispatch carries. */
    private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<WebhookResponse>> awaitingResponse =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** As {@link #dispatch(Stored, String, List, Mode)}, for a run this server {@link #accept accepted} as execution {@code executionId}. */
    private Outcome dispatch(
            Stored stored, String trigger, List<JsonNode> items, Mode mode, Long executionId, String responseToken)
            throws InterruptedException {
        return dispatch(stored, trigger, items, mode, executionId, responseToken, true);
    }

    /** @param acknowledged whether the caller was told the run will happen: then a crash runs it again rather than marking it crashed */
    private Outcome dispatch(
            Stored stored,
            String trigger,
            List<JsonNode> items,
            Mode mode,
            Long executionId,
            String responseToken,
            boolean acknowledged)
            throws InterruptedException {
        NlinkCluster member = cluster;
        if (member == null) throw new IllegalStateException("the server's cluster member is not up yet");
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("workflowId", stored.id()).put("mode", mode.name());
        if (executionId != null)
            request.put("executionId", executionId)
                    .put("receiver", member.address())
                    .put("acknowledged", acknowledged);
        if (trigger != null) request.put("trigger", trigger);
        if (responseToken != null) request.put("responseToken", responseToken);
        if (items != null) request.putArray("items").addAll(items);
        JsonNode answer;
        try {
            answer = Json.parse(member.call(EXECUTIONS, Json.writeBytes(request)));
        } catch (ClusterService.ServiceException e) {
            throw new ApiException(503, "the workflow could not be run: " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalStateException("a member answered an execution with unreadable JSON", e);
        }
        if (answer.has("refused")) {
            throw new ApiException(
                    answer.path("status").asInt(500), answer.path("refused").asText());
        }
        List<JsonNode> output = new java.util.ArrayList<>();
        answer.path("output").forEach(output::add);
        return new Outcome(
                answer.path("id").asLong(),
                Execution.Status.valueOf(answer.path("status").asText().toUpperCase(java.util.Locale.ROOT)),
                text(answer, "error"),
                text(answer, "errorNode"),
                output,
                text(answer, "member"),
                webhookResponse(answer.get("webhookResponse")));
    }

    /**
     * The {@link #EXECUTIONS} service on this member: runs a dispatched run here. A request the
     * API would refuse (unknown workflow, trigger or items) is answered as refused, with its
     * status, so the caller's API answers as if it had run the workflow itself.
     */
    public byte[] runDispatched(byte[] requestBytes) throws Exception {
        JsonNode request = Json.parse(requestBytes);
        ObjectNode answer = Json.MAPPER.createObjectNode();
        try {
            // The dispatching server has checked the caller; a run acts for the workflow's owner.
            Stored stored =
                    require(Policy.Scope.EVERYONE, request.path("workflowId").asLong());
            List<JsonNode> items = null;
            if (request.has("items")) {
                items = new java.util.ArrayList<>();
                request.get("items").forEach(items::add);
            }
            Accepted accepted = request.hasNonNull("executionId")
                    ? new Accepted(
                            request.get("executionId").asLong(),
                            text(request, "receiver"),
                            request.path("acknowledged").asBoolean(true))
                    : null;
            // The first answer of a Respond to Webhook node goes to the waiting caller at once when
            // the caller is on this server, and back with the run's outcome in any case.
            String responseToken = text(request, "responseToken");
            java.util.concurrent.atomic.AtomicReference<WebhookResponse> firstResponse =
                    new java.util.concurrent.atomic.AtomicReference<>();
            java.util.function.Consumer<WebhookResponse> responder = response -> {
                if (responseToken == null || !firstResponse.compareAndSet(null, response)) return;
                CompletableFuture<WebhookResponse> waiting = awaitingResponse.get(responseToken);
                if (waiting != null) waiting.complete(response);
            };
            Recorded recorded = run(
                    stored,
                    text(request, "trigger"),
                    items,
                    Mode.valueOf(request.path("mode").asText()),
                    accepted,
                    responder);
            Execution e = recorded.execution();
            answer.put("id", recorded.id())
                    .put("status", e.status().id())
                    .put("error", e.error())
                    .put("errorNode", e.errorNode());
            if (firstResponse.get() != null)
                answer.set("webhookResponse", Json.MAPPER.valueToTree(firstResponse.get()));
            answer.putArray("output").addAll(e.output());
            answer.put("member", memberAddress());
        } catch (ApiException e) {
            answer.put("refused", e.getMessage()).put("status", e.status());
        }
        return Json.writeBytes(answer);
    }

    /** Whether this server is a cluster of one: then only it answers questions about its runs. */
    private boolean alone() {
        NlinkCluster member = cluster;
        return member == null || member.members().size() <= 1;
    }

    private String memberAddress() {
        NlinkCluster member = cluster;
        return member == null ? null : member.address();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /**
     * Runs a stored workflow from {@code trigger} with {@code items} here, and records the
     * execution: first as running with its input, then as it ended.
     */
    public Recorded run(Stored stored, String trigger, List<JsonNode> items, Mode mode) throws SQLException {
        return run(stored, trigger, items, mode, null, response -> {});
    }

    private static WebhookResponse webhookResponse(JsonNode json) {
        if (json == null || json.isNull()) return null;
        try {
            return Json.MAPPER.treeToValue(json, WebhookResponse.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a member answered a webhook response nLink cannot read", e);
        }
    }

    /**
     * A run {@link #accept accepted} or {@link #start started} before it ran: its record, the server
     * that dispatches it, and whether its caller was told it will run (an accepted webhook call).
     */
    private record Accepted(long executionId, String receiver, boolean acknowledged) {}

    /** @param accepted the record this run takes over, or null to make one */
    private Recorded run(
            Stored stored,
            String trigger,
            List<JsonNode> items,
            Mode mode,
            Accepted accepted,
            java.util.function.Consumer<WebhookResponse> webhookResponder)
            throws SQLException {
        String member = memberAddress();
        Instant startedAt = Instant.now();
        ObjectNode started = ExecutionLog.startRecord(stored, trigger, items, ExecutionLog.RUNNING, startedAt, member);
        long id;
        if (accepted != null) {
            if (accepted.acknowledged()) started.put("acknowledged", true);
            started.put("receiver", accepted.receiver());
            // What start() recorded beside the input (retryOf) stays.
            log.retryOf(accepted.executionId()).ifPresent(original -> started.put("retryOf", original));
        }
        if (accepted != null && log.takeOver(accepted.executionId(), started, startedAt, member)) {
            id = accepted.executionId();
        } else { // a run nobody accepted before, or one whose record is gone (pruned, or finished by an earlier
            // attempt)
            id = log.insertUnfinished(stored, mode, started, startedAt, member);
        }
        Execution execution;
        LiveExecutions.Live progress = live.open(id);
        try {
            // n8n's pinned data serves manual runs only: a webhook, schedule or retry runs every node.
            RunControl control = new RunControl(
                    progress, mode == Mode.MANUAL ? PinData.of(stored.definition()) : java.util.Map.of());
            progress.attach(control);
            execution = engine.withCredentials(credentialsOf(stored))
                    .withSubWorkflows(called.forCaller(stored))
                    .run(stored.workflow(), trigger, items, webhookResponder, control);
        } catch (IllegalArgumentException e) {
            log.delete(id); // refused before it ran: no execution
            live.finish(id, "refused", e.getMessage(), null);
            throw ApiException.badRequest(e.getMessage());
        } catch (RuntimeException | Error e) {
            try {
                log.markCrashed(id, started, "nLink failed while running this execution: " + e);
            } catch (SQLException notRecorded) {
                e.addSuppressed(notRecorded);
            } finally {
                live.finish(id, ExecutionLog.CRASHED, "nLink failed while running this execution: " + e, null);
            }
            throw e;
        }
        runListener.ended(stored, mode, execution);
        if (execution.status() == Execution.Status.ERROR)
            called.failed(stored, mode, id, execution, started.get("retryOf"));
        ObjectNode record = execution.toJson();
        // Kept with the outcome: what started it (a retry runs it again with the same input).
        record.put("trigger", trigger);
        if (started.has("input")) {
            record.set("input", started.get("input"));
            record.put("inputItems", started.get("inputItems").asInt());
        }
        if (started.has("retryOf")) record.set("retryOf", started.get("retryOf"));
        record.set("output", ExecutionLog.sample(execution.output()));
        record.put("outputItems", execution.output().size());
        record.set("definition", stored.definition());
        record.put("member", member);
        ExecutionRecorder.Finished finished = new ExecutionRecorder.Finished(
                id,
                execution.status().id(),
                execution.startedAt(),
                execution.finishedAt(),
                execution.error() == null ? null : Sql.truncate(execution.error(), 4000),
                execution.errorNode(),
                Json.write(record));
        // An acknowledged call must be seen finished before anyone could run it again, and in a
        // cluster another member may be asked about this run at once: then written before answering.
        log.finished(finished, accepted == null && alone());
        live.finish(id, execution.status().id(), execution.error(), execution.errorNode());
        return new Recorded(id, execution);
    }
    /** Records a webhook call answered on receipt as queued, acknowledged; returns the execution's id. */
    public long accept(Stored stored, String trigger, JsonNode item) throws SQLException {
        String member = memberAddress();
        Instant at = Instant.now();
        ObjectNode record = ExecutionLog.startRecord(stored, trigger, List.of(item), ExecutionLog.QUEUED, at, member)
                .put("acknowledged", true)
                .put("receiver", member);
        return log.insertUnfinished(stored, Mode.WEBHOOK, record, at, member);
    }

    /** Runs an {@link #accept accepted} call (on the member with room); failures are logged, the record says the rest. */
    public void runAccepted(long executionId, Stored stored, String trigger, JsonNode item) {
        try {
            dispatch(stored, trigger, List.of(item), Mode.WEBHOOK, executionId, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error(
                    "execution {} of workflow {} (an accepted webhook call) could not run",
                    executionId,
                    stored.id(),
                    e);
        }
    }

    /** An accepted call refused after all (the run queue is full): its record goes. */
    public void forget(long executionId) throws SQLException {
        log.forget(executionId);
    }

    /** At start: what this server's previous life or departed members left unfinished; returns how many were taken up. */
    public int recoverInterrupted(java.util.function.Predicate<Runnable> submit) throws SQLException {
        List<String> liveMembers = liveMembers();
        String me = memberAddress();
        int taken = 0;
        for (ExecutionLog.Unfinished row : log.unfinished()) {
            boolean mine = row.member() == null || row.member().equals(me);
            boolean cutOff = mine ? row.startedAt().isBefore(lifeStarted) : !liveMembers.contains(row.member());
            if (!cutOff) continue;
            String why = mine
                    ? "the server stopped before this execution finished"
                    : "member " + row.member() + " left the cluster before this execution finished";
            if (takeUp(row, why, liveMembers, submit)) taken++;
        }
        return taken;
    }

    /** A member left the cluster: its unfinished executions are taken up as at start. */
    public int memberLeft(String member, java.util.function.Predicate<Runnable> submit) throws SQLException {
        List<String> live = liveMembers();
        int taken = 0;
        for (ExecutionLog.Unfinished row : log.unfinished()) {
            if (member.equals(row.member())
                    && takeUp(
                            row, "member " + member + " left the cluster before this execution finished", live, submit))
                taken++;
        }
        return taken;
    }

    /** The addresses of the cluster's members now, this one included. */
    private List<String> liveMembers() {
        NlinkCluster member = cluster;
        return member == null
                ? List.of()
                : member.members().stream()
                        .map(NlinkCluster.MemberInfo::address)
                        .toList();
    }

    /**
     * An execution whose member is gone: an accepted call is claimed by this member and run again,
     * unless the server that accepted it is alive and will retry it itself; any other is marked crashed.
     */
    private boolean takeUp(
            ExecutionLog.Unfinished row,
            String why,
            java.util.Collection<String> liveMembers,
            java.util.function.Predicate<Runnable> submit)
            throws SQLException {
        if (!row.acknowledged()) return log.markCrashed(row.id(), row.record(), why);
        if (retriedByReceiver(row, liveMembers)) return false;
        String me = memberAddress();
        ObjectNode record = row.record()
                .deepCopy()
                .put("status", ExecutionLog.QUEUED)
                .put("member", me)
                .put("receiver", me)
                .put("resumed", why + "; run again on " + me);
        if (!log.claim(row, me, record)) return false;
        Stored stored = find(row.workflowId()).orElse(null);
        JsonNode item = row.record().path("input").path(0);
        if (stored == null || item.isMissingNode())
            return log.markCrashed(
                    row.id(), row.record(), why + "; it cannot run again (its workflow or input is gone)");
        String trigger = row.record().path("trigger").asText(null);
        if (!submit.test(() -> runAccepted(row.id(), stored, trigger, item))) {
            return log.markCrashed(row.id(), row.record(), why + "; the run queue was full, so it was not run again");
        }
        return true;
    }

    /**
     * Whether the server that accepted this call is alive and still dispatching it (in this life):
     * its dispatch sends the run to another member by itself when the running one dies.
     */
    private boolean retriedByReceiver(ExecutionLog.Unfinished row, java.util.Collection<String> liveMembers) {
        String receiver = row.record().path("receiver").asText(null);
        if (!ExecutionLog.RUNNING.equals(row.status())
                || receiver == null
                || receiver.equals(row.member())
                || !liveMembers.contains(receiver)) return false;
        return !receiver.equals(memberAddress()) || !row.startedAt().isBefore(lifeStarted);
    }
    /** @param id the execution's id in the store */
    public record Recorded(long id, Execution execution) {}

    /** The newest executions of the workflows in {@code scope}, of one workflow when {@code workflowId} is given. */
    public List<Summary> executions(Policy.Scope scope, Long workflowId, int limit) throws SQLException {
        return executions(scope, new Filter(workflowId, null, null, null, null, null), limit);
    }

    /**
     * Which executions a list shows; null fields do not narrow it.
     *
     * @param before the paging cursor: only executions with a smaller id (the last id of the page before)
     * @param from   started at or after
     * @param to     started before
     */
    public record Filter(Long workflowId, String status, String mode, Instant from, Instant to, Long before) {}

    /** Largest page of executions. */
    public static final int MAX_PAGE = 1000;

    /** The newest executions of the workflows in {@code scope} that {@code filter} lets through, at most {@code limit}. */
    public List<Summary> executions(Policy.Scope scope, Filter filter, int limit) throws SQLException {
        return log.executions(scope, filter, limit);
    }

    /** One execution of a workflow in {@code scope}; else 404, as for one that does not exist. */
    public ObjectNode execution(Policy.Scope scope, long id) throws SQLException {
        return log.execution(scope, id);
    }
}
