package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import io.nlink.workflow.WebhookResponse;
import io.nlink.workflow.expr.Expressions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Respond to Webhook (n8n-nodes-base.respondToWebhook): answers the webhook call that started the
 * run (a Webhook node with {@code responseMode: "responseNode"}) and passes its items on, so the
 * run continues after the caller has its answer. As in n8n it runs once, its expressions read
 * from the first item. {@code respondWith}: firstIncomingItem (default), allIncomingItems (both
 * may be wrapped in {@code options.responseKey}), json and text ({@code responseBody}), noData,
 * redirect ({@code redirectURL}); {@code options.responseCode}, {@code options.responseHeaders.entries[{name, value}]}
 * (a Content-Type there replaces the body's).
 */
final class RespondToWebhookNode implements NodeType {
    /** HTTP token characters (RFC 9110): anything else in a header name could split or smuggle a response. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

    /**
     * Headers a workflow may not set. Framing headers are the server's to write; a cookie would be
     * set on the dashboard's own origin (a workflow could fix a session); the security headers keep
     * what a webhook answers from running as a page of the dashboard.
     */
    private static final Set<String> FORBIDDEN_HEADERS = Set.of(
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
            "upgrade",
            "trailer",
            "te",
            "set-cookie",
            "set-cookie2",
            "content-security-policy",
            "x-frame-options",
            "x-content-type-options",
            "cross-origin-opener-policy",
            "cross-origin-resource-policy",
            "cross-origin-embedder-policy",
            "referrer-policy",
            "strict-transport-security");

    /** A media type as HTTP writes it ({@code type/subtype}, then parameters), one line. */
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,127}/[!#$%&'*+.^_`|~0-9A-Za-z-]{1,127}(\\s*;[^\\r\\n]{0,512})?");

    private static final int MAX_HEADER_VALUE = 8 * 1024;

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<Item> in = run.input(0);
        // Resolved over every item so that $input.all() sees them all; the first item's parameters answer.
        Expressions.Resolved resolved = run.parametersPerItem(in).get(0);
        if (resolved.failure() != null)
            throw new NodeFailedException(resolved.failure().message());
        run.respondToWebhook(response(resolved.params(), in));
        return List.of(in.stream().map(i -> run.item(i.json(), i)).toList());
    }

    static WebhookResponse response(JsonNode p, List<Item> in) throws NodeFailedException {
        JsonNode options = p.path("options");
        String respondWith = p.path("respondWith").asText("firstIncomingItem");
        int status = status(options.path("responseCode"), respondWith.equals("redirect") ? 307 : 200);
        List<WebhookResponse.Header> headers =
                headers(options.path("responseHeaders").path("entries"));
        String key = options.path("responseKey").asText("");
        WebhookResponse response = switch (respondWith) {
            case "firstIncomingItem" ->
                json(status, headers, wrap(key, in.get(0).json()));
            case "allIncomingItems" -> {
                ArrayNode all = Json.MAPPER.createArrayNode();
                in.forEach(i -> all.add(i.json()));
                yield json(status, headers, wrap(key, all));
            }
            case "json" -> json(status, headers, jsonBody(p.get("responseBody")));
            case "text" ->
                new WebhookResponse(status, headers, "text/html; charset=utf-8", text(p.get("responseBody")));
            case "noData" -> new WebhookResponse(status, headers, null, null);
            case "redirect" -> {
                String url = p.path("redirectURL").asText("");
                if (url.isBlank())
                    throw new NodeFailedException("redirectURL: set the address to redirect the caller to");
                List<WebhookResponse.Header> withLocation = new ArrayList<>(headers);
                withLocation.add(new WebhookResponse.Header("Location", checkedValue("Location", url)));
                yield new WebhookResponse(status, withLocation, null, null);
            }
            case "binary", "jwt" ->
                throw new NodeFailedException(
                        "respondWith \"" + respondWith
                                + "\" is not supported yet; respond with json, text, firstIncomingItem, allIncomingItems, noData or redirect");
            default ->
                throw new NodeFailedException("respondWith \"" + respondWith
                        + "\" is unknown; use json, text, firstIncomingItem, allIncomingItems, noData or redirect");
        };
        return withContentType(response);
    }

    /**
     * A Content-Type among the headers replaces the body's own (as in n8n). The server answers
     * every webhook in a sandbox (Content-Security-Policy {@code sandbox; default-src 'none'}: no
     * script runs, nothing loads and the page has no origin), so a type a workflow chooses cannot
     * make an answer act as a page or a script of the dashboard.
     */
    private static WebhookResponse withContentType(WebhookResponse response) throws NodeFailedException {
        String type = null;
        List<WebhookResponse.Header> others = new ArrayList<>();
        for (WebhookResponse.Header h : response.headers()) {
            if (!h.name().equalsIgnoreCase("content-type")) {
                others.add(h);
                continue;
            }
            if (!MEDIA_TYPE.matcher(h.value().strip()).matches())
                throw new NodeFailedException("options.responseHeaders: Content-Type \"" + h.value()
                        + "\" is not a media type (type/subtype, then parameters, such as text/csv; charset=utf-8)");
            type = h.value().strip();
        }
        if (type == null || response.body() == null) return response;
        return new WebhookResponse(response.status(), others, type, response.body());
    }

    private static WebhookResponse json(int status, List<WebhookResponse.Header> headers, JsonNode body) {
        return new WebhookResponse(status, headers, "application/json; charset=utf-8", Json.write(body));
    }

    private static JsonNode wrap(String key, JsonNode body) {
        if (key.isEmpty()) return body;
        ObjectNode wrapped = Json.MAPPER.createObjectNode();
        wrapped.set(key, body);
        return wrapped;
    }

    /** n8n stores a JSON body as text (often an expression's result); an expression may also give an object. */
    private static JsonNode jsonBody(JsonNode body) throws NodeFailedException {
        if (body == null || body.isNull()) return Json.MAPPER.createObjectNode();
        if (!body.isTextual()) return body;
        if (body.asText().isBlank()) return Json.MAPPER.createObjectNode();
        try {
            return Json.parse(body.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new NodeFailedException("responseBody: not valid JSON (respondWith json): " + e.getMessage());
        }
    }

    private static String text(JsonNode body) {
        if (body == null || body.isNull()) return "";
        return body.isTextual() ? body.asText() : Json.write(body);
    }

    private static int status(JsonNode code, int fallback) throws NodeFailedException {
        if (code.isMissingNode() || code.isNull()) return fallback;
        int value = code.isNumber() ? code.asInt() : parse(code.asText());
        if (value < 100 || value > 599)
            throw new NodeFailedException("options.responseCode: " + code + " is not an HTTP status (100 to 599)");
        return value;
    }

    private static int parse(String text) throws NodeFailedException {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new NodeFailedException("options.responseCode: \"" + text + "\" is not a number");
        }
    }

    private static List<WebhookResponse.Header> headers(JsonNode entries) throws NodeFailedException {
        List<WebhookResponse.Header> headers = new ArrayList<>();
        if (!entries.isArray()) return headers;
        if (entries.size() > 50) throw new NodeFailedException("options.responseHeaders: at most 50 headers");
        for (JsonNode entry : entries) {
            String name = entry.path("name").asText("").strip();
            if (!HEADER_NAME.matcher(name).matches()) {
                throw new NodeFailedException("options.responseHeaders: \"" + name + "\" is not a valid header name");
            }
            if (FORBIDDEN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new NodeFailedException("options.responseHeaders: a workflow may not set " + name
                        + " (the server writes framing, cookie and security headers itself)");
            }
            headers.add(new WebhookResponse.Header(
                    name, checkedValue(name, entry.path("value").asText(""))));
        }
        return headers;
    }

    /** A header value on one line: a CR or LF would let the value start a header or a body of its own. */
    private static String checkedValue(String name, String value) throws NodeFailedException {
        if (value.length() > MAX_HEADER_VALUE)
            throw new NodeFailedException(
                    name + ": the header value is longer than " + MAX_HEADER_VALUE + " characters");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                throw new NodeFailedException(name + ": the header value contains a control character");
        }
        return value;
    }
}
