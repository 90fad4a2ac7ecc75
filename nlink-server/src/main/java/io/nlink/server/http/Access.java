package io.nlink.server.http;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.security.RouteRole;
import io.nlink.server.auth.Accounts;
import io.nlink.server.auth.Policy;
import io.nlink.server.auth.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

/**
 * Who may call a route. Every API route declares exactly one level; {@link #check} runs before
 * each matched route and refuses, as {@link Policy} decides, what the caller may not do, so a
 * route without a declared level cannot exist unnoticed (the OpenAPI test checks that too).
 *
 * <p>A caller proves itself with the session cookie (the dashboard) or an
 * {@code Authorization: Bearer nlk_…} API key (scripts). Mutating calls that ride on the cookie
 * must also send the session's CSRF token in {@value #CSRF_HEADER}; API keys need none, as no
 * browser sends them on its own.
 */
public enum Access implements RouteRole {
    /** No account needed: sign-in, set-up, health, the API description. */
    ANYONE(Policy.Level.ANYONE),
    /** Any signed-in account; what it sees there is narrowed by {@link Policy#workflows}. */
    SIGNED_IN(Policy.Level.SIGNED_IN),
    /** Upload and remove nodes. */
    NODE_MANAGER(Policy.Level.NODE_MANAGER),
    /** Create, change and remove accounts. */
    USER_MANAGER(Policy.Level.USER_MANAGER),
    /** Read the audit log. */
    AUDIT_READER(Policy.Level.AUDIT_READER);

    private final Policy.Level level;

    Access(Policy.Level level) {
        this.level = level;
    }

    public static final String SESSION_COOKIE = "nlink_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final String PRINCIPAL = "nlink.principal";
    /** Where webhooks are served ({@link WorkflowApi}); their callers are never nLink accounts. */
    static final String WEBHOOK_PATHS = "/webhook/";

    /** The before-matched filter. */
    static void check(Context ctx, Accounts accounts) throws SQLException {
        Set<RouteRole> roles = ctx.routeRoles();
        if (roles.isEmpty()) return; // static dashboard files
        // A webhook's Authorization header (and cookie) belong to the sender and the workflow's
        // own authentication, never to nLink's accounts: a sender's token is not a refused API key.
        if (ctx.path().startsWith(WEBHOOK_PATHS)) return;
        Access required = (Access) roles.iterator().next();
        Optional<Principal> principal = identify(ctx, accounts);
        principal.ifPresent(p -> ctx.attribute(PRINCIPAL, p));
        if (required == ANYONE) return;
        Principal p = principal.orElseThrow(
                () -> new ApiException(401, "sign in first, or send an API key as \"Authorization: Bearer nlk_…\""));
        if (p.viaSession() && mutating(ctx.method())) {
            String sent = ctx.header(CSRF_HEADER);
            if (sent == null
                    || !MessageDigest.isEqual(
                            sent.getBytes(StandardCharsets.UTF_8), p.csrfToken().getBytes(StandardCharsets.UTF_8))) {
                throw new ApiException(
                        403,
                        "missing or wrong " + CSRF_HEADER
                                + " header: send the csrfToken that GET /api/session returns");
            }
        }
        if (!Policy.mayCall(p.role(), required.level)) {
            throw new ApiException(403, Policy.refusal(p.role()));
        }
    }

    /** The caller; only for routes above {@link #ANYONE}, where the filter has made sure there is one. */
    static Principal principal(Context ctx) {
        Principal p = ctx.attribute(PRINCIPAL);
        if (p == null) throw new ApiException(401, "sign in first");
        return p;
    }

    static Optional<Principal> optionalPrincipal(Context ctx) {
        return Optional.ofNullable(ctx.attribute(PRINCIPAL));
    }

    private static Optional<Principal> identify(Context ctx, Accounts accounts) throws SQLException {
        String authorization = ctx.header("Authorization");
        if (authorization != null) {
            if (!authorization.startsWith("Bearer ")) {
                throw new ApiException(401, "the Authorization header must be \"Bearer nlk_…\" (an API key)");
            }
            return Optional.of(accounts.byApiKey(authorization.substring(7).trim())
                    .orElseThrow(() -> new ApiException(401, "unknown or revoked API key")));
        }
        return accounts.bySession(ctx.cookie(SESSION_COOKIE));
    }

    private static boolean mutating(HandlerType method) {
        return method == HandlerType.POST
                || method == HandlerType.PUT
                || method == HandlerType.PATCH
                || method == HandlerType.DELETE;
    }
}
