package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.server.workflows.ExecutionLog.Unfinished;
import io.nlink.server.workflows.WorkflowService.Stored;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;

/**
 * Takes up what a dead server or member left unfinished: an acknowledged webhook call is run
 * again, any other run is marked {@code crashed} with its input kept. Claims and marks are
 * conditional updates, so of several members taking up the same execution one wins.
 */
final class CrashRecovery {
    private final Membership membership;
    private final ExecutionLog log;
    private final WorkflowStore store;
    private final StartedRuns runs;

    /** When this server started: a running execution recorded earlier under its address is from a previous life. */
    private final Instant lifeStarted = Instant.now();

    CrashRecovery(Membership membership, ExecutionLog log, WorkflowStore store, StartedRuns runs) {
        this.membership = membership;
        this.log = log;
        this.store = store;
        this.runs = runs;
    }

    /** At start: what this server's previous life or departed members left unfinished; returns how many were taken up. */
    int recoverInterrupted(Predicate<Runnable> submit) throws SQLException {
        List<String> liveMembers = membership.liveMembers();
        String me = membership.address();
        int taken = 0;
        for (Unfinished row : log.unfinished()) {
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
    int memberLeft(String member, Predicate<Runnable> submit) throws SQLException {
        List<String> live = membership.liveMembers();
        int taken = 0;
        for (Unfinished row : log.unfinished()) {
            if (member.equals(row.member())
                    && takeUp(
                            row, "member " + member + " left the cluster before this execution finished", live, submit))
                taken++;
        }
        return taken;
    }

    /**
     * An execution whose member is gone: an accepted call is claimed by this member and run again,
     * unless the server that accepted it is alive and will retry it itself; any other is marked crashed.
     */
    private boolean takeUp(Unfinished row, String why, Collection<String> liveMembers, Predicate<Runnable> submit)
            throws SQLException {
        if (!row.acknowledged()) return log.markCrashed(row.id(), row.record(), why);
        if (retriedByReceiver(row, liveMembers)) return false;
        String me = membership.address();
        ObjectNode record = row.record()
                .deepCopy()
                .put("status", ExecutionLog.QUEUED)
                .put("member", me)
                .put("receiver", me)
                .put("resumed", why + "; run again on " + me);
        if (!log.claim(row, me, record)) return false;
        Stored stored = store.find(row.workflowId()).orElse(null);
        JsonNode item = row.record().path("input").path(0);
        if (stored == null || item.isMissingNode())
            return log.markCrashed(
                    row.id(), row.record(), why + "; it cannot run again (its workflow or input is gone)");
        String trigger = row.record().path("trigger").asText(null);
        if (!submit.test(() -> runs.runAccepted(row.id(), stored, trigger, item))) {
            return log.markCrashed(row.id(), row.record(), why + "; the run queue was full, so it was not run again");
        }
        return true;
    }

    /**
     * Whether the server that accepted this call is alive and still dispatching it (in this life):
     * its dispatch sends the run to another member by itself when the running one dies.
     */
    private boolean retriedByReceiver(Unfinished row, Collection<String> liveMembers) {
        String receiver = row.record().path("receiver").asText(null);
        if (!ExecutionLog.RUNNING.equals(row.status())
                || receiver == null
                || receiver.equals(row.member())
                || !liveMembers.contains(receiver)) return false;
        return !receiver.equals(membership.address()) || !row.startedAt().isBefore(lifeStarted);
    }
}
