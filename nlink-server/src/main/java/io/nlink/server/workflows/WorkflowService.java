package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.server.db.Database;
import io.nlink.server.http.ApiException;
import io.nlink.workflow.Execution;
import io.nlink.workflow.InvalidWorkflowException;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.WorkflowEngine;
import io.nlink.workflow.WorkflowParser;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * Stored workflows and their executions. Every run — by hand, through the API, a webhook or the
 * schedule — goes through {@link #run}, which records the execution and prunes old ones by the
 * configured policy (age and count).
 */
public final class WorkflowService {
    /** How a run was started, as the executions list shows it. */
    public enum Mode {
        MANUAL, WEBHOOK, SCHEDULE;

        String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A stored workflow. */
    public record Stored(long id, String name, boolean active, Instant createdAt, Instant updatedAt, String createdBy, Workflow workflow, JsonNode definition) {}

    /** What the executions list shows of one run. */
    public record Summary(long id, long workflowId, String workflowName, String mode, String status, Instant startedAt, Instant finishedAt, String error, String errorNode) {}

    private final Database db;
    private final WorkflowEngine engine;
    private final Duration keepFor;
    private final int keepAtMost;
    /** Told when a workflow's activation or definition changes, so triggers follow. */
    private volatile Runnable onChange = () -> {};

    public WorkflowService(Database db, WorkflowEngine engine, Duration keepFor, int keepAtMost) {
        this.db = db;
        this.engine = engine;
        this.keepFor = keepFor;
        this.keepAtMost = keepAtMost;
    }

    void onChange(Runnable listener) {
        this.onChange = listener;
    }

    /** Checks a definition; the API answers 422 with every problem. */
    public static Workflow parse(JsonNode definition) {
        try {
            return WorkflowParser.parse("workflow", definition);
        } catch (InvalidWorkflowException e) {
            throw new ApiException(422, "the workflow cannot run: " + e.problems().get(0)
                    + (e.problems().size() > 1 ? " (and " + (e.problems().size() - 1) + " more)" : ""), e.problems());
        }
    }

    public Stored create(JsonNode definition, String by) throws SQLException {
        Workflow workflow = parse(definition);
        Instant now = Instant.now();
        long id = db.transaction(c -> Database.insert(c,
                "INSERT INTO workflows (name, definition, active, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                truncate(workflow.name()), Json.write(definition), false, utc(now), utc(now), by));
        return require(id);
    }

    public Stored update(long id, JsonNode definition) throws SQLException {
        require(id);
        Workflow workflow = parse(definition);
        db.update("UPDATE workflows SET name = ?, definition = ?, updated_at = ? WHERE id = ?", truncate(workflow.name()), Json.write(definition), Instant.now(), id);
        onChange.run();
        return require(id);
    }

    public void setActive(long id, boolean active) throws SQLException {
        require(id);
        db.update("UPDATE workflows SET active = ?, updated_at = ? WHERE id = ?", active, Instant.now(), id);
        onChange.run();
    }

    public void delete(long id) throws SQLException {
        if (db.update("DELETE FROM workflows WHERE id = ?", id) == 0) throw notFound(id);
        onChange.run();
    }

    public List<Stored> list() throws SQLException {
        return db.query(SELECT + " ORDER BY id", WorkflowService::stored);
    }

    public List<Stored> active() throws SQLException {
        return db.query(SELECT + " WHERE active = ? ORDER BY id", WorkflowService::stored, true);
    }

    public Optional<Stored> find(long id) throws SQLException {
        return db.queryOne(SELECT + " WHERE id = ?", WorkflowService::stored, id);
    }

    public Stored require(long id) throws SQLException {
        return find(id).orElseThrow(() -> notFound(id));
    }

    /** Runs a stored workflow from {@code trigger} with {@code items} and records the execution. */
    public Recorded run(Stored stored, String trigger, List<JsonNode> items, Mode mode) throws SQLException {
        Execution execution;
        try {
            execution = engine.run(stored.workflow(), trigger, items);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        ObjectNode record = execution.toJson();
        record.set("output", sample(execution.output()));
        record.put("outputItems", execution.output().size());
        // The definition that ran: the workflow may be edited later, its executions should still draw true.
        record.set("definition", stored.definition());
        long id = db.transaction(c -> Database.insert(c,
                "INSERT INTO executions (workflow_id, mode, status, started_at, finished_at, error, error_node, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                stored.id(), mode.id(), execution.status().id(), utc(execution.startedAt()), utc(execution.finishedAt()),
                execution.error() == null ? null : truncate(execution.error(), 4000), execution.errorNode(), Json.write(record)));
        prune();
        return new Recorded(id, execution);
    }

    /** @param id the execution's id in the store */
    public record Recorded(long id, Execution execution) {}

    public List<Summary> executions(Long workflowId, int limit) throws SQLException {
        String where = workflowId == null ? "" : " WHERE e.workflow_id = ?";
        Object[] args = workflowId == null ? new Object[0] : new Object[] {workflowId};
        return db.query("SELECT e.id, e.workflow_id, w.name, e.mode, e.status, e.started_at, e.finished_at, e.error, e.error_node"
                + " FROM executions e JOIN workflows w ON w.id = e.workflow_id" + where
                + " ORDER BY e.id DESC FETCH FIRST " + Math.max(1, Math.min(limit, 1000)) + " ROWS ONLY", r -> new Summary(
                r.getLong(1), r.getLong(2), r.getString(3), r.getString(4), r.getString(5), instant(r.getObject(6, OffsetDateTime.class)),
                instant(r.getObject(7, OffsetDateTime.class)), r.getString(8), r.getString(9)), args);
    }

    public ObjectNode execution(long id) throws SQLException {
        return db.queryOne("SELECT id, workflow_id, mode, record FROM executions WHERE id = ?", r -> {
            try {
                ObjectNode record = (ObjectNode) Json.parse(r.getString(4));
                record.put("id", r.getLong(1));
                record.put("workflowId", r.getLong(2));
                record.put("mode", r.getString(3));
                return record;
            } catch (IOException e) {
                throw new SQLException("executions.record is not JSON", e);
            }
        }, id).orElseThrow(() -> ApiException.notFound("no execution " + id + "; it may have been pruned"));
    }

    /** Drops executions older than the policy's age, then the oldest past its count. */
    void prune() throws SQLException {
        db.update("DELETE FROM executions WHERE started_at < ?", Instant.now().minus(keepFor));
        Optional<Long> cutoff = db.queryOne("SELECT id FROM executions ORDER BY id DESC OFFSET " + keepAtMost + " ROWS FETCH FIRST 1 ROWS ONLY", r -> r.getLong(1));
        if (cutoff.isPresent()) db.update("DELETE FROM executions WHERE id <= ?", cutoff.get());
    }

    private static ArrayNode sample(List<JsonNode> items) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        items.stream().limit(Execution.SAMPLE_ITEMS).forEach(out::add);
        return out;
    }

    private static final String SELECT = "SELECT id, name, active, created_at, updated_at, created_by, definition FROM workflows";

    private static Stored stored(java.sql.ResultSet r) throws SQLException {
        try {
            JsonNode definition = Json.parse(r.getString(7));
            return new Stored(r.getLong(1), r.getString(2), r.getBoolean(3), instant(r.getObject(4, OffsetDateTime.class)),
                    instant(r.getObject(5, OffsetDateTime.class)), r.getString(6), WorkflowParser.parse("workflow " + r.getLong(1), definition), definition);
        } catch (IOException | InvalidWorkflowException e) {
            throw new SQLException("workflow " + r.getLong(1) + " no longer parses: " + e.getMessage(), e);
        }
    }

    private static ApiException notFound(long id) {
        return ApiException.notFound("no workflow " + id);
    }

    private static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    private static String truncate(String s) {
        return truncate(s, 200);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
