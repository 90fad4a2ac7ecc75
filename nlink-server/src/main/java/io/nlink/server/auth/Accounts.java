package io.nlink.server.auth;

import io.nlink.server.db.Database;
import io.nlink.server.refusal.BadInput;
import io.nlink.server.refusal.Busy;
import io.nlink.server.refusal.Conflict;
import io.nlink.server.refusal.Forbidden;
import io.nlink.server.refusal.NotFound;
import io.nlink.server.refusal.NotSignedIn;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Accounts, dashboard sessions and API keys. Every secret handed out (cookie, API key, set-up
 * token) is 256 random bits and is stored only as its hash.
 */
public final class Accounts {
    private static final Pattern USERNAME = Pattern.compile("^[A-Za-z0-9_.@-]{1,64}$");
    private static final Pattern KEY_NAME = Pattern.compile("^[^\\p{Cntrl}]{1,100}$");
    private static final String API_KEY_PREFIX = "nlk_";

    private final Database db;
    private final Duration sessionTtl;
    private final LoginThrottle throttle = new LoginThrottle();
    private final AuditLog audit;
    private final Sharing sharing;
    /** The one-time owner set-up token; null once an owner exists. */
    private final AtomicReference<String> setupToken = new AtomicReference<>();

    /** A signed-in browser: the cookie value to set and who it is. */
    public record Session(String cookie, Principal principal, Instant expiresAt) {}

    public record User(long id, String username, Role role, Instant createdAt, boolean disabled) {}

    /**
     * A one-time password-reset link's secret, for an admin to hand over like the owner's set-up
     * link; {@code path} is where the dashboard redeems it.
     */
    public record ResetLink(String token, String path, Instant expiresAt) {}

    /** How long a password-reset link works: long enough to pass on, short enough not to linger. */
    public static final Duration RESET_TTL = Duration.ofHours(24);

    /** @param key the full key: shown once, at creation, never again */
    public record NewApiKey(long id, String name, String key, String prefix, Instant createdAt) {}

    public record ApiKey(long id, String name, String prefix, Instant createdAt, Instant lastUsedAt) {}

    public Accounts(Database db, Duration sessionTtl) throws SQLException {
        this.db = db;
        this.sessionTtl = sessionTtl;
        this.audit = new AuditLog(db);
        this.sharing = new Sharing(db, audit);
        if (!hasOwner()) {
            setupToken.set(Secrets.random());
        }
    }

    public boolean hasOwner() throws SQLException {
        return db.queryOne("SELECT COUNT(*) FROM users WHERE role = ?", r -> r.getLong(1), Role.OWNER.id())
                        .orElse(0L)
                > 0;
    }

    /** Who workflows and credentials are shared with, and their transfers. */
    public Sharing sharing() {
        return sharing;
    }

    /** Where sign-ins and account changes are recorded; the API records node and workflow changes there too. */
    public AuditLog audit() {
        return audit;
    }

    /**
     * The token the set-up link carries while no owner exists. Another server sharing the database
     * may have created the owner meanwhile: then this server's token is spent too. (Should the
     * database not answer, the token is shown; creating the owner with it stays refused.)
     */
    public Optional<String> setupToken() {
        String token = setupToken.get();
        try {
            if (token != null && hasOwner()) {
                setupToken.compareAndSet(token, null);
                return Optional.empty();
            }
        } catch (SQLException e) {
            // the check is for display; createOwner's claim is what decides
        }
        return Optional.ofNullable(token);
    }

    /**
     * Creates the owner account with the one-time token printed at start, and signs it in. The
     * token is spent by the first successful call; any later call is refused. Servers sharing one
     * database each print a token; the owner is claimed in the database (table owner_claim, one
     * row), so only the first of them to create it succeeds and the others answer 409.
     */
    public Session createOwner(String token, String username, String password, String address) throws SQLException {
        String expected = setupToken.get();
        if (expected == null) {
            throw new Conflict("the owner account already exists; sign in instead");
        }
        if (token == null || !java.security.MessageDigest.isEqual(expected.getBytes(), token.getBytes())) {
            throw new Forbidden("the set-up token is wrong; use the link the server printed when it started");
        }
        checkNew(username, password);
        if (!setupToken.compareAndSet(expected, null)) {
            throw new Conflict("the owner account already exists; sign in instead");
        }
        User owner;
        try {
            owner = insertOwner(username, password, address);
        } catch (SQLException e) {
            if (hasOwner())
                throw new Conflict(
                        "the owner account already exists (created through another server on this database); sign in instead");
            setupToken.compareAndSet(null, expected); // not spent: the database failed, the link may be used again
            throw e;
        }
        return newSession(owner);
    }

    /** The owner account and its claim, in one transaction: a second claim fails on owner_claim's key. */
    private User insertOwner(String username, String password, String address) throws SQLException {
        String hash = Passwords.hash(password);
        Instant now = Instant.now();
        return db.transaction(c -> {
            long id = Database.insert(
                    c,
                    "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                    username,
                    hash,
                    Role.OWNER.id(),
                    utc(now));
            Database.update(c, "INSERT INTO owner_claim (id, user_id) VALUES (1, ?)", id);
            // Workflows stored before ownership existed, on a server with no owner then (schema V4), are the owner's.
            Database.update(c, "UPDATE workflows SET owner_id = ? WHERE owner_id IS NULL", id);
            audit.record(c, AuditLog.Action.OWNER_CREATED, id, username, username, address, null);
            return Database.query(c, "SELECT " + USER_COLUMNS + " FROM users WHERE id = ?", Accounts::user, id)
                    .get(0);
        });
    }

    public User createUser(Principal actor, String username, String password, Role role, String address)
            throws SQLException {
        if (role == Role.OWNER) {
            throw new BadInput("there is one owner; give the new account the role admin or member");
        }
        checkNew(username, password);
        if (db.queryOne("SELECT id FROM users WHERE username = ?", r -> r.getLong(1), username)
                .isPresent()) {
            throw new Conflict("an account named \"" + username + "\" already exists");
        }
        return insertUser(username, password, role, c -> {
            audit.record(c, AuditLog.Action.USER_CREATED, actor, username, address, "role " + role.id());
            return null;
        });
    }

    public List<User> users() throws SQLException {
        return db.query("SELECT " + USER_COLUMNS + " FROM users ORDER BY id", Accounts::user);
    }

    /** The account {@code id} for {@code actor} to make {@code change} to: 404 when there is none, refused as {@link Policy} says. */
    private User target(Principal actor, long id, Policy.AccountChange change) throws SQLException {
        User target = db.queryOne("SELECT " + USER_COLUMNS + " FROM users WHERE id = ?", Accounts::user, id)
                .orElseThrow(() -> new NotFound("no account " + id));
        Policy.checkManage(actor, target.id(), target.role(), change);
        return target;
    }

    /**
     * Changes an account's role and/or disables or enables it, at once: the next request of a
     * disabled account's session or API key is refused, for both are deleted with it (enabling
     * it again lets it sign in; its old keys stay gone).
     *
     * @param role     the new role, or null to keep it
     * @param disabled whether it is disabled from now on, or null to keep that
     */
    public User update(Principal actor, long id, Role role, Boolean disabled, String address) throws SQLException {
        if (role == null && disabled == null) throw new BadInput("send \"role\" and/or \"disabled\" to change");
        if (role == Role.OWNER) throw new BadInput("role: there is one owner; choose admin or member");
        User checked = null;
        if (role != null) checked = target(actor, id, Policy.AccountChange.ROLE);
        if (disabled != null)
            checked = target(actor, id, disabled ? Policy.AccountChange.DISABLE : Policy.AccountChange.ENABLE);
        User before = checked;
        db.transaction(c -> {
            if (role != null) Database.update(c, "UPDATE users SET role = ? WHERE id = ?", role.id(), id);
            if (disabled != null) {
                Database.update(c, "UPDATE users SET disabled = ? WHERE id = ?", disabled, id);
                if (disabled) endAccess(c, id);
            }
            if (role != null && role != before.role()) {
                audit.record(
                        c,
                        AuditLog.Action.ROLE_CHANGED,
                        actor,
                        before.username(),
                        address,
                        before.role().id() + " to " + role.id());
            }
            if (disabled != null && disabled != before.disabled()) {
                audit.record(
                        c,
                        disabled ? AuditLog.Action.USER_DISABLED : AuditLog.Action.USER_ENABLED,
                        actor,
                        before.username(),
                        address,
                        null);
            }
            return null;
        });
        return db.queryOne("SELECT " + USER_COLUMNS + " FROM users WHERE id = ?", Accounts::user, id)
                .orElseThrow();
    }

    /**
     * Removes an account: its sessions, API keys, reset links and the shares given to it go with
     * it, and its workflows (with their executions, and their own shares) and credentials pass to
     * {@code recipientId}, or to the owner account when that is null, so no automation vanishes
     * with a person. The credentials shared with the removed account are shared with the recipient,
     * so the workflows it receives can use what they used before. All in one transaction, with the
     * audit entry.
     *
     * @return the account that received its work
     */
    public User remove(Principal actor, long id, Long recipientId, String address) throws SQLException {
        User removed = target(actor, id, Policy.AccountChange.REMOVE);
        return db.transaction(c -> {
            long to = recipientId != null
                    ? recipientId
                    : Database.query(c, "SELECT id FROM users WHERE role = ?", r -> r.getLong(1), Role.OWNER.id())
                            .get(0);
            if (to == id)
                throw new BadInput("transferTo: choose another account than the one removed to receive its work");
            // Both rows locked, the lower id first (two removals handing work to each other would
            // otherwise deadlock): a share or transfer to either (Sharing, which locks the account
            // it names) waits for this, or this for it; a second removal of the same account finds it gone.
            Optional<User> lockedFirst = lock(c, Math.min(id, to));
            Optional<User> lockedSecond = lock(c, Math.max(id, to));
            if ((id < to ? lockedFirst : lockedSecond).isEmpty())
                throw new NotFound("no account " + id + ": it was removed meanwhile");
            User recipient = (id < to ? lockedSecond : lockedFirst)
                    .orElseThrow(() -> new BadInput("transferTo: there is no account " + to
                            + " to receive the work; GET /api/users lists them"));
            Policy.checkRecipient(recipient.username(), recipient.disabled(), false, true);
            int workflows = Database.update(c, "UPDATE workflows SET owner_id = ? WHERE owner_id = ?", to, id);
            int credentials = Database.update(c, "UPDATE credentials SET owner_id = ? WHERE owner_id = ?", to, id);
            Database.update(
                    c,
                    "INSERT INTO credential_shares (credential_id, user_id, shared_at) SELECT s.credential_id, ?, s.shared_at"
                            + " FROM credential_shares s JOIN credentials k ON k.id = s.credential_id WHERE s.user_id = ? AND k.owner_id <> ?"
                            + " AND NOT EXISTS (SELECT 1 FROM credential_shares t WHERE t.credential_id = s.credential_id AND t.user_id = ?)",
                    to,
                    id,
                    to,
                    to);
            // What the recipient now owns needs no share with it.
            Database.update(
                    c,
                    "DELETE FROM workflow_shares WHERE user_id = ? AND workflow_id IN (SELECT id FROM workflows WHERE owner_id = ?)",
                    to,
                    to);
            Database.update(
                    c,
                    "DELETE FROM credential_shares WHERE user_id = ? AND credential_id IN (SELECT id FROM credentials WHERE owner_id = ?)",
                    to,
                    to);
            Database.update(c, "DELETE FROM users WHERE id = ?", id);
            audit.record(
                    c,
                    AuditLog.Action.USER_REMOVED,
                    actor,
                    removed.username(),
                    address,
                    "its " + workflows + " workflow(s) and " + credentials + " credential(s) passed to "
                            + recipient.username());
            return recipient;
        });
    }

    /** The account {@code id}, its row locked until the transaction ends; empty when there is none. */
    private static Optional<User> lock(Connection c, long id) throws SQLException {
        return Database.query(c, "SELECT " + USER_COLUMNS + " FROM users WHERE id = ? FOR UPDATE", Accounts::user, id)
                .stream()
                .findFirst();
    }

    /**
     * A new one-time link that sets the account's password; an earlier link for it stops working.
     * Only the hash is stored, and the link works once, for {@link #RESET_TTL}.
     */
    public ResetLink resetLink(Principal actor, long id, String address) throws SQLException {
        User user = target(actor, id, Policy.AccountChange.RESET_PASSWORD);
        if (user.disabled()) throw new Conflict("the account \"" + user.username() + "\" is disabled; enable it first");
        String token = Secrets.random();
        Instant now = Instant.now();
        Instant expires = now.plus(RESET_TTL);
        db.transaction(c -> {
            Database.update(c, "DELETE FROM password_resets WHERE user_id = ?", id);
            Database.update(
                    c,
                    "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                    Secrets.stored(token),
                    id,
                    utc(now),
                    utc(expires));
            audit.record(c, AuditLog.Action.PASSWORD_RESET_LINK, actor, user.username(), address, null);
            return null;
        });
        return new ResetLink(token, "/#/reset-password?token=" + token, expires);
    }

    /**
     * Sets a password with a reset link's token. The token is spent by the first call that brings
     * it with an acceptable password, even when it has expired or the account has been disabled
     * since; every session of the account ends.
     */
    public void resetPassword(String token, String password, String address) throws SQLException {
        String weak = Passwords.weakness(password);
        if (weak != null) throw new BadInput("password: " + weak);
        String invalid = "this password-reset link is unknown, used or expired; ask an admin for a new one";
        if (token == null || token.isEmpty() || token.length() > 100) throw new Forbidden(invalid);
        // Anyone may call this: hash (600k iterations) only for a token that exists.
        if (db.queryOne(
                        "SELECT user_id FROM password_resets WHERE token_hash = ?",
                        r -> r.getLong(1),
                        Secrets.stored(token))
                .isEmpty()) {
            throw new Forbidden(invalid);
        }
        String hash = Passwords.hash(password);
        Object[] reset = db.transaction(c -> {
            List<Object[]> rows = Database.query(
                    c,
                    "SELECT r.user_id, r.expires_at, u.username, u.disabled FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?",
                    r -> new Object[] {
                        r.getLong(1), instant(r.getObject(2, OffsetDateTime.class)), r.getString(3), r.getBoolean(4)
                    },
                    Secrets.stored(token));
            // Spent by the first call that finds it: two calls with one link cannot both succeed.
            if (rows.isEmpty()
                    || Database.update(c, "DELETE FROM password_resets WHERE token_hash = ?", Secrets.stored(token))
                            != 1) return null;
            Object[] row = rows.get(0);
            if (!((Instant) row[1]).isAfter(Instant.now()) || (Boolean) row[3]) return null;
            Database.update(c, "UPDATE users SET password_hash = ? WHERE id = ?", hash, row[0]);
            Database.update(c, "DELETE FROM sessions WHERE user_id = ?", row[0]);
            audit.record(
                    c,
                    AuditLog.Action.PASSWORD_RESET,
                    (Long) row[0],
                    (String) row[2],
                    (String) row[2],
                    address,
                    "with a reset link");
            return row;
        });
        if (reset == null) throw new Forbidden(invalid);
        throttle.forgive((String) reset[2]);
    }

    /**
     * Changes the caller's own password, proven with the current one (a stolen session alone is
     * not enough; wrong guesses count toward the sign-in throttle). The caller's other sessions
     * end; the one making the change, if any, stays signed in; API keys stay.
     *
     * @param cookie the session cookie the request came with, or null
     */
    public void changePassword(Principal caller, String cookie, String current, String password, String address)
            throws SQLException {
        LoginThrottle.Attempt attempt =
                throttle.begin(throttleName(caller.username(), caller.role() == Role.OWNER, address), address);
        String stored = db.queryOne(
                        "SELECT password_hash FROM users WHERE id = ?", r -> r.getString(1), caller.userId())
                .orElseThrow();
        boolean ok;
        try {
            ok = Passwords.matches(current, stored);
        } catch (Busy busy) {
            attempt.cancelled();
            throw busy;
        }
        if (!ok) throw new Forbidden("currentPassword: the current password is wrong");
        attempt.succeeded();
        String weak = Passwords.weakness(password);
        if (weak != null) throw new BadInput("newPassword: " + weak);
        String hash = Passwords.hash(password);
        String keep = cookie == null ? "" : Secrets.stored(cookie);
        db.transaction(c -> {
            Database.update(c, "UPDATE users SET password_hash = ? WHERE id = ?", hash, caller.userId());
            Database.update(c, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", caller.userId(), keep);
            audit.record(c, AuditLog.Action.PASSWORD_CHANGED, caller, caller.username(), address, null);
            return null;
        });
    }

    /** Ends every way account {@code id} has in: sessions, API keys, reset links. */
    private static void endAccess(java.sql.Connection c, long id) throws SQLException {
        Database.update(c, "DELETE FROM sessions WHERE user_id = ?", id);
        Database.update(c, "DELETE FROM api_keys WHERE user_id = ?", id);
        Database.update(c, "DELETE FROM password_resets WHERE user_id = ?", id);
    }

    /**
     * Checks a password and opens a session; the same refusal whether the name or the password was
     * wrong. The attempt is counted against the name and the client's address before the password
     * is checked ({@link LoginThrottle}); the owner's name is counted per address, so guessing it
     * from one address cannot lock the owner out of every other.
     *
     * @param address the client's address as the socket saw it (not a forwarding header)
     */
    public Session login(String username, String password, String address) throws SQLException {
        String name = username == null ? "" : username;
        if (!USERNAME.matcher(name).matches()) {
            // No account can have this name, so there is no password to check; the address still pays.
            throttle.begin("", address);
            throw new NotSignedIn("wrong username or password");
        }
        Optional<String[]> row = db.queryOne(
                "SELECT id, password_hash, disabled, role FROM users WHERE username = ?",
                r -> new String[] {
                    Long.toString(r.getLong(1)), r.getString(2), Boolean.toString(r.getBoolean(3)), r.getString(4)
                },
                name);
        boolean owner = row.isPresent() && Role.of(row.get()[3]) == Role.OWNER;
        LoginThrottle.Attempt attempt = throttle.begin(throttleName(name, owner, address), address);
        boolean ok;
        try {
            // Hash even for unknown names, so timing does not tell which names exist.
            ok = Passwords.matches(password, row.map(r -> r[1]).orElse(DUMMY_HASH)) && row.isPresent();
        } catch (Busy busy) {
            attempt.cancelled();
            throw busy;
        }
        if (!ok) {
            audit.record(
                    AuditLog.Action.SIGN_IN_FAILED,
                    null,
                    null,
                    name,
                    address,
                    row.isPresent() ? "wrong password" : "no such account");
            throw new NotSignedIn("wrong username or password");
        }
        attempt.succeeded();
        // Said only to whoever knows the password: a disabled account is not a secret from its holder.
        if (Boolean.parseBoolean(row.get()[2])) {
            audit.record(AuditLog.Action.SIGN_IN_FAILED, null, null, name, address, "the account is disabled");
            throw new Forbidden("this account is disabled; ask the owner or an admin to enable it");
        }
        User user = db.queryOne(
                        "SELECT " + USER_COLUMNS + " FROM users WHERE id = ?",
                        Accounts::user,
                        Long.parseLong(row.get()[0]))
                .orElseThrow();
        return newSession(user, c -> {
            audit.record(c, AuditLog.Action.SIGN_IN, user.id(), user.username(), user.username(), address, null);
            return null;
        });
    }

    /**
     * The key the sign-in throttle counts a name's failures under: the name for every account but
     * the owner's, whose failures count per address. A lock-out of any other account ends within
     * {@link LoginThrottle#LOCKOUT}; the owner must be able to sign in meanwhile to act on an attack.
     */
    private static String throttleName(String name, boolean owner, String address) {
        return owner ? name + " from " + address : name;
    }

    /** Who holds this session cookie, if it is live. Sessions slide: use extends them. */
    public Optional<Principal> bySession(String cookie) throws SQLException {
        if (cookie == null || cookie.isEmpty() || cookie.length() > 100) return Optional.empty();
        String hash = Secrets.stored(cookie);
        Instant now = Instant.now();
        Optional<Object[]> row = db.queryOne(
                "SELECT u.id, u.username, u.role, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id"
                        + " WHERE s.token_hash = ? AND u.disabled = FALSE",
                r -> new Object[] {
                    r.getLong(1),
                    r.getString(2),
                    r.getString(3),
                    r.getString(4),
                    instant(r.getObject(5, OffsetDateTime.class))
                },
                hash);
        if (row.isEmpty()) return Optional.empty();
        Object[] r = row.get();
        Instant expires = (Instant) r[4];
        if (!expires.isAfter(now)) {
            db.update("DELETE FROM sessions WHERE token_hash = ?", hash);
            return Optional.empty();
        }
        // Extend at most once a minute per session, not on every request.
        if (expires.isBefore(now.plus(sessionTtl).minusSeconds(60))) {
            db.update("UPDATE sessions SET expires_at = ? WHERE token_hash = ?", now.plus(sessionTtl), hash);
        }
        return Optional.of(new Principal((Long) r[0], (String) r[1], Role.of((String) r[2]), (String) r[3]));
    }

    public void logout(String cookie) throws SQLException {
        if (cookie != null) db.update("DELETE FROM sessions WHERE token_hash = ?", Secrets.stored(cookie));
    }

    /** Who holds this API key, if any. */
    public Optional<Principal> byApiKey(String key) throws SQLException {
        if (key == null || !key.startsWith(API_KEY_PREFIX) || key.length() > 100) return Optional.empty();
        String hash = Secrets.stored(key);
        Optional<Principal> principal = db.queryOne(
                "SELECT u.id, u.username, u.role FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ? AND u.disabled = FALSE",
                r -> new Principal(r.getLong(1), r.getString(2), Role.of(r.getString(3)), null),
                hash);
        if (principal.isPresent()) {
            db.update("UPDATE api_keys SET last_used_at = ? WHERE key_hash = ?", Instant.now(), hash);
        }
        return principal;
    }

    public NewApiKey createApiKey(Principal owner, String name) throws SQLException {
        if (name == null || !KEY_NAME.matcher(name).matches()) {
            throw new BadInput("name: give the key a name of 1 to 100 characters, such as \"ci\"");
        }
        String key = API_KEY_PREFIX + Secrets.random();
        String prefix = key.substring(0, 12);
        Instant now = Instant.now();
        long id = db.transaction(c -> Database.insert(
                c,
                "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                owner.userId(),
                name,
                prefix,
                Secrets.stored(key),
                now.atOffset(java.time.ZoneOffset.UTC)));
        return new NewApiKey(id, name, key, prefix, now);
    }

    public List<ApiKey> apiKeys(Principal owner) throws SQLException {
        return db.query(
                "SELECT id, name, prefix, created_at, last_used_at FROM api_keys WHERE user_id = ? ORDER BY id",
                r -> new ApiKey(
                        r.getLong(1),
                        r.getString(2),
                        r.getString(3),
                        instant(r.getObject(4, OffsetDateTime.class)),
                        instant(r.getObject(5, OffsetDateTime.class))),
                owner.userId());
    }

    public void deleteApiKey(Principal owner, long id) throws SQLException {
        if (db.update("DELETE FROM api_keys WHERE id = ? AND user_id = ?", id, owner.userId()) == 0) {
            throw new NotFound("you have no API key with id " + id);
        }
    }

    private void checkNew(String username, String password) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new BadInput("username: use 1 to 64 letters, digits, '_', '.', '@' or '-'");
        }
        String weak = Passwords.weakness(password);
        if (weak != null) throw new BadInput("password: " + weak);
    }

    private User insertUser(String username, String password, Role role, Database.Work<?> record) throws SQLException {
        Instant now = Instant.now();
        String hash = Passwords.hash(password);
        return db.transaction(c -> {
            Database.update(
                    c,
                    "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                    username,
                    hash,
                    role.id(),
                    now.atOffset(java.time.ZoneOffset.UTC));
            record.run(c);
            return Database.query(
                            c, "SELECT " + USER_COLUMNS + " FROM users WHERE username = ?", Accounts::user, username)
                    .get(0);
        });
    }

    private Session newSession(User user) throws SQLException {
        return newSession(user, c -> null);
    }

    /** A new session for {@code user}; {@code record} writes its audit entry in the same transaction. */
    private Session newSession(User user, Database.Work<?> record) throws SQLException {
        String cookie = Secrets.random();
        String csrf = Secrets.random();
        Instant now = Instant.now();
        Instant expires = now.plus(sessionTtl);
        db.transaction(c -> {
            Database.update(
                    c,
                    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    Secrets.stored(cookie),
                    user.id(),
                    csrf,
                    now,
                    expires);
            return record.run(c);
        });
        db.update("DELETE FROM sessions WHERE expires_at < ?", now); // housekeeping, cheap with the index
        return new Session(cookie, new Principal(user.id(), user.username(), user.role(), csrf), expires);
    }

    private static final String USER_COLUMNS = "id, username, role, created_at, disabled";

    private static User user(java.sql.ResultSet r) throws SQLException {
        return new User(
                r.getLong(1),
                r.getString(2),
                Role.of(r.getString(3)),
                instant(r.getObject(4, OffsetDateTime.class)),
                r.getBoolean(5));
    }

    private static OffsetDateTime utc(Instant t) {
        return t.atOffset(java.time.ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    /** A valid hash of a random password: compared against when the username is unknown. */
    private static final String DUMMY_HASH = Passwords.hash(Secrets.random());
}
