package io.nlink.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.nlink.runtime.json.Json;
import java.io.IOException;
import java.io.InputStream;

/** Reading request bodies: bounded, strict JSON, and errors that say where the body went wrong. */
final class Requests {
    /** Largest JSON body: a test run of 1,000 modest items fits. */
    static final int MAX_JSON_BYTES = 8 * 1024 * 1024;

    private Requests() {}

    static JsonNode json(Context ctx) {
        return json(ctx, false);
    }

    /** A JSON object body, or an empty object when the request has no body. */
    static JsonNode jsonOrEmpty(Context ctx) {
        return json(ctx, true);
    }

    private static JsonNode json(Context ctx, boolean emptyIsObject) {
        checkJsonContentType(ctx, emptyIsObject);
        byte[] body;
        try (InputStream in = ctx.bodyInputStream()) {
            body = readAtMost(
                    in, MAX_JSON_BYTES, "the JSON body is larger than " + MAX_JSON_BYTES / (1024 * 1024) + " MiB");
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
        }
        if (body.length == 0) {
            if (emptyIsObject) return Json.MAPPER.createObjectNode();
            throw ApiException.badRequest("expected a JSON body");
        }
        try {
            JsonNode node = Json.parse(body);
            if (node == null || !node.isObject()) throw ApiException.badRequest("expected a JSON object");
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            throw ApiException.badRequest("the body is not valid JSON"
                    + (loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")") + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + e.getMessage());
        }
    }

    /**
     * Refuses a JSON route's body sent as anything but {@code application/json} (415). A browser
     * sends a form or {@code text/plain} to another site without asking it first (no CORS
     * pre-flight); {@code application/json} it sends only after one, which this server never
     * grants. So checking the type stops another site from signing a visitor in to an account of
     * its choosing (login CSRF) or posting to any other JSON route. A bodiless call to a route
     * whose body is optional needs no type.
     */
    private static void checkJsonContentType(Context ctx, boolean bodyOptional) {
        String type = ctx.header("Content-Type");
        if (type == null
                && bodyOptional
                && ctx.req().getContentLengthLong() <= 0
                && ctx.header("Transfer-Encoding") == null) return;
        String mediaType = type == null ? "" : type.split(";", 2)[0].strip();
        if (!mediaType.equalsIgnoreCase("application/json")) {
            throw new ApiException(
                    415,
                    ctx.method() + " " + ctx.path()
                            + " takes a JSON body: send it with \"Content-Type: application/json\""
                            + (type == null
                                    ? " (the request had no Content-Type)"
                                    : " (the request said \"" + io.nlink.runtime.text.Visible.inLog(type, 100)
                                            + "\")"));
        }
    }

    /**
     * The client's address, the key the sign-in throttle counts under and what the audit log
     * records: the connection's, unless it comes from a trusted proxy ({@code --trusted-proxy}),
     * whose {@code X-Forwarded-For} then names the client ({@link io.nlink.server.auth.TrustedProxies}).
     * From anyone else forwarding headers are not read: any client can write them.
     */
    static String clientAddress(Context ctx) {
        String attributed = ctx.attribute(CLIENT_ADDRESS);
        return attributed != null ? attributed : ctx.req().getRemoteAddr();
    }

    private static final String CLIENT_ADDRESS = "nlink.clientAddress";

    /** Works out the client's address once per request: the connection's, or what a trusted proxy forwarded. */
    static void attributeClientAddress(Context ctx, io.nlink.server.auth.TrustedProxies proxies) {
        String peer = ctx.req().getRemoteAddr();
        if (proxies.isEmpty()) return;
        java.util.List<String> forwarded = java.util.Collections.list(ctx.req().getHeaders("X-Forwarded-For"));
        ctx.attribute(CLIENT_ADDRESS, proxies.clientAddress(peer, forwarded));
    }

    /** Reads at most {@code limit} bytes; a longer body is refused with 413 and {@code tooLarge}. */
    static byte[] readAtMost(InputStream in, long limit, String tooLarge) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (bytes.length > limit) throw new ApiException(413, tooLarge);
        return bytes;
    }

    /** A string field of a JSON body, or null when absent; refuses other types. */
    static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) return null;
        if (!value.isTextual()) throw ApiException.badRequest(field + ": expected a string");
        return value.asText();
    }
}
