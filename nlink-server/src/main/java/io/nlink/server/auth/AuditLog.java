package io.nlink.server.auth;

import io.nlink.server.db.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who did what, from where (table {@code audit_log}): sign-ins and failed sign-ins, account
 * management, node installs and removals, workflow deletions, credentials created, changed,
 * tested and deleted (named by id and name, never their data), sharing and transfers. An entry
 * recording a change to the database is written in that change's transaction ({@link
 * #record(Connection, Action, Principal, String, String, String)}): both are kept, or neither. The owner and admins read it
 * through {@code GET /api/audit}, newest first. Bounded like executions: entries older than
 * {@link #KEEP_FOR} go, and past {@link #KEEP_AT_MOST} the oldest go; failed sign-ins have a bound
 * of their own ({@link #KEEP_FAILED_SIGN_INS_AT_MOST}), so a flood of wrong passwords cannot push
 * the rest of the log out. Thread-safe.
 */
public final class AuditLog {
    /** What an entry records. The id is what the table and the API carry. */
    public enum Action {
        SIGN_IN("sign-in"),
        SIGN_IN_FAILED("sign-in-failed"),
        OWNER_CREATED("owner-created"),
        USER_CREATED("user-created"),
        ROLE_CHANGED("role-changed"),
        USER_DISABLED("user-disabled"),
        USER_ENABLED("user-enabled"),
        USER_REMOVED("user-removed"),
        PASSWORD_RESET_LINK("password-reset-link"),
        PASSWORD_RESET("password-reset"),
        PASSWORD_CHANGED("password-changed"),
        NODE_INSTALLED("node-installed"),
        NODE_REMOVED("node-removed"),
        WORKFLOW_DELETED("workflow-deleted"),
        WORKFLOW_SHARED("workflow-shared"),
        WORKFLOW_TRANSFERRED("workflow-transferred"),
        CREDENTIAL_CREATED("credential-created"),
        CREDENTIAL_CHANGED("credential-changed"),
        CREDENTIAL_DELETED("credential-deleted"),
        CREDENTIAL_TESTED("credential-tested"),
        CREDENTIAL_SHARED("credential-shared"),
        CREDENTIAL_TRANSFERRED("credential-transferred");

        private final String id;

        Action(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /**
     * One entry.
     *
     * @param actor   the account's name when it acted, or null (a failed sign-in: {@code target} is the name tried)
     * @param target  what was acted on: an account's name, {@code node@version}, a workflow's id and name
     * @param address the client's address as the server saw it
     */
    public record Entry(
            long id,
            Instant at,
            String action,
            Long actorId,
            String actor,
            String target,
            String address,
            String detail) {}

    /** A page of entries, newest first, and the id to pass as {@code before} for the next, or null at the end. */
    public record Page(List<Entry> entries, Long nextBefore) {}

    public static final Duration KEEP_FOR = Duration.ofDays(180);
    public static final int KEEP_AT_MOST = 100_000;
    public static final int KEEP_FAILED_SIGN_INS_AT_MOST = 20_000;
    public static final int MAX_PAGE = 500;
    /** Old entries are swept every this many entries written (and at start). */
    private static final int PRUNE_EVERY = 256;

    private final Database db;
    private final Duration keepFor;
    private final int keepAtMost;
    private final int keepFailedSignInsAtMost;
    private final AtomicLong written = new AtomicLong();

    public AuditLog(Database db) throws SQLException {
        this(db, KEEP_FOR, KEEP_AT_MOST, KEEP_FAILED_SIGN_INS_AT_MOST);
    }

    /** With other bounds; for tests. */
    AuditLog(Database db, Duration keepFor, int keepAtMost, int keepFailedSignInsAtMost) throws SQLException {
        this.db = db;
        this.keepFor = keepFor;
        this.keepAtMost = keepAtMost;
        this.keepFailedSignInsAtMost = keepFailedSignInsAtMost;
        prune();
    }

    /**
     * Records, on its own, that {@code actor} (null: nobody signed in) did {@code action} to
     * {@code target} from {@code address}: for what changed nothing in the database (a failed
     * sign-in). A change to the database is recorded in its own transaction instead.
     */
    public void record(Action action, Principal actor, String target, String address, String detail)
            throws SQLException {
        db.transaction(c -> {
            record(c, action, actor, target, address, detail);
            return null;
        });
    }

    /** As {@link #record(Action, Principal, String, String, String)}, for an actor known by id and name. */
    void record(Action action, Long actorId, String actor, String target, String address, String detail)
            throws SQLException {
        db.transaction(c -> {
            record(c, action, actorId, actor, target, address, detail);
            return null;
        });
    }

    /** Records {@code action} on {@code c}, in the transaction of the change it records: if that rolls back, so does the entry. */
    public void record(Connection c, Action action, Principal actor, String target, String address, String detail)
            throws SQLException {
        record(
                c,
                action,
                actor == null ? null : actor.userId(),
                actor == null ? null : actor.username(),
                target,
                address,
                detail);
    }

    void record(Connection c, Action action, Long actorId, String actor, String target, String address, String detail)
            throws SQLException {
        Database.update(
                c,
                "INSERT INTO audit_log (at, action, actor_id, actor, target, address, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                Instant.now(),
                action.id(),
                actorId,
                actor,
                cut(target, 300),
                cut(address, 100),
                cut(detail, 500));
        if (written.incrementAndGet() % PRUNE_EVERY == 0) prune(c);
    }

    /**
     * Writes entries of one action by one actor, on the connection of a change made elsewhere
     * (a store that knows what it changed only inside its transaction: a node's name and version).
     */
    @FunctionalInterface
    public interface Recorder {
        void record(Connection c, String target, String detail) throws SQLException;
    }

    /** A {@link Recorder} of {@code action} by {@code actor} from {@code address}. */
    public Recorder recorder(Action action, Principal actor, String address) {
        return (c, target, detail) -> record(c, action, actor, target, address, detail);
    }

    /**
     * Entries older than {@code before} (an entry id; null: the newest), newest first.
     *
     * @param limit 1..{@value #MAX_PAGE}
     */
    public Page page(Long before, int limit) throws SQLException {
        if (limit < 1 || limit > MAX_PAGE)
            throw new IllegalArgumentException("limit must be 1.." + MAX_PAGE + ", got " + limit);
        List<Entry> rows = db.query(
                "SELECT id, at, action, actor_id, actor, target, address, detail FROM audit_log WHERE id < ? ORDER BY id DESC"
                        + " FETCH FIRST " + (limit + 1) + " ROWS ONLY",
                r -> new Entry(
                        r.getLong(1),
                        r.getObject(2, OffsetDateTime.class).toInstant(),
                        r.getString(3),
                        r.getObject(4) == null ? null : r.getLong(4),
                        r.getString(5),
                        r.getString(6),
                        r.getString(7),
                        r.getString(8)),
                before == null ? Long.MAX_VALUE : before);
        if (rows.size() <= limit) return new Page(rows, null);
        List<Entry> page = rows.subList(0, limit);
        return new Page(List.copyOf(page), page.get(limit - 1).id());
    }

    /** Applies the bounds: by age, failed sign-ins by count, then everything by count. */
    void prune() throws SQLException {
        db.transaction(c -> {
            prune(c);
            return null;
        });
    }

    private void prune(Connection c) throws SQLException {
        Database.update(
                c,
                "DELETE FROM audit_log WHERE at < ?",
                OffsetDateTime.now(ZoneOffset.UTC).minus(keepFor));
        pruneBeyond(c, keepFailedSignInsAtMost, " WHERE action = '" + Action.SIGN_IN_FAILED.id() + "'");
        pruneBeyond(c, keepAtMost, "");
    }

    /** Deletes what is older than the newest {@code keep} entries of those {@code where} selects. */
    private static void pruneBeyond(Connection c, int keep, String where) throws SQLException {
        List<Long> oldestKept = Database.query(
                c,
                "SELECT id FROM audit_log" + where + " ORDER BY id DESC OFFSET " + (keep - 1)
                        + " ROWS FETCH FIRST 1 ROWS ONLY",
                r -> r.getLong(1));
        if (!oldestKept.isEmpty()) {
            Database.update(
                    c,
                    "DELETE FROM audit_log" + (where.isEmpty() ? " WHERE" : where + " AND") + " id < ?",
                    oldestKept.get(0));
        }
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
