package io.nlink.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.Policy;
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

    CredentialsApi(CredentialStore store) {
        this.store = store;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/credentials", ctx -> ctx.json(Map.of("credentials", store.list(scope(ctx)).stream().map(CredentialsApi::json).toList())),
                Access.SIGNED_IN);
        routes.post("/api/credentials", ctx -> ctx.status(201).json(json(store.create(Access.principal(ctx), body(ctx)))), Access.SIGNED_IN);
        routes.get("/api/credentials/types", CredentialsApi::types, Access.SIGNED_IN);
        routes.get("/api/credentials/{id}", ctx -> ctx.json(json(store.require(scope(ctx), ctx.pathParam("id")))), Access.SIGNED_IN);
        routes.put("/api/credentials/{id}", ctx -> ctx.json(json(store.update(scope(ctx), ctx.pathParam("id"), body(ctx)))), Access.SIGNED_IN);
        routes.post("/api/credentials/{id}/test", ctx -> {
            CredentialStore.TestResult result = store.test(scope(ctx), ctx.pathParam("id"));
            ctx.json(Json.MAPPER.createObjectNode().put("ok", result.ok()).put("message", result.message()));
        }, Access.SIGNED_IN);
        routes.delete("/api/credentials/{id}", ctx -> {
            store.delete(scope(ctx), ctx.pathParam("id"));
            ctx.status(204);
        }, Access.SIGNED_IN);
    }

    private static Policy.Scope scope(Context ctx) {
        return Policy.credentials(Access.principal(ctx));
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
                if (CredentialTypes.defaultOf(type, field) != null) f.put("default", CredentialTypes.defaultOf(type, field));
                if (!CredentialTypes.choices(type, field).isEmpty()) CredentialTypes.choices(type, field).forEach(f.putArray("options")::add);
            }
        }
        ctx.json(out);
    }

    private static ObjectNode json(CredentialStore.Info c) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", c.id());
        out.put("name", c.name());
        out.put("type", c.type());
        out.put("owner", c.owner());
        out.put("createdAt", c.createdAt().toString());
        out.put("updatedAt", c.updatedAt().toString());
        return out;
    }
}
