package io.nlink.server.auth;

import io.nlink.server.db.Database;
import io.nlink.server.http.ApiException;
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
    /** The one-time owner set-up token; null once an owner exists. */
    private final AtomicReference<String> setupToken = new AtomicReference<>();

    /** A signed-in browser: the cookie value to set and who it is. */
    public record Session(String cookie, Principal principal, Instant expiresAt) {}

    public record User(long id, String username, Role role, Instant createdAt) {}

    /** @param key the full key: shown once, at creation, never again */
    public record NewApiKey(long id, String name, String key, String prefix, Instant createdAt) {}

    public record ApiKey(long id, String name, String prefix, Instant createdAt, Instant lastUsedAt) {}

    public Accounts(Database db, Duration sessionTtl) throws SQLException {
        this.db = db;
        this.sessionTtl = sessionTtl;
        if (!hasOwner()) {
            setupToken.set(Secrets.random());
        }
    }

    public boolean hasOwner() throws SQLException {
        return db.queryOne("SELECT COUNT(*) FROM users WHERE role = ?", r -> r.getLong(1), Role.OWNER.id()).orElse(0L) > 0;
    }

    /** The token the set-up link carries while no owner exists. */
    public Optional<String> setupToken() {
        return Optional.ofNullable(setupToken.get());
    }

    /**
     * Creates the owner account with the one-time token printed at start, and signs it in. The
     * token is spent by the first successful call; any later call is refused.
     */
    public Session createOwner(String token, String username, String password) throws SQLException {
        String expected = setupToken.get();
        if (expected == null) {
            throw new ApiException(409, "the owner account already exists; sign in instead");
        }
        if (token == null || !java.security.MessageDigest.isEqual(expected.getBytes(), token.getBytes())) {
            throw new ApiException(403, "the set-up token is wrong; use the link the server printed when it started");
        }
        checkNew(username, password);
        if (!setupToken.compareAndSet(expected, null)) {
            throw new ApiException(409, "the owner account already exists; sign in instead");
        }
        User owner = insertUser(username, password, Role.OWNER);
        // Workflows stored before ownership existed, on a server with no owner then (schema V4), are the owner's.
        db.update("UPDATE workflows SET owner_id = ? WHERE owner_id IS NULL", owner.id());
        return newSession(owner);
    }

    public User createUser(String username, String password, Role role) throws SQLException {
        if (role == Role.OWNER) {
            throw ApiException.badRequest("there is one owner; give the new account the role admin or member");
        }
        checkNew(username, password);
        if (db.queryOne("SELECT id FROM users WHERE username = ?", r -> r.getLong(1), username).isPresent()) {
            throw new ApiException(409, "an account named \"" + username + "\" already exists");
        }
        return insertUser(username, password, role);
    }

    public List<User> users() throws SQLException {
        return db.query("SELECT id, username, role, created_at FROM users ORDER BY id", Accounts::user);
    }

    /** Checks a password and opens a session; the same refusal whether the name or the password was wrong. */
    public Session login(String username, String password) throws SQLException {
        String key = username == null ? "" : username;
        throttle.check(key);
        Optional<String[]> row =
                db.queryOne(
                        "SELECT id, password_hash FROM users WHERE username = ?",
                        r -> new String[] {Long.toString(r.getLong(1)), r.getString(2)},
                        key);
        // Hash even for unknown names, so timing does not tell which names exist.
        boolean ok = Passwords.matches(password, row.map(r -> r[1]).orElse(DUMMY_HASH)) && row.isPresent();
        if (!ok) {
            throttle.failed(key);
            throw new ApiException(401, "wrong username or password");
        }
        throttle.succeeded(key);
        User user = db.queryOne("SELECT id, username, role, created_at FROM users WHERE id = ?", Accounts::user, Long.parseLong(row.get()[0])).orElseThrow();
        return newSession(user);
    }

    /** Who holds this session cookie, if it is live. Sessions slide: use extends them. */
    public Optional<Principal> bySession(String cookie) throws SQLException {
        if (cookie == null || cookie.isEmpty() || cookie.length() > 100) return Optional.empty();
        String hash = Secrets.stored(cookie);
        Instant now = Instant.now();
        Optional<Object[]> row =
                db.queryOne(
                        "SELECT u.id, u.username, u.role, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id"
                                + " WHERE s.token_hash = ?",
                        r -> new Object[] {r.getLong(1), r.getString(2), r.getString(3), r.getString(4), instant(r.getObject(5, OffsetDateTime.class))},
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
        Optional<Principal> principal =
                db.queryOne(
                        "SELECT u.id, u.username, u.role FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?",
                        r -> new Principal(r.getLong(1), r.getString(2), Role.of(r.getString(3)), null),
                        hash);
        if (principal.isPresent()) {
            db.update("UPDATE api_keys SET last_used_at = ? WHERE key_hash = ?", Instant.now(), hash);
        }
        return principal;
    }

    public NewApiKey createApiKey(Principal owner, String name) throws SQLException {
        if (name == null || !KEY_NAME.matcher(name).matches()) {
            throw ApiException.badRequest("name: give the key a name of 1 to 100 characters, such as \"ci\"");
        }
        String key = API_KEY_PREFIX + Secrets.random();
        String prefix = key.substring(0, 12);
        Instant now = Instant.now();
        long id = db.transaction(c -> Database.insert(c,
                "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                owner.userId(), name, prefix, Secrets.stored(key), now.atOffset(java.time.ZoneOffset.UTC)));
        return new NewApiKey(id, name, key, prefix, now);
    }

    public List<ApiKey> apiKeys(Principal owner) throws SQLException {
        return db.query(
                "SELECT id, name, prefix, created_at, last_used_at FROM api_keys WHERE user_id = ? ORDER BY id",
                r -> new ApiKey(r.getLong(1), r.getString(2), r.getString(3), instant(r.getObject(4, OffsetDateTime.class)), instant(r.getObject(5, OffsetDateTime.class))),
                owner.userId());
    }

    public void deleteApiKey(Principal owner, long id) throws SQLException {
        if (db.update("DELETE FROM api_keys WHERE id = ? AND user_id = ?", id, owner.userId()) == 0) {
            throw ApiException.notFound("you have no API key with id " + id);
        }
    }

    private void checkNew(String username, String password) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw ApiException.badRequest("username: use 1 to 64 letters, digits, '_', '.', '@' or '-'");
        }
        String weak = Passwords.weakness(password);
        if (weak != null) throw ApiException.badRequest("password: " + weak);
    }

    private User insertUser(String username, String password, Role role) throws SQLException {
        Instant now = Instant.now();
        String hash = Passwords.hash(password);
        return db.transaction(
                c -> {
                    Database.update(c, "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                            username, hash, role.id(), now.atOffset(java.time.ZoneOffset.UTC));
                    return Database.query(c, "SELECT id, username, role, created_at FROM users WHERE username = ?", Accounts::user, username).get(0);
                });
    }

    private Session newSession(User user) throws SQLException {
        String cookie = Secrets.random();
        String csrf = Secrets.random();
        Instant now = Instant.now();
        Instant expires = now.plus(sessionTtl);
        db.update(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                Secrets.stored(cookie), user.id(), csrf, now, expires);
        db.update("DELETE FROM sessions WHERE expires_at < ?", now); // housekeeping, cheap with the index
        return new Session(cookie, new Principal(user.id(), user.username(), user.role(), csrf), expires);
    }

    private static User user(java.sql.ResultSet r) throws SQLException {
        return new User(r.getLong(1), r.getString(2), Role.of(r.getString(3)), instant(r.getObject(4, OffsetDateTime.class)));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    /** A valid hash of a random password: compared against when the username is unknown. */
    private static final String DUMMY_HASH = Passwords.hash(Secrets.random());
}
