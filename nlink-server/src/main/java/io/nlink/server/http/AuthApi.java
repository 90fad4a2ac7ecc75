package io.nlink.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.Accounts;
import io.nlink.server.auth.Principal;
import io.nlink.server.auth.Role;
import java.time.Duration;
import java.util.Map;

/**
 * Set-up, sign-in and out, passwords, API keys and accounts: {@code /api/setup}, {@code /api/session},
 * {@code /api/password}, {@code /api/password-reset}, {@code /api/api-keys}, {@code /api/users}.
 */
final class AuthApi {
    private final Accounts accounts;
    private final Duration sessionTtl;

    AuthApi(Accounts accounts, Duration sessionTtl) {
        this.accounts = accounts;
        this.sessionTtl = sessionTtl;
    }

    void register(RoutesConfig routes) {
        routes.get(
                "/api/setup",
                ctx -> ctx.json(Map.of("required", accounts.setupToken().isPresent())),
                Access.ANYONE);
        routes.post("/api/setup", this::setup, Access.ANYONE);
        routes.get("/api/session", this::session, Access.ANYONE);
        routes.post("/api/session", this::login, Access.ANYONE);
        routes.delete("/api/session", this::logout, Access.SIGNED_IN);
        routes.get(
                "/api/api-keys",
                ctx -> ctx.json(accounts.apiKeys(Access.principal(ctx)).stream()
                        .map(AuthApi::keyJson)
                        .toList()),
                Access.SIGNED_IN);
        routes.post("/api/api-keys", this::createKey, Access.SIGNED_IN);
        routes.delete("/api/api-keys/{id}", this::deleteKey, Access.SIGNED_IN);
        routes.get(
                "/api/users",
                ctx -> ctx.json(accounts.users().stream().map(AuthApi::userJson).toList()),
                Access.USER_MANAGER);
        routes.post("/api/users", this::createUser, Access.USER_MANAGER);
        routes.patch("/api/users/{id}", this::updateUser, Access.USER_MANAGER);
        routes.delete(
                "/api/users/{id}",
                ctx -> {
                    // Its workflows and credentials go to the account ?transferTo= names, else to the owner.
                    String to = ctx.queryParam("transferTo");
                    Long recipient;
                    try {
                        recipient = to == null || to.isBlank() ? null : Long.valueOf(to);
                    } catch (NumberFormatException e) {
                        throw ApiException.badRequest(
                                "transferTo: expected an account's id (GET /api/users); got \"" + to + "\"");
                    }
                    accounts.remove(Access.principal(ctx), id(ctx), recipient, Requests.clientAddress(ctx));
                    ctx.status(204);
                },
                Access.USER_MANAGER);
        routes.post("/api/users/{id}/password-reset", this::resetLink, Access.USER_MANAGER);
        routes.post("/api/password-reset", this::resetPassword, Access.ANYONE);
        routes.put("/api/password", this::changePassword, Access.SIGNED_IN);
    }

    private void setup(Context ctx) throws Exception {
        JsonNode body = Requests.json(ctx);
        Accounts.Session session = accounts.createOwner(
                Requests.text(body, "token"),
                Requests.text(body, "username"),
                Requests.text(body, "password"),
                Requests.clientAddress(ctx));
        startSession(ctx, session);
        ctx.status(201).json(sessionJson(session.principal()));
    }

    private void session(Context ctx) {
        Principal p = Access.optionalPrincipal(ctx).orElse(null);
        if (p == null) {
            ctx.status(401)
                    .json(Map.of(
                            "error",
                            "not signed in",
                            "setupRequired",
                            accounts.setupToken().isPresent()));
        } else {
            ctx.json(sessionJson(p));
        }
    }

    private void login(Context ctx) throws Exception {
        JsonNode body = Requests.json(ctx);
        Accounts.Session session = accounts.login(
                Requests.text(body, "username"), Requests.text(body, "password"), Requests.clientAddress(ctx));
        startSession(ctx, session);
        ctx.json(sessionJson(session.principal()));
    }

    private void logout(Context ctx) throws Exception {
        accounts.logout(ctx.cookie(Access.SESSION_COOKIE));
        ctx.cookie(cookie(ctx, "", 0));
        ctx.status(204);
    }

    private void createKey(Context ctx) throws Exception {
        Accounts.NewApiKey key =
                accounts.createApiKey(Access.principal(ctx), Requests.text(Requests.json(ctx), "name"));
        ctx.status(201)
                .json(Map.of(
                        "id",
                        key.id(),
                        "name",
                        key.name(),
                        "key",
                        key.key(),
                        "prefix",
                        key.prefix(),
                        "createdAt",
                        key.createdAt().toString()));
    }

    private void deleteKey(Context ctx) throws Exception {
        accounts.deleteApiKey(Access.principal(ctx), id(ctx));
        ctx.status(204);
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("id: expected a number");
        }
    }

    private void createUser(Context ctx) throws Exception {
        JsonNode body = Requests.json(ctx);
        String role = Requests.text(body, "role");
        Accounts.User user = accounts.createUser(
                Access.principal(ctx),
                Requests.text(body, "username"),
                Requests.text(body, "password"),
                role(role == null ? "member" : role),
                Requests.clientAddress(ctx));
        ctx.status(201).json(userJson(user));
    }

    private void updateUser(Context ctx) throws Exception {
        JsonNode body = Requests.json(ctx);
        String role = Requests.text(body, "role");
        JsonNode disabled = body.get("disabled");
        if (disabled != null && !disabled.isBoolean())
            throw ApiException.badRequest("disabled: expected true or false");
        Accounts.User user = accounts.update(
                Access.principal(ctx),
                id(ctx),
                role == null ? null : role(role),
                disabled == null ? null : disabled.asBoolean(),
                Requests.clientAddress(ctx));
        ctx.json(userJson(user));
    }

    private static Role role(String id) {
        try {
            return Role.of(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("role: " + e.getMessage());
        }
    }

    private void resetLink(Context ctx) throws Exception {
        Accounts.ResetLink link = accounts.resetLink(Access.principal(ctx), id(ctx), Requests.clientAddress(ctx));
        ctx.status(201)
                .json(Map.of(
                        "token",
                        link.token(),
                        "path",
                        link.path(),
                        "expiresAt",
                        link.expiresAt().toString()));
    }

    private void resetPassword(Context ctx) throws Exception {
        JsonNode body = Requests.json(ctx);
        accounts.resetPassword(
                Requests.text(body, "token"), Requests.text(body, "password"), Requests.clientAddress(ctx));
        ctx.status(204);
    }

    private void changePassword(Context ctx) throws Exception {
        JsonNode body = Requests.json(ctx);
        Principal caller = Access.principal(ctx);
        accounts.changePassword(
                caller,
                caller.viaSession() ? ctx.cookie(Access.SESSION_COOKIE) : null,
                Requests.text(body, "currentPassword"),
                Requests.text(body, "newPassword"),
                Requests.clientAddress(ctx));
        ctx.status(204);
    }

    private void startSession(Context ctx, Accounts.Session session) {
        ctx.cookie(cookie(ctx, session.cookie(), (int) sessionTtl.toSeconds()));
    }

    /** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure behind TLS. */
    private static Cookie cookie(Context ctx, String value, int maxAgeSeconds) {
        boolean tls = "https".equals(ctx.scheme()) || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
        return new Cookie(Access.SESSION_COOKIE, value, "/", maxAgeSeconds, tls, true, null, SameSite.STRICT);
    }

    private static ObjectNode sessionJson(Principal p) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.putObject("user").put("username", p.username()).put("role", p.role().id());
        out.put("csrfToken", p.csrfToken());
        return out;
    }

    private static Map<String, Object> userJson(Accounts.User u) {
        return Map.of(
                "id",
                u.id(),
                "username",
                u.username(),
                "role",
                u.role().id(),
                "createdAt",
                u.createdAt().toString(),
                "disabled",
                u.disabled());
    }

    private static ObjectNode keyJson(Accounts.ApiKey k) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", k.id())
                .put("name", k.name())
                .put("prefix", k.prefix())
                .put("createdAt", k.createdAt().toString());
        out.put("lastUsedAt", k.lastUsedAt() == null ? null : k.lastUsedAt().toString());
        return out;
    }
}
