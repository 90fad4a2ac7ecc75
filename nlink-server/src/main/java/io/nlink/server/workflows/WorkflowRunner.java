package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.server.credentials.CredentialStore;
import io.nlink.server.refusal.BadInput;
import io.nlink.server.workflows.WorkflowService.Mode;
import io.nlink.server.workflows.WorkflowService.Stored;
import io.nlink.workflow.CredentialResolver;
import io.nlink.workflow.Execution;
import io.nlink.workflow.PinData;
import io.nlink.workflow.RunControl;
import io.nlink.workflow.WebhookResponse;
import io.nlink.workflow.WorkflowEngine;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a stored workflow on this server and records its execution: first as running with its
 * input (taking over the record of a run accepted or started earlier), then as it ended.
 */
final class WorkflowRunner {
    private final WorkflowEngine engine;
    private final CredentialStore credentials;
    private final ExecutionLog log;
    private final LiveExecutions live;
    private final Membership membership;
    /** The workflows runs may start: Execute Workflow's and error workflows. */
    private final CalledWorkflows called;

    private volatile WorkflowService.RunListener runListener = (stored, mode, execution) -> {};

    WorkflowRunner(
            WorkflowEngine engine,
            CredentialStore credentials,
            ExecutionLog log,
            LiveExecutions live,
            Membership membership,
            CalledWorkflows called) {
        this.engine = engine;
        this.credentials = credentials;
        this.log = log;
        this.live = live;
        this.membership = membership;
        this.called = called;
    }

    void onRunEnded(WorkflowService.RunListener listener) {
        this.runListener = listener;
    }

    /** What a run of {@code stored} authenticates with: its owner's credentials, and no one else's. */
    CredentialResolver credentialsOf(Stored stored) {
        return credentials.usableBy(stored.ownerId());
    }

    /**
     * A run accepted or started before it ran: its record, the server that dispatches it, and
     * whether its caller was told it will run (an accepted webhook call).
     */
    record Accepted(long executionId, String receiver, boolean acknowledged) {}

    /** @param id the execution's id in the store */
    record Recorded(long id, Execution execution) {}

    /** @param accepted the record this run takes over, or null to make one */
    Recorded run(
            Stored stored,
            String trigger,
            List<JsonNode> items,
            Mode mode,
            Accepted accepted,
            Consumer<WebhookResponse> webhookResponder)
            throws SQLException {
        String member = membership.address();
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
                            progress, mode == Mode.MANUAL ? PinData.of(stored.definition()) : Map.of())
                    .withFacts(new io.nlink.workflow.RunFacts(
                            String.valueOf(stored.id()),
                            stored.active(),
                            String.valueOf(id),
                            mode == Mode.SCHEDULE ? "trigger" : mode.id(), // n8n's names for the modes
                            null));
            progress.attach(control);
            execution = engine.withCredentials(credentialsOf(stored))
                    .withSubWorkflows(called.forCaller(stored))
                    .run(stored.workflow(), trigger, items, webhookResponder, control);
        } catch (IllegalArgumentException e) {
            log.delete(id); // refused before it ran: no execution
            live.finish(id, "refused", e.getMessage(), null);
            throw new BadInput(e.getMessage());
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
        log.finished(finished, accepted == null && membership.alone());
        live.finish(id, execution.status().id(), execution.error(), execution.errorNode());
        return new Recorded(id, execution);
    }
}
