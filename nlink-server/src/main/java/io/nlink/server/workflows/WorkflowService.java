package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.cluster.ClusterService;
import io.nlink.cluster.NlinkCluster;
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
 * schedule — goes through {@link #dispatch}: the cluster hands it to the member with a free
 * execution slot (this server when it is alone), where {@link #run} runs it, records the
 * execution and prunes old ones by the configured policy (age and count).
 *
 * <p>An execution is recorded when it starts, as {@code running} with its input, and completed
 * when it ends. One that never ends because its server or member died is marked {@code crashed}
 * (input kept) by the survivors when the member leaves the cluster ({@link #memberLeft}) and by
 * the server itself when it starts again ({@link #recoverInterrupted}).
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
    /** Where runs go: set once the cluster member is up ({@link #runOn}). */
    private volatile NlinkCluster cluster;

    /** When this server started: a running execution recorded earlier under its address is from a previous life. */
    private final Instant lifeStarted = Instant.now();

    /** The statuses of an execution under way, and of one cut off before it could finish. */
    private static final String RUNNING = "running";
    private static final String CRASHED = "crashed";

    /** The cluster service under which servers run each other's executions. */
    public static final String EXECUTIONS = "executions";

    public WorkflowService(Database db, WorkflowEngine engine, Duration keepFor, int keepAtMost) {
        this.db = db;
        this.engine = engine;
        this.keepFor = keepFor;
        this.keepAtMost = keepAtMost;
    }

    /** Told after a workflow's activation or definition changes (the server tells every member). */
    public void onChange(Runnable listener) {
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
     */
    public record Outcome(long id, Execution.Status status, String error, String errorNode, List<JsonNode> output, String member) {}

    /**
     * Runs a stored workflow on the member with a free execution slot and waits for it. When that
     * member leaves before it answers, the run starts again on another (at least once, never
     * lost: the dead member's record of it is marked crashed, the rerun's stands beside it).
     */
    public Outcome dispatch(Stored stored, String trigger, List<JsonNode> items, Mode mode) throws InterruptedException {
        NlinkCluster member = cluster;
        if (member == null) throw new IllegalStateException("the server's cluster member is not up yet");
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("workflowId", stored.id()).put("mode", mode.name());
        if (trigger != null) request.put("trigger", trigger);
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
            throw new ApiException(answer.path("status").asInt(500), answer.path("refused").asText());
        }
        List<JsonNode> output = new java.util.ArrayList<>();
        answer.path("output").forEach(output::add);
        return new Outcome(answer.path("id").asLong(), Execution.Status.valueOf(answer.path("status").asText().toUpperCase(java.util.Locale.ROOT)),
                text(answer, "error"), text(answer, "errorNode"), output, text(answer, "member"));
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
            Stored stored = require(request.path("workflowId").asLong());
            List<JsonNode> items = null;
            if (request.has("items")) {
                items = new java.util.ArrayList<>();
                request.get("items").forEach(items::add);
            }
            Recorded recorded = run(stored, text(request, "trigger"), items, Mode.valueOf(request.path("mode").asText()));
            Execution e = recorded.execution();
            answer.put("id", recorded.id()).put("status", e.status().id()).put("error", e.error()).put("errorNode", e.errorNode());
            answer.putArray("output").addAll(e.output());
            answer.put("member", memberAddress());
        } catch (ApiException e) {
            answer.put("refused", e.getMessage()).put("status", e.status());
        }
        return Json.writeBytes(answer);
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
        String member = memberAddress();
        Instant startedAt = Instant.now();
        ObjectNode started = Json.MAPPER.createObjectNode();
        started.put("workflow", stored.name());
        started.put("status", RUNNING);
        started.put("startedAt", startedAt.toString());
        started.put("trigger", trigger);
        if (items != null) {
            started.set("input", sample(items));
            started.put("inputItems", items.size());
        }
        started.putArray("nodes");
        // The definition that ran: the workflow may be edited later, its executions should still draw true.
        started.set("definition", stored.definition());
        started.put("member", member);
        long id = db.transaction(c -> Database.insert(c,
                "INSERT INTO executions (workflow_id, mode, status, started_at, record, member) VALUES (?, ?, ?, ?, ?, ?)",
                stored.id(), mode.id(), RUNNING, utc(startedAt), Json.write(started), member));
        Execution execution;
        try {
            execution = engine.run(stored.workflow(), trigger, items);
        } catch (IllegalArgumentException e) {
            db.update("DELETE FROM executions WHERE id = ?", id); // refused before it ran: no execution
            throw ApiException.badRequest(e.getMessage());
        } catch (RuntimeException | Error e) {
            try {
                markCrashed(id, started, "nLink failed while running this execution: " + e);
            } catch (SQLException notRecorded) {
                e.addSuppressed(notRecorded);
            }
            throw e;
        }
        ObjectNode record = execution.toJson();
        record.set("output", sample(execution.output()));
        record.put("outputItems", execution.output().size());
        record.set("definition", stored.definition());
        record.put("member", member);
        db.update("UPDATE executions SET status = ?, started_at = ?, finished_at = ?, error = ?, error_node = ?, record = ? WHERE id = ?",
                execution.status().id(), utc(execution.startedAt()), utc(execution.finishedAt()),
                execution.error() == null ? null : truncate(execution.error(), 4000), execution.errorNode(), Json.write(record), id);
        prune();
        return new Recorded(id, execution);
    }

    /**
     * At start: marks crashed the executions left running by this server's previous life (same
     * address, started before this one) or by members that are not in the cluster any more.
     *
     * @param liveMembers the addresses of the cluster's members now, this one included
     * @return how many were marked
     */
    public int recoverInterrupted(java.util.Collection<String> liveMembers) throws SQLException {
        String me = memberAddress();
        int marked = 0;
        for (RunningRow row : running()) {
            boolean mine = row.member() == null || row.member().equals(me);
            boolean cutOff = mine ? row.startedAt().isBefore(lifeStarted) : !liveMembers.contains(row.member());
            if (!cutOff) continue;
            String why = mine
                    ? "the server stopped before this execution finished"
                    : "member " + row.member() + " left the cluster before this execution finished";
            if (markCrashed(row, why)) marked++;
        }
        return marked;
    }

    /** A member left the cluster (stopped, or lost): its running executions are marked crashed. */
    public int memberLeft(String member) throws SQLException {
        int marked = 0;
        for (RunningRow row : running()) {
            if (member.equals(row.member()) && markCrashed(row, "member " + member + " left the cluster before this execution finished")) marked++;
        }
        return marked;
    }

    private record RunningRow(long id, String member, Instant startedAt, String record) {}

    private List<RunningRow> running() throws SQLException {
        return db.query("SELECT id, member, started_at, record FROM executions WHERE status = ?",
                r -> new RunningRow(r.getLong(1), r.getString(2), instant(r.getObject(3, OffsetDateTime.class)), r.getString(4)), RUNNING);
    }

    private boolean markCrashed(RunningRow row, String why) throws SQLException {
        ObjectNode record;
        try {
            record = (ObjectNode) Json.parse(row.record());
        } catch (IOException | ClassCastException e) {
            record = Json.MAPPER.createObjectNode();
        }
        return markCrashed(row.id(), record, why);
    }

    /** Only a row still running changes: two members marking the same one leave one mark. */
    private boolean markCrashed(long id, ObjectNode record, String why) throws SQLException {
        Instant now = Instant.now();
        record.put("status", CRASHED);
        record.put("finishedAt", now.toString());
        record.put("error", why);
        return db.update("UPDATE executions SET status = ?, finished_at = ?, error = ?, record = ? WHERE id = ? AND status = ?",
                CRASHED, utc(now), truncate(why, 4000), Json.write(record), id, RUNNING) == 1;
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
