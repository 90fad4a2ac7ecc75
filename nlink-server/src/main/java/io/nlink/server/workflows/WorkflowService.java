package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.cluster.NlinkCluster;
import io.nlink.server.auth.AuditLog;
import io.nlink.server.auth.Policy;
import io.nlink.server.auth.Principal;
import io.nlink.server.credentials.CredentialStore;
import io.nlink.server.db.Database;
import io.nlink.workflow.CredentialResolver;
import io.nlink.workflow.Execution;
import io.nlink.workflow.WebhookResponse;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.WorkflowEngine;
import io.nlink.workflow.expr.Expressions;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Stored workflows and their executions: the one front the API, the triggers and the server use.
 * Each job is a class of its own in this package: the workflows table ({@link WorkflowStore},
 * with {@link WorkflowChecks} and {@link WebhookRoutes}), the executions table
 * ({@link ExecutionLog}), running a workflow here ({@link WorkflowRunner}), the cluster protocol
 * ({@link ClusterDispatch}), runs the caller does not wait for ({@link StartedRuns}) and crash
 * recovery ({@link CrashRecovery}).
 *
 * <p>Every run — by hand, through the API, a webhook or the schedule — goes through {@link
 * #dispatch}: the cluster hands it to the member with a free execution slot (this server when it
 * is alone), which runs it and records the execution; old ones are pruned by the configured policy
 * (age and count) about once a second.
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

    /**
     * Which executions a list shows; null fields do not narrow it.
     *
     * @param before the paging cursor: only executions with a smaller id (the last id of the page before)
     * @param from   started at or after
     * @param to     started before
     */
    public record Filter(Long workflowId, String status, String mode, Instant from, Instant to, Long before) {}

    /** What {@link #check} found: each reason a save would be refused, and the workflow when it parses. */
    public record Check(List<String> problems, Workflow workflow) {}

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
     * What a webhook call answered by a Respond to Webhook node waits for.
     *
     * @param answered completes with the node's answer as soon as it is made when the run is on
     *     this server, else when the run ends (the answer travels back with it); with null when
     *     the run ended without one
     * @param ended    completes when the run has ended
     */
    public record Responding(CompletableFuture<WebhookResponse> answered, CompletableFuture<Outcome> ended) {}

    /** Told of each run this server ran, when it has ended (metrics). */
    @FunctionalInterface
    public interface RunListener {
        void ended(Stored stored, Mode mode, Execution execution);
    }

    /** The cluster service under which servers run each other's executions. */
    public static final String EXECUTIONS = "executions";

    /** Largest page of executions. */
    public static final int MAX_PAGE = 1000;

    /**
     * How long a shutting-down server lets its runs under way finish before it stops them (then as
     * long again for the stopped ones to be recorded, canceled "the server is shutting down"). A
     * waiting run (a Wait node) counts as under way: it lives in this process only.
     */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkflowService.class);

    private final WorkflowEngine engine;
    private final Membership membership = new Membership();
    /** The executions under way on this server: their progress so far, and their stop. */
    private final LiveExecutions live = new LiveExecutions();

    private final WorkflowStore store;
    private final ExecutionLog log;
    private final WorkflowRunner runner;
    private final ClusterDispatch dispatch;
    private final StartedRuns started;
    private final CrashRecovery recovery;

    /** @param credentials where runs find their nodes' credentials: each run its workflow owner's */
    public WorkflowService(
            Database db, WorkflowEngine engine, CredentialStore credentials, Duration keepFor, int keepAtMost) {
        this.engine = engine;
        this.store = new WorkflowStore(db, credentials);
        this.log = new ExecutionLog(db, keepFor, keepAtMost);
        this.runner = new WorkflowRunner(engine, credentials, log, live, membership, new CalledWorkflows(db, this));
        this.dispatch = new ClusterDispatch(membership, store, runner);
        this.started = new StartedRuns(dispatch, store, log, live, membership);
        this.recovery = new CrashRecovery(membership, log, store, started);
    }

    /** Tells {@code listener} of every run that ends on this server from now on, on the thread that ran it. */
    public void onRunEnded(RunListener listener) {
        runner.onRunEnded(listener);
    }

    /** Told after a workflow's activation or definition changes (the server tells every member). */
    public void onChange(Runnable listener) {
        store.onChange(listener);
    }

    /**
     * Ends the runs under way ({@link #SHUTDOWN_GRACE}); called once the triggers are stopped and the
     * HTTP server takes no new requests, before the cluster and the runtime close. A run that
     * starts meanwhile is stopped at once.
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

    public LiveExecutions live() {
        return live;
    }

    /** The engine, for the editor's runs of one node. */
    public WorkflowEngine engine() {
        return engine;
    }

    /** Expressions evaluated as this server's runs evaluate them (the editor's preview). */
    public Expressions expressions() {
        return engine.expressions();
    }

    // The workflows

    /** Checks a definition; the API answers 422 with every problem. */
    public static Workflow parse(JsonNode definition) {
        return WorkflowChecks.parse(definition);
    }

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
    public CredentialResolver credentialsOf(Stored stored) {
        return runner.credentialsOf(stored);
    }

    /**
     * Turns a workflow's triggers on or off. Activation claims each of its webhook routes (method
     * and path) in the database, in the transaction that marks it active, so no two active
     * workflows share a route on any member of a cluster; deactivation frees them.
     *
     * @throws io.nlink.server.refusal.Conflict when another active workflow holds a route
     * @throws io.nlink.server.refusal.Invalid when a Webhook node cannot be served (its authentication, method, path or response mode)
     *     or a schedule (Schedule Trigger, Cron, Interval) cannot run as written
     */
    public Stored setActive(Policy.Scope scope, long id, boolean active) throws SQLException {
        return store.setActive(scope, id, active);
    }

    /**
     * The webhook routes and the workflow holding each, "METHOD path" to workflow id: what the
     * triggers serve, so every member answers a route for the workflow the database gave it to.
     */
    public Map<String, Long> webhookRoutes() throws SQLException {
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
    public void delete(Policy.Scope scope, long id, AuditLog.Recorder deleted) throws SQLException {
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

    // The executions

    /** The newest executions of the workflows in {@code scope}, of one workflow when {@code workflowId} is given. */
    public List<Summary> executions(Policy.Scope scope, Long workflowId, int limit) throws SQLException {
        return log.executions(scope, new Filter(workflowId, null, null, null, null, null), limit);
    }

    /** The newest executions of the workflows in {@code scope} that {@code filter} lets through, at most {@code limit}. */
    public List<Summary> executions(Policy.Scope scope, Filter filter, int limit) throws SQLException {
        return log.executions(scope, filter, limit);
    }

    /** One execution of a workflow in {@code scope}; else 404, as for one that does not exist. */
    public ObjectNode execution(Policy.Scope scope, long id) throws SQLException {
        return log.execution(scope, id);
    }

    // Running

    /** Sends every run to the cluster from now on; until then, {@link #dispatch} refuses. */
    public void runOn(NlinkCluster member) {
        membership.join(member);
    }

    /**
     * Runs a stored workflow on the member with a free execution slot and waits for it. When that
     * member leaves before it answers, the run starts again on another (at least once, never
     * lost: the dead member's record of it is marked crashed, the rerun's stands beside it).
     */
    public Outcome dispatch(Stored stored, String trigger, List<JsonNode> items, Mode mode)
            throws InterruptedException {
        return dispatch.dispatch(stored, trigger, items, mode, null, null, true);
    }

    /**
     * The {@link #EXECUTIONS} service on this member: runs a dispatched run here. A request the
     * API would refuse (unknown workflow, trigger or items) is answered as refused, with its
     * kind, so the caller's API answers as if it had run the workflow itself.
     */
    public byte[] runDispatched(byte[] requestBytes) throws Exception {
        return dispatch.runDispatched(requestBytes);
    }

    /**
     * Starts a webhook call whose Webhook node says {@code responseMode: "responseNode"}: the run
     * goes on after its answer, so it runs off the caller's request thread, on a thread of its
     * own, at most {@value StartedRuns#MAX_RESPONDING_RUNS} at a time on this server.
     *
     * @throws io.nlink.server.refusal.Unavailable when that many are under way
     */
    public Responding dispatchResponding(Stored stored, String trigger, JsonNode item) {
        return started.dispatchResponding(stored, trigger, item);
    }

    /**
     * Starts a run without waiting for it: the execution is recorded as queued, then dispatched on
     * a thread of its own while the caller follows it (its progress stream, its record), at most
     * {@value StartedRuns#MAX_STARTED_RUNS} at a time on this server.
     *
     * @param retryOf the execution this one runs again, or null
     * @return the new execution's id
     * @throws io.nlink.server.refusal.Unavailable when that many are under way
     */
    public long start(Stored stored, String trigger, List<JsonNode> items, Mode mode, Long retryOf)
            throws SQLException {
        return started.start(stored, trigger, items, mode, retryOf);
    }

    /**
     * Runs a failed, crashed or canceled execution again: the same trigger and input, the workflow
     * as it is saved now, as a new execution (mode retry) that names the original.
     *
     * @throws io.nlink.server.refusal.Conflict when the execution did not fail, or its input
     *     was larger than its record keeps
     */
    public long retry(Policy.Scope scope, long executionId) throws SQLException {
        return started.retry(scope, executionId);
    }

    /**
     * Asks execution {@code id} to stop, when it is under way on this server.
     *
     * @throws io.nlink.server.refusal.Conflict when it has ended, or runs on another member (a
     *     stop reaches only the server running it)
     */
    public void stop(Policy.Scope scope, long id, String who) throws SQLException {
        started.stop(scope, id, who);
    }

    /**
     * Takes a webhook call that is answered before its run (responseMode onReceived): the run is
     * recorded as {@code queued}, with the call as its input, before the caller hears "started";
     * then this server dispatches it. Should the server (or the member running it) die first, the
     * record is there for a survivor or the restarted server to run it ({@link #recoverInterrupted},
     * {@link #memberLeft}), so an acknowledged call is never lost.
     *
     * @return the execution's id
     */
    public long accept(Stored stored, String trigger, JsonNode item) throws SQLException {
        return started.accept(stored, trigger, item);
    }

    /** Runs an {@link #accept accepted} call (on the member with room); failures are logged, the record says the rest. */
    public void runAccepted(long executionId, Stored stored, String trigger, JsonNode item) {
        started.runAccepted(executionId, stored, trigger, item);
    }

    /** An accepted call refused after all (the run queue is full): its record goes. */
    public void forget(long executionId) throws SQLException {
        log.forget(executionId);
    }

    // Crash recovery

    /**
     * At start: takes up what this server's previous life (same address, earlier) or members that
     * are not in the cluster any more left unfinished. An accepted webhook call runs again (through
     * {@code submit}); any other run is marked crashed, its caller having seen it fail.
     *
     * @return how many executions were run again or marked
     */
    public int recoverInterrupted(Predicate<Runnable> submit) throws SQLException {
        return recovery.recoverInterrupted(submit);
    }

    /** A member left the cluster (stopped, or lost): its unfinished executions are taken up as at start. */
    public int memberLeft(String member, Predicate<Runnable> submit) throws SQLException {
        return recovery.memberLeft(member, submit);
    }
}
