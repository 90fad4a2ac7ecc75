package io.nlink.server.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.AuditLog;
import io.nlink.server.auth.Policy;
import io.nlink.server.auth.Principal;
import io.nlink.server.db.Database;
import io.nlink.server.refusal.BadInput;
import io.nlink.server.refusal.Conflict;
import io.nlink.server.refusal.Invalid;
import io.nlink.server.refusal.NotFound;
import io.nlink.workflow.CredentialResolver;
import io.nlink.workflow.CredentialTypes;
import io.nlink.workflow.Workflow;
import io.nlink.workflow.http.EgressPolicy;
import io.nlink.workflow.http.GuardedHttp;
import io.nlink.workflow.http.OAuth2Tokens;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Stored credentials: each an account's, its secret sealed by the {@link CredentialKey}. What
 * leaves here for the API is never more than id, name, type, owner and times ({@link Info}); the
 * secret goes only to a run of a workflow of the same owner ({@link #usableBy}), straight to the
 * node that named it.
 */
public final class CredentialStore {
    /** What the API shows of a credential: never its data. */
    public record Info(
            String id, String name, String type, Long ownerId, String owner, Instant createdAt, Instant updatedAt) {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int MAX_NAME = 128;

    /** The outcome of testing a credential: whether it worked, and what happened (never the secret). */
    public record TestResult(boolean ok, String message) {}

    private final Database db;
    private final CredentialKey key;
    /** Where a credential's test may connect (an OAuth2 token URL): the same guard as workflows' requests. */
    private final EgressPolicy egress;

    public CredentialStore(Database db, CredentialKey key) {
        this(db, key, EgressPolicy.DEFAULTS);
    }

    public CredentialStore(Database db, CredentialKey key, EgressPolicy egress) {
        this.db = db;
        this.key = key;
        this.egress = egress;
    }

    /**
     * Refuses to start with a key other than the one the stored credentials were sealed with: every
     * run using them would fail, and a new credential sealed now would split the store in two.
     */
    public void checkKey() throws SQLException {
        List<String> others =
                db.query("SELECT DISTINCT key_id FROM credentials WHERE key_id <> ?", r -> r.getString(1), key.id());
        if (!others.isEmpty()) {
            throw new SQLException(
                    "the stored credentials were sealed with another key (key id " + others.get(0)
                            + ") than the one in "
                            + key.file() + " (key id " + key.id()
                            + "); start the server with the key file they were stored with"
                            + " (--credentials-key-file, NLINK_CREDENTIALS_KEY_FILE): every server on one database needs the same one");
        }
    }

    /**
     * Stores a new credential as {@code owner}'s; {@code audit} records it (by id, name and type)
     * in the same transaction.
     */
    public Info create(Principal owner, JsonNode body, AuditLog.Recorder audit) throws SQLException {
        String name = name(body.get("name"));
        String type = body.path("type").asText("");
        JsonNode data = body.get("data");
        check(type, data);
        String id = newId();
        Instant now = Instant.now();
        db.transaction(c -> {
            lockOwner(c, owner.userId());
            if (findByName(c, owner.userId(), name).isPresent()) {
                throw new Conflict("you already have a credential named \"" + name
                        + "\"; choose another name, or change that one");
            }
            Database.update(
                    c,
                    "INSERT INTO credentials (id, name, type, owner_id, secret, key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    id,
                    name,
                    type,
                    owner.userId(),
                    key.seal(id, type, Json.writeBytes(CredentialTypes.normalised(type, data))),
                    key.id(),
                    now,
                    now);
            audit.record(c, label(id, name), "type " + type);
            return null;
        });
        return require(Policy.Scope.EVERYONE, id);
    }

    /**
     * Refuses to hand a credential named {@code name} to account {@code recipientId} when it owns
     * one of that name already: names are unique per owner, and a transfer must not make two. Called
     * from within the transfer, which holds the recipient's account row: a credential the recipient
     * creates meanwhile waits for it ({@link #create} locks that row too).
     */
    public void checkNameFreeFor(long recipientId, String name) throws SQLException {
        db.transaction(c -> {
            if (findByName(c, recipientId, name).isPresent())
                throw new Conflict("the account you transfer to already has a credential named \"" + name
                        + "\"; rename one of them first");
            return null;
        });
    }

    /**
     * Renames a credential and/or replaces its secret: {@code data} replaces the whole secret (the
     * old one is never shown, so it cannot be edited in part); {@code type} may change only with it.
     * {@code audit} records what changed (a new name, type, "new data"; never the data itself) in
     * the same transaction.
     */
    public Info update(Policy.Scope scope, String id, JsonNode body, AuditLog.Recorder audit) throws SQLException {
        Info before = require(scope, id);
        String name = body.has("name") ? name(body.get("name")) : before.name();
        String type = body.has("type") ? body.path("type").asText("") : before.type();
        if (!type.equals(before.type()) && !body.has("data")) {
            throw new BadInput("type: a credential changes type only with new data for it");
        }
        if (body.has("data")) check(type, body.get("data"));
        List<String> changes = new ArrayList<>();
        if (!name.equals(before.name())) changes.add("renamed from \"" + before.name() + "\"");
        if (!type.equals(before.type())) changes.add("type " + before.type() + " to " + type);
        if (body.has("data")) changes.add("new data");
        db.transaction(c -> {
            if (!name.equals(before.name())) {
                lockOwner(c, before.ownerId());
                if (findByName(c, before.ownerId(), name).isPresent())
                    throw new Conflict(
                            "the owner already has a credential named \"" + name + "\"; choose another name");
            }
            if (body.has("data")) {
                Database.update(
                        c,
                        "UPDATE credentials SET name = ?, type = ?, secret = ?, key_id = ?, updated_at = ? WHERE id = ?",
                        name,
                        type,
                        key.seal(id, type, Json.writeBytes(CredentialTypes.normalised(type, body.get("data")))),
                        key.id(),
                        Instant.now(),
                        id);
            } else {
                Database.update(
                        c, "UPDATE credentials SET name = ?, updated_at = ? WHERE id = ?", name, Instant.now(), id);
            }
            if (!changes.isEmpty()) audit.record(c, label(id, name), String.join("; ", changes));
            return null;
        });
        return require(scope, id);
    }

    /**
     * Tests the credential {@code id} where that means something on its own: an {@code oAuth2Api}
     * one gets a token from its token URL (which the runs then use). Others are only proved right
     * by the service they are sent to: 422, saying so.
     */
    public TestResult test(Policy.Scope scope, String id) throws SQLException {
        Info info = require(scope, id);
        if (!CredentialTypes.testable(info.type())) {
            throw new Invalid(
                    "a " + info.type() + " credential cannot be tested on its own: only the service it is sent to knows"
                            + " whether it is right; run a workflow that uses it");
        }
        Row row = db.queryOne("SELECT id, type, secret, key_id FROM credentials WHERE id = ?", CredentialStore::row, id)
                .orElseThrow(() -> new NotFound("no credential " + id));
        ObjectNode data;
        try {
            data = (ObjectNode) Json.parse(key.open(row.id(), row.type(), row.secret()));
        } catch (GeneralSecurityException | IOException | ClassCastException e) {
            return new TestResult(
                    false,
                    "the credential cannot be opened with this server's key (key id " + key.id() + ", stored under "
                            + row.keyId() + ")");
        }
        ObjectNode client = CredentialTypes.normalised(row.type(), data);
        try {
            return new TestResult(
                    true,
                    OAuth2Tokens.SHARED.check(
                            new OAuth2Tokens.Client(
                                    OAuth2Tokens.tokenUrl(
                                            client.path("accessTokenUrl").asText()),
                                    client.path("clientId").asText(),
                                    client.path("clientSecret").asText(),
                                    client.path("scope").asText(),
                                    client.path("authentication").asText().equals("body"),
                                    holder(info.id(), info.ownerId())),
                            egress));
        } catch (GuardedHttp.HttpFailure | IllegalArgumentException e) {
            return new TestResult(false, e.getMessage());
        }
    }

    /** Deletes a credential and its shares; {@code audit} records it in the same transaction. */
    public void delete(Policy.Scope scope, String id, AuditLog.Recorder audit) throws SQLException {
        Info before = require(scope, id);
        db.transaction(c -> {
            if (Database.update(c, "DELETE FROM credentials WHERE id = ?", id) > 0)
                audit.record(c, label(id, before.name()), "type " + before.type());
            return null;
        });
    }

    /**
     * Who holds the credential {@code id} in a run of {@code accountId}'s workflow
     * ({@link CredentialResolver#HOLDER}): what keeps one account's OAuth2 tokens from another's,
     * even for credentials with the same client id and secret.
     */
    static String holder(String id, Long accountId) {
        return "credential " + id + " for account " + accountId;
    }

    /** How the audit log names a credential: its id and name, never its data. */
    public static String label(String id, String name) {
        return "credential " + id + " \"" + name + "\"";
    }

    public List<Info> list(Policy.Scope scope) throws SQLException {
        Policy.Scope.Where where = scoped(scope, "1 = 1");
        return db.query(
                SELECT + " WHERE " + where.sql() + " ORDER BY c.name, c.id", CredentialStore::info, where.args());
    }

    /** The credential {@code id} if it is in {@code scope}; else 404, as for one that does not exist. */
    public Info require(Policy.Scope scope, String id) throws SQLException {
        Policy.Scope.Where where = scoped(scope, "c.id = ?", id);
        return db.queryOne(SELECT + " WHERE " + where.sql(), CredentialStore::info, where.args())
                .orElseThrow(() -> new NotFound("no credential " + id));
    }

    /** {@code condition} narrowed to the credentials in {@code scope} (Policy.Scope#where); the statement names the table {@code c}. */
    private static Policy.Scope.Where scoped(Policy.Scope scope, String condition, Object... args) {
        return scope.where("c", "credential_shares", "credential_id", condition, args);
    }

    /**
     * What a run of a workflow owned by {@code workflowOwnerId} may use: what that account may use
     * ({@link Policy#credentialsUsableBy}: its own and those shared with it), found as {@link #find} finds them.
     */
    public CredentialResolver usableBy(Long workflowOwnerId) {
        Policy.Scope usable = Policy.credentialsUsableBy(workflowOwnerId);
        return (type, ref) -> {
            Row row;
            try {
                row = find(usable, type, ref);
            } catch (SQLException e) {
                throw new CredentialResolver.MissingCredentialException(
                        "credential " + ref.describe() + " could not be read: " + e.getMessage());
            }
            try {
                ObjectNode data = (ObjectNode) Json.parse(key.open(row.id(), row.type(), row.secret()));
                return data.put(CredentialResolver.HOLDER, holder(row.id(), workflowOwnerId));
            } catch (GeneralSecurityException | IOException | ClassCastException e) {
                throw new CredentialResolver.MissingCredentialException("credential " + ref.describe()
                        + " cannot be opened with this server's key"
                        + (row.keyId().equals(key.id())
                                ? " (it was changed in the database)"
                                : " (it was stored under key id " + row.keyId() + ", this server has " + key.id()
                                        + "; every server on one database needs the same --credentials-key-file)"));
            }
        };
    }

    /**
     * The credentials the enabled nodes of {@code workflow} use ({@link CredentialTypes#usedBy})
     * that {@code workflowOwnerId} may not use: each problem names the node and the credential,
     * for the 422 an import, edit, activation or transfer answers.
     */
    public List<String> missing(Workflow workflow, Long workflowOwnerId) throws SQLException {
        Policy.Scope owner = Policy.credentialsUsableBy(workflowOwnerId);
        List<String> problems = new ArrayList<>();
        for (Workflow.Node node : workflow.nodes()) {
            if (node.disabled()) continue;
            for (String type : CredentialTypes.usedBy(node)) {
                Workflow.CredentialRef ref = node.credentials().get(type);
                if (ref == null) {
                    problems.add("node \"" + node.name() + "\" authenticates with a credential of type " + type
                            + " but names none;" + " choose one in the node (\"credentials\": {\"" + type
                            + "\": {\"id\": \"…\"}})");
                    continue;
                }
                try {
                    find(owner, type, ref);
                } catch (CredentialResolver.MissingCredentialException e) {
                    problems.add("node \"" + node.name() + "\": " + e.getMessage());
                }
            }
        }
        return problems;
    }

    /**
     * The credentials an edit by {@code editor} adds to a workflow of {@code workflowOwnerId} that
     * the editor may not use: a credential the enabled nodes of {@code workflow} name and those of
     * {@code previous} (null for a new workflow) did not. Whoever may edit a workflow may keep the
     * credentials it has, but add only what they may use themselves ({@link Policy#credentialsUsableBy});
     * each problem names the node and the credential.
     */
    public List<String> notUsableBy(Principal editor, Workflow workflow, Workflow previous, Long workflowOwnerId)
            throws SQLException {
        if (Long.valueOf(editor.userId()).equals(workflowOwnerId))
            return List.of(); // the owner's own check is missing()
        Policy.Scope owner = Policy.credentialsUsableBy(workflowOwnerId);
        java.util.Set<String> had = previous == null ? java.util.Set.of() : usedIds(previous, owner);
        Policy.Scope editors = Policy.credentialsUsableBy(editor.userId());
        List<String> problems = new ArrayList<>();
        for (Workflow.Node node : workflow.nodes()) {
            if (node.disabled()) continue;
            for (String type : CredentialTypes.usedBy(node)) {
                Workflow.CredentialRef ref = node.credentials().get(type);
                if (ref == null) continue;
                Row row;
                try {
                    row = find(owner, type, ref);
                } catch (CredentialResolver.MissingCredentialException e) {
                    continue; // missing() says why
                }
                if (had.contains(row.id()) || reaches(editors, row.id())) continue;
                problems.add("node \"" + node.name() + "\": credential " + ref.describe() + " (" + type
                        + ") is not one you may use"
                        + " (your own, or one shared with you); ask its owner to share it with you, or choose another");
            }
        }
        return problems;
    }

    /** Whether the credential {@code id} is in {@code scope}. */
    private boolean reaches(Policy.Scope scope, String id) throws SQLException {
        Policy.Scope.Where where = scoped(scope, "c.id = ?", id);
        return !db.query("SELECT 1 FROM credentials c WHERE " + where.sql(), r -> 1, where.args())
                .isEmpty();
    }

    /** The ids of the credentials the enabled nodes of {@code workflow} find in {@code scope}. */
    private java.util.Set<String> usedIds(Workflow workflow, Policy.Scope scope) throws SQLException {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Workflow.Node node : workflow.nodes()) {
            if (node.disabled()) continue;
            for (String type : CredentialTypes.usedBy(node)) {
                Workflow.CredentialRef ref = node.credentials().get(type);
                if (ref == null) continue;
                try {
                    ids.add(find(scope, type, ref).id());
                } catch (CredentialResolver.MissingCredentialException e) {
                    // not one it had
                }
            }
        }
        return ids;
    }

    /** A credential's row, with its sealed secret. */
    private record Row(String id, String type, String secret, String keyId) {}

    /**
     * The credential {@code ref} names among those {@code usable} reaches: by id, else (an export
     * from another n8n or nLink, whose ids mean nothing here) by name, of {@code type}.
     */
    private Row find(Policy.Scope usable, String type, Workflow.CredentialRef ref)
            throws SQLException, CredentialResolver.MissingCredentialException {
        List<Row> byId = List.of();
        if (ref.id() != null) {
            Policy.Scope.Where where = scoped(usable, "c.id = ?", ref.id());
            byId = db.query(
                    "SELECT c.id, c.type, c.secret, c.key_id FROM credentials c WHERE " + where.sql(),
                    CredentialStore::row,
                    where.args());
        }
        List<Row> rows = byId;
        if (rows.isEmpty() && ref.name() != null) {
            Policy.Scope.Where where = scoped(usable, "c.name = ?", ref.name());
            rows = db.query(
                    "SELECT c.id, c.type, c.secret, c.key_id FROM credentials c WHERE " + where.sql(),
                    CredentialStore::row,
                    where.args());
        }
        if (rows.isEmpty()) {
            throw new CredentialResolver.MissingCredentialException(
                    "credential " + ref.describe() + " (" + type + ") is not among the credentials"
                            + " the workflow's owner may use (their own and those shared with them); create it as the workflow's owner, have it shared"
                            + " with them (PUT /api/credentials/{id}/shares), or choose another");
        }
        List<Row> ofType = rows.stream().filter(r -> r.type().equals(type)).toList();
        if (ofType.isEmpty()) {
            throw new CredentialResolver.MissingCredentialException("credential " + ref.describe() + " is of type "
                    + rows.get(0).type() + "; the node needs one of type " + type);
        }
        if (ofType.size() > 1) {
            throw new CredentialResolver.MissingCredentialException("the workflow's owner may use " + ofType.size()
                    + " credentials named \"" + ref.name() + "\" (" + type + "); name the one meant by its id");
        }
        return ofType.get(0);
    }

    private static void check(String type, JsonNode data) {
        List<String> problems = CredentialTypes.problems(type, data);
        if (!problems.isEmpty()) {
            throw new Invalid(
                    "the credential cannot be stored: " + problems.get(0)
                            + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""),
                    problems);
        }
    }

    private static String name(JsonNode value) {
        if (value == null || !value.isTextual() || value.asText().isBlank())
            throw new BadInput("name: give the credential a name");
        String name = value.asText().strip();
        if (name.length() > MAX_NAME) throw new BadInput("name: at most " + MAX_NAME + " characters");
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) throw new BadInput("name: contains a control character");
        }
        return name;
    }

    private static Optional<Info> findByName(Connection c, Long owner, String name) throws SQLException {
        return Database.query(c, SELECT + " WHERE c.owner_id = ? AND c.name = ?", CredentialStore::info, owner, name)
                .stream()
                .findFirst();
    }

    /**
     * Locks the account {@code ownerId}'s row until the transaction ends, so two creations or
     * renames of its credentials check their name one after the other, and a removal of the
     * account (which locks it too) either comes after, taking the new credential to its heir, or
     * before: then nothing is stored (409), rather than a credential owned by nobody.
     */
    private static void lockOwner(Connection c, Long ownerId) throws SQLException {
        if (Database.query(c, "SELECT id FROM users WHERE id = ? FOR UPDATE", r -> 1, ownerId)
                .isEmpty()) {
            throw new Conflict(
                    "the credential's owner (account " + ownerId + ") was removed meanwhile; nothing was stored");
        }
    }

    /** 16 random letters and digits, as n8n's credential ids look: unguessable, and no sequence to probe. */
    private static String newId() {
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 16; i++) id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
        return id.toString();
    }

    private static final String SELECT =
            "SELECT c.id, c.name, c.type, c.owner_id, u.username, c.created_at, c.updated_at"
                    + " FROM credentials c LEFT JOIN users u ON u.id = c.owner_id";

    private static Info info(java.sql.ResultSet r) throws SQLException {
        return new Info(
                r.getString(1),
                r.getString(2),
                r.getString(3),
                r.getObject(4, Long.class),
                r.getString(5),
                instant(r.getObject(6, OffsetDateTime.class)),
                instant(r.getObject(7, OffsetDateTime.class)));
    }

    private static Row row(java.sql.ResultSet r) throws SQLException {
        return new Row(r.getString(1), r.getString(2), r.getString(3), r.getString(4));
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
