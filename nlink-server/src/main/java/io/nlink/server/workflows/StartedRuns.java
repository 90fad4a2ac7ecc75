package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.server.auth.Policy;
import io.nlink.server.refusal.Conflict;
import io.nlink.server.refusal.Refusal;
import io.nlink.server.refusal.Unavailable;
import io.nlink.server.workflows.WorkflowService.Mode;
import io.nlink.server.workflows.WorkflowService.Outcome;
import io.nlink.server.workflows.WorkflowService.Responding;
import io.nlink.server.workflows.WorkflowService.Stored;
import io.nlink.workflow.WebhookResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Runs whose caller does not wait for the end on its request thread: started from the dashboard
 * (and retries), webhook calls answered by a Respond to Webhook node or on receipt; and the stop
 * of a run under way. Each kind is bounded on this server; past the bound it is refused with 503.
 */
final class StartedRuns {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StartedRuns.class);

    /** Runs started without waiting at once on this server ({@link #start}). */
    static final int MAX_STARTED_RUNS = 64;

    /** Runs answered by a Respond to Webhook node at once on this server: each holds a thread until it ends. */
    static final int MAX_RESPONDING_RUNS = 64;

    private final Semaphore startedRuns = new Semaphore(MAX_STARTED_RUNS);
    private final Semaphore respondingRuns = new Semaphore(MAX_RESPONDING_RUNS);

    private final ClusterDispatch dispatch;
    private final WorkflowStore store;
    private final ExecutionLog log;
    private final LiveExecutions live;
    private final Membership membership;

    StartedRuns(
            ClusterDispatch dispatch,
            WorkflowStore store,
            ExecutionLog log,
            LiveExecutions live,
            Membership membership) {
        this.dispatch = dispatch;
        this.store = store;
        this.log = log;
        this.live = live;
        this.membership = membership;
    }

    /** A webhook call answered by a Respond to Webhook node, run on a thread of its own. */
    Responding dispatchResponding(Stored stored, String trigger, JsonNode item) {
        if (!respondingRuns.tryAcquire())
            throw new Unavailable("too many webhook runs are under way; try again shortly");
        CompletableFuture<WebhookResponse> answered = new CompletableFuture<>();
        CompletableFuture<Outcome> ended = new CompletableFuture<>();
        String token = dispatch.awaitResponse(answered);
        Thread.ofVirtual().name("nlink-webhook-run").start(() -> {
            try {
                Outcome outcome = dispatch.dispatch(stored, trigger, List.of(item), Mode.WEBHOOK, null, token, true);
                answered.complete(outcome.webhookResponse());
                ended.complete(outcome);
            } catch (Throwable e) {
                answered.completeExceptionally(e);
                ended.completeExceptionally(e);
            } finally {
                dispatch.stopAwaiting(token);
                respondingRuns.release();
            }
        });
        return new Responding(answered, ended);
    }

    /** Records a run as queued, then dispatches it on a thread of its own; returns the execution's id. */
    long start(Stored stored, String trigger, List<JsonNode> items, Mode mode, Long retryOf) throws SQLException {
        if (!startedRuns.tryAcquire())
            throw new Unavailable("too many runs started from the dashboard are under way; try again shortly");
        long id;
        try {
            String member = membership.address();
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
                Outcome outcome = dispatch.dispatch(stored, trigger, items, mode, executionId, null, false);
                // Ran on another member: its own list of runs under way had the events; this one only hears the end.
                live.finish(executionId, outcome.status().id(), outcome.error(), outcome.errorNode());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Refusal e) {
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

    /** Starts a failed, crashed or canceled execution again, with its trigger and input; 409 for any other. */
    long retry(Policy.Scope scope, long executionId) throws SQLException {
        ObjectNode original = log.execution(scope, executionId);
        String status = original.path("status").asText();
        if (!List.of("error", ExecutionLog.CRASHED, "canceled").contains(status)) {
            throw new Conflict("execution " + executionId + " is " + status
                    + "; only a failed, crashed or canceled execution is retried");
        }
        List<JsonNode> items = null;
        if (original.has("input")) {
            items = new ArrayList<>();
            original.get("input").forEach(items::add);
            int total = original.path("inputItems").asInt(items.size());
            if (total > items.size()) {
                throw new Conflict(
                        "execution " + executionId + " started with " + total + " items and its record keeps the first "
                                + items.size()
                                + "; it cannot be retried with the same input. Run the workflow again with its input instead");
            }
        }
        Stored stored = store.require(scope, original.path("workflowId").asLong());
        return start(stored, ClusterDispatch.text(original, "trigger"), items, Mode.RETRY, executionId);
    }

    /** Asks execution {@code id} to stop when it is under way on this server; 409 when it has ended or runs elsewhere. */
    void stop(Policy.Scope scope, long id, String who) throws SQLException {
        ObjectNode record = log.execution(scope, id);
        String status = record.path("status").asText();
        if (!status.equals(ExecutionLog.RUNNING) && !status.equals(ExecutionLog.QUEUED)) {
            throw new Conflict("execution " + id + " has already ended (" + status + ")");
        }
        String member = record.path("member").asText(null);
        boolean elsewhere =
                status.equals(ExecutionLog.RUNNING) && member != null && !member.equals(membership.address());
        Optional<LiveExecutions.Live> run = elsewhere ? Optional.empty() : live.find(id);
        if (run.isEmpty()) {
            throw new Conflict("execution " + id + " runs on member " + (member == null ? "?" : member)
                    + ", not on this server; a stop reaches only the server that runs it");
        }
        run.get().stop("stopped by " + who);
    }

    /** Records a webhook call answered on receipt as queued, acknowledged; returns the execution's id. */
    long accept(Stored stored, String trigger, JsonNode item) throws SQLException {
        String member = membership.address();
        Instant at = Instant.now();
        ObjectNode record = ExecutionLog.startRecord(stored, trigger, List.of(item), ExecutionLog.QUEUED, at, member)
                .put("acknowledged", true)
                .put("receiver", member);
        return log.insertUnfinished(stored, Mode.WEBHOOK, record, at, member);
    }

    /** Runs an {@link #accept accepted} call (on the member with room); failures are logged, the record says the rest. */
    void runAccepted(long executionId, Stored stored, String trigger, JsonNode item) {
        try {
            dispatch.dispatch(stored, trigger, List.of(item), Mode.WEBHOOK, executionId, null, true);
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
}
