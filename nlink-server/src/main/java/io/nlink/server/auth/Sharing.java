package io.nlink.server.auth;

import io.nlink.server.db.Database;
import io.nlink.server.refusal.BadInput;
import io.nlink.server.refusal.NotFound;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who a workflow or a credential is shared with, and handing one to another account (tables
 * {@code workflow_shares}, {@code credential_shares}, schema V9). Who may do this is decided by
 * {@link Policy} before a call gets here, and again under the item's row lock; this keeps the
 * rows and writes the audit entry in the same transaction as the change.
 */
public final class Sharing {
    /** What can be shared: its table, its shares' table, and what the audit log calls a share and a transfer. */
    public enum Kind {
        WORKFLOW(
                "workflow",
                "workflows",
                "workflow_shares",
                "workflow_id",
                AuditLog.Action.WORKFLOW_SHARED,
                AuditLog.Action.WORKFLOW_TRANSFERRED),
        CREDENTIAL(
                "credential",
                "credentials",
                "credential_shares",
                "credential_id",
                AuditLog.Action.CREDENTIAL_SHARED,
                AuditLog.Action.CREDENTIAL_TRANSFERRED);

        private final String noun;
        private final String table;
        private final String shares;
        private final String column;
        private final AuditLog.Action shared;
        private final AuditLog.Action transferred;

        Kind(
                String noun,
                String table,
                String shares,
                String column,
                AuditLog.Action shared,
                AuditLog.Action transferred) {
            this.noun = noun;
            this.table = table;
            this.shares = shares;
            this.column = column;
            this.shared = shared;
            this.transferred = transferred;
        }
    }

    /** An account something is shared with. */
    public record Sharee(long id, String username, Instant sharedAt) {}

    /** Who owns something, and who it is shared with (by name). */
    public record Shares(long ownerId, String owner, List<Sharee> sharedWith) {}

    /** At most this many accounts per workflow or credential: a share list is a team, not a directory. */
    public static final int MAX_SHAREES = 100;

    /** A check a transfer makes of the account about to receive (a workflow's credentials): throws to refuse. */
    @FunctionalInterface
    public interface RecipientCheck {
        void check(long recipientId) throws SQLException;
    }

    private final Database db;
    private final AuditLog audit;

    public Sharing(Database db, AuditLog audit) {
        this.db = db;
        this.audit = audit;
    }

    /** Who owns {@code id} of {@code kind} and who it is shared with; the caller has checked it may see it. */
    public Shares shares(Kind kind, Object id) throws SQLException {
        return db.transaction(c -> shares(c, kind, id));
    }

    /**
     * Makes {@code id} shared with exactly the accounts named {@code usernames} (an empty list takes
     * every share back), and records what changed. A sharee kept keeps its date.
     *
     * @param label what the audit entry names, such as {@code workflow 7 "Invoices"}
     */
    public Shares share(Principal actor, Kind kind, Object id, String label, List<String> usernames, String address)
            throws SQLException {
        Set<String> names = new LinkedHashSet<>(usernames);
        if (names.size() > MAX_SHAREES) throw new BadInput("users: share with at most " + MAX_SHAREES + " accounts");
        return db.transaction(c -> {
            Shares before = locked(c, actor, kind, id, "share");
            List<Long> wanted = new ArrayList<>();
            for (String name : names) {
                // The owner's own row is not locked (a rename of one of its credentials locks it first).
                if (name.equals(before.owner())) Policy.checkRecipient(name, false, true, false);
                Account account = account(c, name, "users");
                Policy.checkRecipient(
                        name,
                        account.disabled() && !before.sharedWith().stream().anyMatch(s -> s.id() == account.id()),
                        account.id() == before.ownerId(),
                        false);
                wanted.add(account.id());
            }
            Instant now = Instant.now();
            for (Sharee s : before.sharedWith()) {
                if (!wanted.contains(s.id())) {
                    Database.update(
                            c,
                            "DELETE FROM " + kind.shares + " WHERE " + kind.column + " = ? AND user_id = ?",
                            id,
                            s.id());
                }
            }
            for (long user : wanted) {
                if (before.sharedWith().stream().noneMatch(s -> s.id() == user)) {
                    Database.update(
                            c,
                            "INSERT INTO " + kind.shares + " (" + kind.column
                                    + ", user_id, shared_at) VALUES (?, ?, ?)",
                            id,
                            user,
                            now);
                }
            }
            Shares after = shares(c, kind, id);
            if (!names(before).equals(names(after))) {
                audit.record(
                        c,
                        kind.shared,
                        actor,
                        label,
                        address,
                        after.sharedWith().isEmpty()
                                ? "shared with nobody"
                                : "shared with " + String.join(", ", names(after)));
            }
            return after;
        });
    }

    /**
     * Hands {@code id} to the account named {@code username}: it becomes its owner, and the
     * previous owner keeps a share (view, edit and run a workflow; use a credential), so a
     * transfer takes nobody's work away unseen; the new owner may take that share back.
     */
    public Shares transfer(
            Principal actor, Kind kind, Object id, String label, String username, String address, RecipientCheck check)
            throws SQLException {
        return db.transaction(c -> {
            Shares before = locked(c, actor, kind, id, "transfer");
            if (before.owner().equals(username)) Policy.checkRecipient(username, false, true, true);
            Account to = account(c, username, "to");
            Policy.checkRecipient(username, to.disabled(), to.id() == before.ownerId(), true);
            check.check(to.id());
            Database.update(c, "UPDATE " + kind.table + " SET owner_id = ? WHERE id = ?", to.id(), id);
            Database.update(
                    c, "DELETE FROM " + kind.shares + " WHERE " + kind.column + " = ? AND user_id = ?", id, to.id());
            if (before.sharedWith().stream().noneMatch(s -> s.id() == before.ownerId())) {
                Database.update(
                        c,
                        "INSERT INTO " + kind.shares + " (" + kind.column + ", user_id, shared_at) VALUES (?, ?, ?)",
                        id,
                        before.ownerId(),
                        Instant.now());
            }
            audit.record(
                    c,
                    kind.transferred,
                    actor,
                    label,
                    address,
                    "from " + before.owner() + " to " + username + "; " + before.owner() + " keeps a share");
            return shares(c, kind, id);
        });
    }

    /**
     * Locks {@code id}'s row until the transaction ends, so shares and transfers of one item run
     * one after the other (two at once would each add the same share, or one would share what the
     * other just handed away), then checks with {@link Policy} that {@code actor} still may
     * {@code verb} it as it is now: the route checked before the lock.
     */
    private static Shares locked(Connection c, Principal actor, Kind kind, Object id, String verb) throws SQLException {
        if (Database.query(c, "SELECT id FROM " + kind.table + " WHERE id = ? FOR UPDATE", r -> 1, id)
                .isEmpty()) {
            throw new NotFound("no " + kind.noun + " " + id);
        }
        Shares before = shares(c, kind, id);
        Policy.checkManage(actor, before.ownerId(), verb + " " + kind.noun + " " + id);
        return before;
    }

    private record Account(long id, boolean disabled) {}

    /**
     * The account named {@code name}, its row locked until the transaction ends: an account being
     * removed meanwhile ({@link Accounts#remove}, which locks it too) is either gone when this
     * looks (400, as any unknown name) or stays until the share or transfer has committed, and its
     * removal then takes the new share along. Unlocked, the share's row could be written for an
     * account deleted a moment before (a foreign-key failure, 500) or, on H2, outlive it.
     */
    private static Account account(Connection c, String name, String field) throws SQLException {
        if (name == null || name.isBlank()) throw new BadInput(field + ": name an account");
        return Database.query(
                        c,
                        "SELECT id, disabled FROM users WHERE username = ? FOR UPDATE",
                        r -> new Account(r.getLong(1), r.getBoolean(2)),
                        name)
                .stream()
                .findFirst()
                .orElseThrow(
                        () -> new BadInput(field + ": there is no account named \"" + name + "\"; check the spelling"));
    }

    private static Shares shares(Connection c, Kind kind, Object id) throws SQLException {
        List<Object[]> owner = Database.query(
                c,
                "SELECT t.owner_id, u.username FROM " + kind.table
                        + " t JOIN users u ON u.id = t.owner_id WHERE t.id = ?",
                r -> new Object[] {r.getLong(1), r.getString(2)},
                id);
        if (owner.isEmpty()) throw new NotFound("no " + kind.noun + " " + id);
        List<Sharee> sharees = Database.query(
                c,
                "SELECT u.id, u.username, s.shared_at FROM " + kind.shares + " s JOIN users u ON u.id = s.user_id"
                        + " WHERE s." + kind.column + " = ? ORDER BY u.username",
                r -> new Sharee(
                        r.getLong(1),
                        r.getString(2),
                        r.getObject(3, OffsetDateTime.class).toInstant()),
                id);
        return new Shares((Long) owner.get(0)[0], (String) owner.get(0)[1], sharees);
    }

    private static List<String> names(Shares shares) {
        return shares.sharedWith().stream().map(Sharee::username).toList();
    }
}
