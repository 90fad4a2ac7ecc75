package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.AuditLog;
import io.nlink.server.auth.Policy;
import io.nlink.server.auth.Principal;
import io.nlink.server.credentials.CredentialStore;
import io.nlink.server.db.Database;
import io.nlink.server.refusal.NotFound;
import io.nlink.server.workflows.WorkflowService.Stored;
import io.nlink.workflow.InvalidWorkflowException;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.WorkflowParser;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workflows table: stored workflows read and written as {@link Stored}, each write checked
 * first ({@link WorkflowChecks}), and an active workflow's webhook routes held with it
 * ({@link WebhookRoutes}).
 */
final class WorkflowStore {
    private static final String SELECT =
            "SELECT w.id, w.name, w.active, w.created_at, w.updated_at, w.created_by, w.definition, w.owner_id, u.username"
                    + " FROM workflows w LEFT JOIN users u ON u.id = w.owner_id";

    private static final int MAX_PARSED = 1024;

    private final Database db;
    private final WorkflowChecks checks;
    private final CredentialStore credentials;
    private final WebhookRoutes routes;
    /** Told when a workflow's activation or definition changes, so triggers follow. */
    private volatile Runnable onChange = () -> {};

    /** A stored definition, parsed: reused while the text is the same, read-only for everyone who gets it. */
    private record Parsed(String text, JsonNode definition, Workflow workflow) {}

    /**
     * The last parsed definition of each workflow: a webhook call reads its workflow twice (to
     * dispatch, and to run), and parsing it was a tenth of a Set-only execution. The database
     * stays the truth: the cache answers only for the same text.
     */
    private final ConcurrentHashMap<Long, Parsed> parsed = new ConcurrentHashMap<>();

    WorkflowStore(Database db, CredentialStore credentials) {
        this.db = db;
        this.credentials = credentials;
        this.checks = new WorkflowChecks(credentials);
        this.routes = new WebhookRoutes(db);
    }

    WorkflowChecks checks() {
        return checks;
    }

    WebhookRoutes routes() {
        return routes;
    }

    void onChange(Runnable listener) {
        this.onChange = listener;
    }

    /** Stores a new workflow, inactive, as {@code owner}'s: whoever creates or imports it owns it. */
    Stored create(JsonNode definition, Principal owner) throws SQLException {
        Workflow workflow = checks.requireStorable(definition, owner.userId());
        Instant now = Instant.now();
        long id = db.transaction(c -> Database.insert(
                c,
                "INSERT INTO workflows (name, definition, active, created_at, updated_at, created_by, owner_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                Sql.truncate(workflow.name()),
                Json.write(definition),
                false,
                Sql.utc(now),
                Sql.utc(now),
                owner.username(),
                owner.userId()));
        return require(Policy.Scope.EVERYONE, id);
    }

    /**
     * Replaces a workflow's definition. An active workflow keeps listening, so its new webhooks
     * are checked and claimed as on activation, in the same transaction.
     */
    Stored update(Principal editor, Policy.Scope scope, long id, JsonNode definition) throws SQLException {
        Stored before = require(scope, id);
        Workflow workflow = checks.requireStorable(definition, before.ownerId());
        WorkflowChecks.refuse(credentials.notUsableBy(editor, workflow, before.workflow(), before.ownerId()));
        if (before.active()) WorkflowChecks.requireSchedulable(workflow);
        List<WebhookSettings> hooks = before.active() ? WorkflowChecks.servableWebhooks(workflow) : List.of();
        db.transaction(c -> {
            Database.update(
                    c,
                    "UPDATE workflows SET name = ?, definition = ?, updated_at = ? WHERE id = ?",
                    Sql.truncate(workflow.name()),
                    Json.write(definition),
                    Instant.now(),
                    id);
            if (before.active()) WebhookRoutes.hold(c, scope, id, hooks);
            return null;
        });
        onChange.run();
        return require(scope, id);
    }

    /** Turns a workflow's triggers on or off, its routes held or freed in the same transaction. */
    Stored setActive(Policy.Scope scope, long id, boolean active) throws SQLException {
        Stored stored = require(scope, id);
        // Shares may have been taken back since it was saved: activating says so now, not at the first trigger.
        if (active) checks.requireCredentials(stored.workflow(), stored.ownerId());
        if (active) WorkflowChecks.requireSchedulable(stored.workflow());
        List<WebhookSettings> hooks = active ? WorkflowChecks.servableWebhooks(stored.workflow()) : List.of();
        db.transaction(c -> {
            Database.update(
                    c, "UPDATE workflows SET active = ?, updated_at = ? WHERE id = ?", active, Instant.now(), id);
            WebhookRoutes.hold(c, scope, id, hooks);
            return null;
        });
        onChange.run();
        return require(scope, id);
    }

    /** Deletes a workflow in {@code scope} with its executions and shares; {@code deleted} records it in the same transaction. */
    void delete(Policy.Scope scope, long id, AuditLog.Recorder deleted) throws SQLException {
        Policy.Scope.Where where = scoped(scope, "w.id = ?", id);
        db.transaction(c -> {
            String name = Database.query(
                            c, "SELECT w.name FROM workflows w WHERE " + where.sql(), r -> r.getString(1), where.args())
                    .stream()
                    .findFirst()
                    .orElseThrow(() -> notFound(id));
            Database.update(c, "DELETE FROM workflows w WHERE " + where.sql(), where.args());
            deleted.record(c, "workflow " + id + " \"" + name + "\"", "with its executions");
            return null;
        });
        onChange.run();
    }

    List<Stored> list(Policy.Scope scope) throws SQLException {
        Policy.Scope.Where where = scoped(scope, "1 = 1");
        return db.query(SELECT + " WHERE " + where.sql() + " ORDER BY w.id", this::stored, where.args());
    }

    /** Every active workflow, whoever owns it, oldest first. */
    List<Stored> active() throws SQLException {
        return db.query(SELECT + " WHERE w.active = ? ORDER BY w.id", this::stored, true);
    }

    /** A workflow whoever owns it. */
    Optional<Stored> find(long id) throws SQLException {
        return db.queryOne(SELECT + " WHERE w.id = ?", this::stored, id);
    }

    /** The workflow {@code id} if it is in {@code scope}; else 404, the same answer as for one that does not exist. */
    Stored require(Policy.Scope scope, long id) throws SQLException {
        Policy.Scope.Where where = scoped(scope, "w.id = ?", id);
        return db.queryOne(SELECT + " WHERE " + where.sql(), this::stored, where.args())
                .orElseThrow(() -> notFound(id));
    }

    /** {@code condition} narrowed to the workflows in {@code scope} (Policy.Scope#where); the statement names the table {@code w}. */
    static Policy.Scope.Where scoped(Policy.Scope scope, String condition, Object... args) {
        return scope.where("w", "workflow_shares", "workflow_id", condition, args);
    }

    private Stored stored(ResultSet r) throws SQLException {
        long id = r.getLong(1);
        String text = r.getString(7);
        Parsed p = parsed.get(id);
        if (p == null || !p.text().equals(text)) {
            try {
                JsonNode definition = Json.parse(text);
                p = new Parsed(text, definition, WorkflowParser.parse("workflow " + id, definition));
            } catch (IOException | InvalidWorkflowException e) {
                throw new SQLException("workflow " + id + " no longer parses: " + e.getMessage(), e);
            }
            if (parsed.size() >= MAX_PARSED) parsed.clear(); // bounded; refilled by use
            parsed.put(id, p);
        }
        return new Stored(
                id,
                r.getString(2),
                r.getBoolean(3),
                Sql.instant(r.getObject(4, OffsetDateTime.class)),
                Sql.instant(r.getObject(5, OffsetDateTime.class)),
                r.getString(6),
                r.getObject(8, Long.class),
                r.getString(9),
                p.workflow(),
                p.definition());
    }

    private static NotFound notFound(long id) {
        return new NotFound("no workflow " + id);
    }
}
