package io.nlink.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.AuditLog;
import io.nlink.server.auth.Policy;
import io.nlink.server.auth.Sharing;
import io.nlink.server.credentials.CredentialStore;
import io.nlink.workflow.CredentialTypes;
import java.util.Map;

/**
 * Credentials ({@code /api/credentials}): create, list, rename, replace the secret, test, delete. No
 * answer carries a secret: what is shown is id, name, type, owner and times; the data goes in and
 * stays in ({@link CredentialStore}).
 */
final class CredentialsApi {
    private final CredentialStore store;
    private final Sharing sharing;
    private final AuditLog audit;

    CredentialsApi(CredentialStore store, Sharing sharing, AuditLog audit) {
        this.store = store;
        this.sharing = sharing;
        this.audit = audit;
    }

    void register(RoutesConfig routes) {
        routes.get(
                "/api/credentials",
                ctx -> ctx.json(Map.of(
                        "credentials",
                        store.list(scope(ctx)).stream().map(c -> json(ctx, c)).toList())),
                Access.SIGNED_IN);
        routes.post(
                "/api/credentials",
                ctx -> ctx.status(201)
                        .json(json(
                                ctx,
                                store.create(
                                        Access.principal(ctx),
                                        body(ctx),
                                        recorder(ctx, AuditLog.Action.CREDENTIAL_CREATED)))),
                Access.SIGNED_IN);
        routes.get("/api/credentials/types", CredentialsApi::types, Access.SIGNED_IN);
        routes.get(
                "/api/credentials/{id}",
                ctx -> ctx.json(json(ctx, store.require(scope(ctx), ctx.pathParam("id")))),
                Access.SIGNED_IN);
        routes.put(
                "/api/credentials/{id}",
                ctx -> {
                    manageable(ctx, "change");
                    ctx.json(json(
                            ctx,
                            store.update(
                                    Policy.credentialsToManage(Access.principal(ctx)),
                                    ctx.pathParam("id"),
                                    body(ctx),
                                    recorder(ctx, AuditLog.Action.CREDENTIAL_CHANGED))));
                },
                Access.SIGNED_IN);
        routes.post(
                "/api/credentials/{id}/test",
                ctx -> {
                    CredentialStore.Info c = store.require(scope(ctx), ctx.pathParam("id"));
                    CredentialStore.TestResult result = store.test(scope(ctx), c.id());
                    // Recorded: a test sends the secret to the token URL. Only the outcome, not the
                    // message, which repeats what the remote server answered.
                    audit.record(
                            AuditLog.Action.CREDENTIAL_TESTED,
                            Access.principal(ctx),
                            label(c),
                            Requests.clientAddress(ctx),
                            result.ok() ? "worked" : "failed");
                    ctx.json(Json.MAPPER
                            .createObjectNode()
                            .put("ok", result.ok())
                            .put("message", result.message()));
                },
                Access.SIGNED_IN);
        routes.delete(
                "/api/credentials/{id}",
                ctx -> {
                    manageable(ctx, "delete");
                    store.delete(
                            Policy.credentialsToManage(Access.principal(ctx)),
                            ctx.pathParam("id"),
                            recorder(ctx, AuditLog.Action.CREDENTIAL_DELETED));
                    ctx.status(204);
                },
                Access.SIGNED_IN);
        ShareRoutes.register(
                routes,
                "/api/credentials/{id}",
                sharing,
                Sharing.Kind.CREDENTIAL,
                ctx -> store.require(scope(ctx), ctx.pathParam("id")).id(),
                (ctx, verb) -> {
                    CredentialStore.Info c = manageable(ctx, verb);
                    return new ShareRoutes.Managed(
                            c.id(), label(c), recipient -> store.checkNameFreeFor(recipient, c.name()));
                });
    }

    private static Policy.Scope scope(Context ctx) {
        return Policy.credentials(Access.principal(ctx));
    }

    /** The credential of the path, for its owner, the server's owner or an admin to {@code verb}: 404 unseen, 403 for a sharee. */
    private CredentialStore.Info manageable(Context ctx, String verb) throws java.sql.SQLException {
        CredentialStore.Info c = store.require(scope(ctx), ctx.pathParam("id"));
        Policy.checkManage(Access.principal(ctx), c.ownerId(), verb + " credential " + c.id());
        return c;
    }

    /** How the audit log names a credential. */
    private static String label(CredentialStore.Info c) {
        return CredentialStore.label(c.id(), c.name());
    }

    /** Records {@code action} by the caller, from the caller's address, in the transaction of the change. */
    private AuditLog.Recorder recorder(Context ctx, AuditLog.Action action) {
        return audit.recorder(action, Access.principal(ctx), Requests.clientAddress(ctx));
    }

    private static JsonNode body(Context ctx) {
        JsonNode body = Requests.json(ctx);
        if (!body.isObject()) throw ApiException.badRequest("expected a JSON object with name, type and data");
        return body;
    }

    /**
     * The types a credential may have, with their fields: what a form needs to ask for
     * ({@code fieldInfo}: which are secret, which have a default, which take one of a few
     * {@code options}) and whether it can be tested.
     */
    private static void types(Context ctx) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        var types = out.putArray("types");
        for (String type : CredentialTypes.names()) {
            ObjectNode t = types.addObject().put("type", type).put("testable", CredentialTypes.testable(type));
            CredentialTypes.fields(type).forEach(t.putArray("fields")::add);
            var info = t.putArray("fieldInfo");
            for (String field : CredentialTypes.fields(type)) {
                ObjectNode f = info.addObject().put("name", field).put("secret", CredentialTypes.secret(field));
                if (CredentialTypes.defaultOf(type, field) != null)
                    f.put("default", CredentialTypes.defaultOf(type, field));
                if (!CredentialTypes.choices(type, field).isEmpty())
                    CredentialTypes.choices(type, field).forEach(f.putArray("options")::add);
            }
        }
        ctx.json(out);
    }

    private static ObjectNode json(Context ctx, CredentialStore.Info c) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", c.id());
        out.put("name", c.name());
        out.put("type", c.type());
        out.put("owner", c.owner());
        // Whether the caller may change, delete, share and transfer it (else it is shared with them, to use).
        out.put("mayManage", Policy.mayManage(Access.principal(ctx), c.ownerId()));
        out.put("createdAt", c.createdAt().toString());
        out.put("updatedAt", c.updatedAt().toString());
        return out;
    }
}
