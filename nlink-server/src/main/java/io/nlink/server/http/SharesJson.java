package io.nlink.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.Sharing;
import java.util.ArrayList;
import java.util.List;

/** The share routes' bodies, for workflows and credentials alike. */
final class SharesJson {
    private SharesJson() {}

    /** {@code {"owner": {id, username}, "sharedWith": [{id, username, sharedAt}]}}. */
    static ObjectNode of(Sharing.Shares shares) {
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
    static List<String> users(Context ctx) {
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
    static String to(Context ctx) {
        JsonNode to = Requests.json(ctx).get("to");
        if (to == null || !to.isTextual())
            throw ApiException.badRequest(
                    "to: expected the name of the account to transfer to, such as {\"to\": \"ana\"}");
        return to.asText();
    }
}
