package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.text.Visible;
import io.nlink.server.auth.Policy;
import io.nlink.server.auth.Principal;
import io.nlink.server.auth.Role;
import io.nlink.server.db.Database;
import io.nlink.server.refusal.Refusal;
import io.nlink.workflow.ErrorWorkflows;
import io.nlink.workflow.Execution;
import io.nlink.workflow.SubWorkflows;
import io.nlink.workflow.Workflow;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workflows a workflow may start: those its Execute Workflow nodes call, and the error
 * workflow its {@code settings.errorWorkflow} names. Either must be one the calling workflow's
 * owner may run ({@link Policy#workflows}: a member their own, the owner and admins any), so
 * nobody reaches another member's workflow by naming its id; an unknown id and one out of reach
 * are refused alike.
 */
final class CalledWorkflows {
    private static final Logger LOG = LoggerFactory.getLogger(CalledWorkflows.class);

    private final Database db;
    private final WorkflowService service;

    CalledWorkflows(Database db, WorkflowService service) {
        this.db = db;
        this.service = service;
    }

    /** Where {@code stored}'s Execute Workflow nodes find the workflows they call by id. */
    SubWorkflows forCaller(WorkflowService.Stored stored) {
        return id -> callable(stored, id)
                .map(WorkflowService.Stored::workflow)
                .orElseThrow(() -> new SubWorkflows.NotCallable("workflow "
                        + (id.length() > 64 ? id.substring(0, 64) + "…" : id) + " does not exist or the owner of \""
                        + stored.name() + "\" may not run it; call a workflow by its id in nLink"));
    }

    /** The workflow {@code id} names if {@code caller}'s owner may run it. */
    private Optional<WorkflowService.Stored> callable(WorkflowService.Stored caller, String id) {
        long number;
        try {
            number = Long.parseLong(id.strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        try {
            Optional<Policy.Scope> scope = scopeOf(caller.ownerId());
            if (scope.isEmpty()) return Optional.empty();
            return Optional.of(service.require(scope.get(), number));
        } catch (Refusal e) {
            return Optional.empty();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the stored workflows", e);
        }
    }

    /** What the owner of a workflow may run; nothing for a workflow without an owner or whose owner is disabled. */
    private Optional<Policy.Scope> scopeOf(Long ownerId) throws SQLException {
        if (ownerId == null) return Optional.empty();
        record Owner(String username, String role, boolean disabled) {}
        Optional<Owner> owner = db.queryOne(
                "SELECT username, role, disabled FROM users WHERE id = ?",
                r -> new Owner(r.getString(1), r.getString(2), r.getBoolean(3)),
                ownerId);
        if (owner.isEmpty() || owner.get().disabled()) return Optional.empty();
        return Optional.of(Policy.workflows(new Principal(
                ownerId, owner.get().username(), Role.of(owner.get().role()), null)));
    }

    /**
     * A run of {@code failed} ended in error: starts its error workflow, if it names one, from that
     * workflow's Error Trigger with n8n's error item, on a thread of its own. Manual runs (as in
     * n8n) and runs of error workflows (so a failing one cannot set off another) start none.
     */
    void failed(
            WorkflowService.Stored failed,
            WorkflowService.Mode mode,
            long executionId,
            Execution execution,
            JsonNode retryOf) {
        if (mode == WorkflowService.Mode.MANUAL || mode == WorkflowService.Mode.ERROR) return;
        String id = ErrorWorkflows.errorWorkflowOf(failed.workflow());
        if (id == null) return;
        Optional<WorkflowService.Stored> handler = callable(failed, id);
        if (handler.isEmpty()) {
            LOG.warn(
                    "workflow {}: its error workflow {} does not exist or its owner may not run it; none ran",
                    failed.id(),
                    Visible.inLog(id));
            return;
        }
        Workflow workflow = handler.get().workflow();
        String trigger = ErrorWorkflows.errorTriggerOf(workflow);
        if (trigger == null) {
            LOG.warn(
                    "workflow {}: its error workflow {} has no Error Trigger; none ran",
                    failed.id(),
                    handler.get().id());
            return;
        }
        JsonNode item = ErrorWorkflows.payload(
                execution,
                Long.toString(executionId),
                null,
                retryOf == null || retryOf.isNull() ? null : retryOf.asText(),
                n8nMode(mode),
                Long.toString(failed.id()));
        // Its own thread: the failed run's thread is done with that run and must not wait for another.
        Thread.ofVirtual().name("nlink-error-workflow").start(() -> {
            try {
                service.dispatch(handler.get(), trigger, List.of(item), WorkflowService.Mode.ERROR);
            } catch (Exception e) {
                LOG.warn(
                        "workflow {}: its error workflow {} could not run: {}",
                        failed.id(),
                        handler.get().id(),
                        Visible.inLog(String.valueOf(e.getMessage())));
            } catch (Throwable e) {
                LOG.error(
                        "workflow {}: its error workflow {} failed to start",
                        failed.id(),
                        handler.get().id(),
                        e);
            }
        });
    }

    /** n8n's name for how a run started, as its error item says it: schedules start in "trigger" mode. */
    private static String n8nMode(WorkflowService.Mode mode) {
        return mode == WorkflowService.Mode.SCHEDULE ? "trigger" : mode.id();
    }
}
