package io.nlink.server.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.nlink.server.auth.AuditLog;
import java.util.LinkedHashMap;
import java.util.Map;

/** The audit log, for the owner and admins: {@code GET /api/audit?before=ID&limit=N}, newest first. */
final class AuditApi {
    private static final int DEFAULT_PAGE = 100;

    private final AuditLog audit;

    AuditApi(AuditLog audit) {
        this.audit = audit;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/audit", this::page, Access.AUDIT_READER);
    }

    private void page(Context ctx) throws Exception {
        Long before =
                ctx.queryParam("before") == null ? null : number(ctx.queryParam("before"), "before", 1, Long.MAX_VALUE);
        int limit = ctx.queryParam("limit") == null
                ? DEFAULT_PAGE
                : (int) number(ctx.queryParam("limit"), "limit", 1, AuditLog.MAX_PAGE);
        AuditLog.Page page = audit.page(before, limit);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entries", page.entries().stream().map(AuditApi::entryJson).toList());
        body.put("nextBefore", page.nextBefore());
        ctx.json(body);
    }

    private static long number(String text, String name, long min, long max) {
        try {
            long n = Long.parseLong(text);
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.badRequest(name + ": expected a whole number from " + min + " to " + max);
    }

    private static Map<String, Object> entryJson(AuditLog.Entry e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", e.id());
        out.put("at", e.at().toString());
        out.put("action", e.action());
        out.put("actorId", e.actorId());
        out.put("actor", e.actor());
        out.put("target", e.target());
        out.put("address", e.address());
        out.put("detail", e.detail());
        return out;
    }
}
