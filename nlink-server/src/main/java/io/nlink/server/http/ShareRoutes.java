package io.nlink.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.Sharing;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The share and transfer routes of one kind of thing, workflows and credentials alike: {@code GET}
 * and {@code PUT {path}/shares} (who it is shared with), {@code POST {path}/transfer} (a new owner).
 */
final class ShareRoutes {
    private ShareRoutes() {}

    /**
     * The thing of a request's path, found for a caller who may manage it.
     *
     * @param label      how the audit log names it
     * @param onTransfer what the account about to receive it must pass (a workflow's credentials)
     */
    record Managed(Object id, String label, Sharing.RecipientCheck onTransfer) {}

    /** The id of the thing of a request's path, when the caller may see it (404 otherwise). */
    @FunctionalInterface
    interface Seen {
        Object id(Context ctx) throws SQLException;
    }

    /** The thing of a request's path, when the caller may {@code verb} it (404 unseen, 403 for a sharee). */
    @FunctionalInterface
    interface Manageable {
        Managed require(Context ctx, String verb) throws SQLException;
    }

    /** Registers the routes below {@code path} (such as {@code /api/workflows/{id}}) for {@code kind}. */
    static void register(
            RoutesConfig routes, String path, Sharing sharing, Sharing.Kind kind, Seen seen, Manageable manageable) {
        routes.get(path + "/shares", ctx -> ctx.json(of(sharing.shares(kind, seen.id(ctx)))), Access.SIGNED_IN);
        routes.put(
                path + "/shares",
                ctx -> {
                    Managed managed = manageable.require(ctx, "share");
                    ctx.json(of(sharing.share(
                            Access.principal(ctx),
                            kind,
                            managed.id(),
                            managed.label(),
                            users(ctx),
                            Requests.clientAddress(ctx))));
                },
                Access.SIGNED_IN);
        routes.post(
                path + "/transfer",
                ctx -> {
                    Managed managed = manageable.require(ctx, "transfer");
                    ctx.json(of(sharing.transfer(
                            Access.principal(ctx),
                            kind,
                            managed.id(),
                            managed.label(),
                            to(ctx),
                            Requests.clientAddress(ctx),
                            managed.onTransfer())));
                },
                Access.SIGNED_IN);
    }

    /** {@code {"owner": {id, username}, "sharedWith": [{id, username, sharedAt}]}}. */
    private static ObjectNode of(Sharing.Shares shares) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.putObject("owner").put("id", shares.ownerId()).put("username", shares.owner());
        var with = out.putArray("sharedWith");
        for (Sharing.Sharee s : shares.sharedWith()) {
            with.addObject()
                    .put("id", s.id())
                    .put("username", s.username())
                    .put("sharedAt", s.sharedAt().toString());
        }
        return out;
    }

    /** The account names of {@code {"users": ["ana", "bo"]}}: everyone it is to be shared with. */
    private static List<String> users(Context ctx) {
        JsonNode users = Requests.json(ctx).get("users");
        if (users == null || !users.isArray()) {
            throw ApiException.badRequest(
                    "users: expected the names of every account to share with, such as {\"users\": [\"ana\"]} ([] shares with nobody)");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode name : users) {
            if (!name.isTextual())
                throw ApiException.badRequest("users: expected account names (text); got "
                        + name.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            names.add(name.asText());
        }
        return names;
    }

    /** The account name of {@code {"to": "ana"}}. */
    private static String to(Context ctx) {
        JsonNode to = Requests.json(ctx).get("to");
        if (to == null || !to.isTextual())
            throw ApiException.badRequest(
                    "to: expected the name of the account to transfer to, such as {\"to\": \"ana\"}");
        return to.asText();
    }
}
