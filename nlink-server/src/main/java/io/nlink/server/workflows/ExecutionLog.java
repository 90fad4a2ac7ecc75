package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.Policy;
import io.nlink.server.db.Database;
import io.nlink.server.refusal.NotFound;
import io.nlink.server.workflows.WorkflowService.Filter;
import io.nlink.server.workflows.WorkflowService.Mode;
import io.nlink.server.workflows.WorkflowService.Stored;
import io.nlink.server.workflows.WorkflowService.Summary;
import io.nlink.workflow.Execution;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The executions table: a run's record from its start ({@code queued} or {@code running}, with
 * its input) to its end, the list and the record the API shows, and the pruning policy (age and
 * count). Every change of an unfinished record is conditional on its status, so of two members
 * ending or taking up the same run one wins.
 */
final class ExecutionLog implements AutoCloseable {
    /** The statuses of an accepted call waiting to run, of a run under way, and of one cut off before it could finish. */
    static final String QUEUED = "queued";

    static final String RUNNING = "running";
    static final String CRASHED = "crashed";

    private final Database db;
    private final Duration keepFor;
    private final int keepAtMost;
    /** Writes how runs ended, off the threads that ran them. */
    private final ExecutionRecorder recorder;

    ExecutionLog(Database db, Duration keepFor, int keepAtMost) {
        this.db = db;
        this.keepFor = keepFor;
        this.keepAtMost = keepAtMost;
        this.recorder = new ExecutionRecorder(db, this::prune);
    }

    /** The record of a run from its start: what triggered it, its input, the definition and the member. */
    static ObjectNode startRecord(
            Stored stored, String trigger, List<JsonNode> items, String status, Instant at, String member) {
        ObjectNode record = Json.MAPPER.createObjectNode();
        record.put("workflow", stored.name());
        record.put("status", status);
        record.put("startedAt", at.toString());
        record.put("trigger", trigger);
        if (items != null) {
            record.set("input", sample(items));
            record.put("inputItems", items.size());
        }
        record.putArray("nodes");
        // The definition that ran: the workflow may be edited later, its executions should still draw true.
        record.set("definition", stored.definition());
        record.put("member", member);
        return record;
    }

    /** The first items of a run's input or output, as many as a record keeps. */
    static ArrayNode sample(List<JsonNode> items) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        items.stream().limit(Execution.SAMPLE_ITEMS).forEach(out::add);
        return out;
    }

    /** Inserts the record of a run not finished yet (its status is the record's); returns its id. */
    long insertUnfinished(Stored stored, Mode mode, ObjectNode record, Instant at, String member) throws SQLException {
        return db.transaction(c -> Database.insert(
                c,
                "INSERT INTO executions (workflow_id, mode, status, started_at, record, member) VALUES (?, ?, ?, ?, ?, ?)",
                stored.id(),
                mode.id(),
                record.get("status").asText(),
                Sql.utc(at),
                Json.write(record),
                member));
    }

    /** Execution {@code id}, still unfinished, becomes {@code started} (running on {@code member}); false when it is gone or ended. */
    boolean takeOver(long id, ObjectNode started, Instant startedAt, String member) throws SQLException {
        return db.update(
                        "UPDATE executions SET status = ?, started_at = ?, member = ?, record = ? WHERE id = ? AND status IN (?, ?)",
                        RUNNING,
                        Sql.utc(startedAt),
                        member,
                        Json.write(started),
                        id,
                        QUEUED,
                        RUNNING)
                == 1;
    }

    /** The execution that execution {@code id}'s record says it retries, if any. */
    Optional<Long> retryOf(long id) throws SQLException {
        return db.queryOne("SELECT record FROM executions WHERE id = ?", r -> r.getString(1), id)
                .flatMap(ExecutionLog::retryOf);
    }

    private static Optional<Long> retryOf(String recordJson) {
        try {
            JsonNode retryOf = Json.parse(recordJson).path("retryOf");
            return retryOf.canConvertToLong() ? Optional.of(retryOf.asLong()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A run refused before it ran leaves no execution. */
    void delete(long id) throws SQLException {
        db.update("DELETE FROM executions WHERE id = ?", id);
    }

    /** An accepted call refused after all (the run queue is full): its record goes. */
    void forget(long id) throws SQLException {
        db.update("DELETE FROM executions WHERE id = ? AND status = ?", id, QUEUED);
    }

    /**
     * Records how a run ended: through the recorder, off the caller's thread, when {@code later};
     * else before this returns.
     */
    void finished(ExecutionRecorder.Finished finished, boolean later) throws SQLException {
        if (later) {
            recorder.finished(finished);
            return;
        }
        db.update(
                "UPDATE executions SET status = ?, started_at = ?, finished_at = ?, error = ?, error_node = ?, record = ? WHERE id = ?",
                finished.status(),
                Sql.utc(finished.startedAt()),
                Sql.utc(finished.finishedAt()),
                finished.error(),
                finished.errorNode(),
                finished.record(),
                finished.id());
        recorder.written();
    }

    /** Only a row still unfinished changes: two members marking the same one leave one mark. */
    boolean markCrashed(long id, ObjectNode record, String why) throws SQLException {
        Instant now = Instant.now();
        record.put("status", CRASHED);
        record.put("finishedAt", now.toString());
        record.put("error", why);
        return db.update(
                        "UPDATE executions SET status = ?, finished_at = ?, error = ?, record = ? WHERE id = ? AND status IN (?, ?)",
                        CRASHED,
                        Sql.utc(now),
                        Sql.truncate(why, 4000),
                        Json.write(record),
                        id,
                        QUEUED,
                        RUNNING)
                == 1;
    }

    /** A started run that never ran (refused, or no member could take it), still unfinished, ends as an error saying why. */
    void markRefused(long id, String why) throws SQLException, IOException {
        Optional<String> json = db.queryOne("SELECT record FROM executions WHERE id = ?", r -> r.getString(1), id);
        Optional<ObjectNode> record =
                json.isPresent() && Json.parse(json.get()) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
        if (record.isEmpty()) return;
        Instant now = Instant.now();
        record.get().put("status", "error").put("finishedAt", now.toString()).put("error", why);
        db.update(
                "UPDATE executions SET status = ?, finished_at = ?, error = ?, record = ? WHERE id = ? AND status IN (?, ?)",
                "error",
                Sql.utc(now),
                Sql.truncate(why, 4000),
                Json.write(record.get()),
                id,
                QUEUED,
                RUNNING);
    }

    /** A run recorded as queued or running, as crash recovery reads it. */
    record Unfinished(long id, long workflowId, String status, String member, Instant startedAt, ObjectNode record) {
        boolean acknowledged() {
            return record.path("acknowledged").asBoolean(false);
        }
    }

    List<Unfinished> unfinished() throws SQLException {
        recorder.flush(); // a run that ended here is not unfinished
        return db.query(
                "SELECT id, workflow_id, status, member, started_at, record FROM executions WHERE status IN (?, ?)",
                r -> {
                    ObjectNode record;
                    try {
                        record =
                                Json.parse(r.getString(6)) instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode();
                    } catch (IOException e) {
                        record = Json.MAPPER.createObjectNode();
                    }
                    return new Unfinished(
                            r.getLong(1),
                            r.getLong(2),
                            r.getString(3),
                            r.getString(4),
                            Sql.instant(r.getObject(5, OffsetDateTime.class)),
                            record);
                },
                QUEUED,
                RUNNING);
    }

    /** {@code row}, unchanged since it was read, becomes queued on {@code member} with {@code record}; false when another took it first. */
    boolean claim(Unfinished row, String member, ObjectNode record) throws SQLException {
        return db.update(
                        "UPDATE executions SET status = ?, member = ?, record = ? WHERE id = ? AND status = ? AND member IS NOT DISTINCT FROM ?",
                        QUEUED,
                        member,
                        Json.write(record),
                        row.id(),
                        row.status(),
                        row.member())
                == 1;
    }

    /** The newest executions of the workflows in {@code scope} that {@code filter} lets through, at most {@code limit}. */
    List<Summary> executions(Policy.Scope scope, Filter filter, int limit) throws SQLException {
        recorder.flush();
        StringBuilder condition = new StringBuilder("1 = 1");
        List<Object> args = new ArrayList<>();
        if (filter.workflowId() != null) {
            condition.append(" AND w.id = ?");
            args.add(filter.workflowId());
        }
        if (filter.status() != null) {
            condition.append(" AND e.status = ?");
            args.add(filter.status());
        }
        if (filter.mode() != null) {
            condition.append(" AND e.mode = ?");
            args.add(filter.mode());
        }
        if (filter.from() != null) {
            condition.append(" AND e.started_at >= ?");
            args.add(Sql.utc(filter.from()));
        }
        if (filter.to() != null) {
            condition.append(" AND e.started_at < ?");
            args.add(Sql.utc(filter.to()));
        }
        if (filter.before() != null) {
            condition.append(" AND e.id < ?");
            args.add(filter.before());
        }
        Policy.Scope.Where where = WorkflowStore.scoped(scope, condition.toString(), args.toArray());
        return db.query(
                "SELECT e.id, e.workflow_id, w.name, e.mode, e.status, e.started_at, e.finished_at, e.error, e.error_node"
                        + " FROM executions e JOIN workflows w ON w.id = e.workflow_id WHERE " + where.sql()
                        + " ORDER BY e.id DESC FETCH FIRST " + Math.max(1, Math.min(limit, WorkflowService.MAX_PAGE))
                        + " ROWS ONLY",
                r -> new Summary(
                        r.getLong(1),
                        r.getLong(2),
                        r.getString(3),
                        r.getString(4),
                        r.getString(5),
                        Sql.instant(r.getObject(6, OffsetDateTime.class)),
                        Sql.instant(r.getObject(7, OffsetDateTime.class)),
                        r.getString(8),
                        r.getString(9)),
                where.args());
    }

    /** One execution of a workflow in {@code scope}; else 404, as for one that does not exist. */
    ObjectNode execution(Policy.Scope scope, long id) throws SQLException {
        recorder.flush();
        Policy.Scope.Where where = WorkflowStore.scoped(scope, "w.id = e.workflow_id AND e.id = ?", id);
        return db.queryOne(
                        "SELECT e.id, e.workflow_id, e.mode, e.record FROM executions e JOIN workflows w ON "
                                + where.sql(),
                        r -> {
                            try {
                                ObjectNode record = (ObjectNode) Json.parse(r.getString(4));
                                record.put("id", r.getLong(1));
                                record.put("workflowId", r.getLong(2));
                                record.put("mode", r.getString(3));
                                return record;
                            } catch (IOException e) {
                                throw new SQLException("executions.record is not JSON", e);
                            }
                        },
                        where.args())
                .orElseThrow(() -> new NotFound("no execution " + id + "; it may have been pruned"));
    }

    /**
     * Drops executions older than the policy's age, then the oldest past its count. Run by the
     * recorder at most once a second while runs finish, and before executions are read.
     */
    void prune() throws SQLException {
        // Only ended runs: a run still queued or running (a Wait can pause it for minutes while
        // thousands of newer runs end) keeps its row, or its outcome would have nowhere to go.
        db.update(
                "DELETE FROM executions WHERE started_at < ? AND status NOT IN (?, ?)",
                Instant.now().minus(keepFor),
                QUEUED,
                RUNNING);
        Optional<Long> cutoff = db.queryOne(
                "SELECT id FROM executions ORDER BY id DESC OFFSET " + keepAtMost + " ROWS FETCH FIRST 1 ROWS ONLY",
                r -> r.getLong(1));
        if (cutoff.isPresent()) {
            db.update("DELETE FROM executions WHERE id <= ? AND status NOT IN (?, ?)", cutoff.get(), QUEUED, RUNNING);
        }
    }

    /** Writes every record still queued; before the database closes. */
    @Override
    public void close() {
        recorder.close();
    }
}
