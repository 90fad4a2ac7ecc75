package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import io.nlink.workflow.http.GuardedHttp;
import io.nlink.workflow.http.OAuth2Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * HTTP Request (n8n-nodes-base.httpRequest, versions 3 to 4.2): one request per item, its
 * parameters resolved per item, through {@link GuardedHttp} (the SSRF guard and the bounds of
 * the run's {@link io.nlink.workflow.http.EgressPolicy}).
 *
 * <p>Parameters as n8n exports them: {@code method}, {@code url}; {@code authentication}
 * {@code genericCredentialType} with {@code genericAuthType} httpHeaderAuth / httpBasicAuth /
 * httpQueryAuth / httpBearerAuth / oAuth2Api (the node's credential of that type; OAuth2 by the client-credentials
 * grant, its token cached by {@link OAuth2Tokens}, fetched again once after a 401); {@code sendQuery} with
 * {@code queryParameters.parameters[{name, value}]} or {@code specifyQuery: "json"} and
 * {@code jsonQuery}; {@code sendHeaders} likewise ({@code headerParameters}, {@code jsonHeaders});
 * {@code sendBody} with {@code contentType} json (keypair {@code bodyParameters} or
 * {@code specifyBody: "json"} with {@code jsonBody}), form-urlencoded (keypair, or
 * {@code specifyBody: "string"} with {@code body}) or raw ({@code rawContentType}, {@code body});
 * {@code options.timeout} (ms), {@code options.response.response} ({@code fullResponse},
 * {@code neverError}, {@code responseFormat} autodetect / json / text, {@code outputPropertyName}),
 * {@code options.redirect.redirect} ({@code followRedirects}, {@code maxRedirects}),
 * {@code options.batching.batch} ({@code batchSize}, {@code batchInterval} ms).
 *
 * <p>Output as n8n gives it: a JSON object as the item, a JSON array as one item per element,
 * text as {@code {"data": "…"}}; with {@code fullResponse},
 * {@code {body, headers, statusCode, statusMessage}}. A status of 400 or more fails the item
 * unless {@code neverError}; the node's {@code onError} decides what a failed item does.
 */
final class HttpRequestNode implements NodeType {
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}");
    /** Headers the request's framing depends on: nLink writes them, a workflow may not. */
    private static final Set<String> FRAMING = Set.of(
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
            "upgrade",
            "te",
            "trailer",
            "proxy-connection");

    private static final Set<String> GENERIC_AUTH =
            Set.of("httpHeaderAuth", "httpBasicAuth", "httpQueryAuth", "httpBearerAuth", "oAuth2Api");
    private static final Duration MAX_BATCH_INTERVAL = Duration.ofMinutes(10);

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        if (run.node().typeVersion() < 3) {
            throw new NodeFailedException("HTTP Request version " + run.node().typeVersion()
                    + " (n8n's node before version 3) is not supported;"
                    + " replace it with a current HTTP Request node (version 4.2) in n8n and export again");
        }
        Auth auth = auth(run);
        GuardedHttp http = new GuardedHttp(run.services().egress());
        List<List<Item>> outputs = run.outputs(1);
        List<Item> items = run.input(0);
        Batching batching =
                batching(run.parameters().path("options").path("batching").path("batch"));
        run.eachItem(items, outputs, (i, item, p) -> {
            if (batching != null && i > 0 && i % batching.size() == 0) pause(batching.interval());
            GuardedHttp.Response response;
            try {
                String token = auth.oauth2() == null
                        ? null
                        : OAuth2Tokens.SHARED.token(
                                auth.oauth2(), run.services().egress());
                response = http.send(request(p, auth, token), timeout(p), redirects(p));
                if (response.status() == 401 && token != null) {
                    // The token was revoked or expired early: one more try with a new one.
                    OAuth2Tokens.SHARED.forget(auth.oauth2(), run.services().egress(), token);
                    token = OAuth2Tokens.SHARED.token(
                            auth.oauth2(), run.services().egress());
                    response = http.send(request(p, auth, token), timeout(p), redirects(p));
                }
            } catch (GuardedHttp.HttpFailure e) {
                throw new IllegalArgumentException(e.getMessage());
            }
            JsonNode responseOptions = p.path("options").path("response").path("response");
            if (response.status() >= 400 && !responseOptions.path("neverError").asBoolean(false)) {
                throw new IllegalArgumentException(failure(p.path("method").asText("GET"), response));
            }
            for (JsonNode json : output(response, responseOptions))
                outputs.get(0).add(run.item(json, item));
        });
        return outputs;
    }

    /**
     * What the node's authentication adds to each request: headers and query parameters, or an
     * OAuth2 client whose token goes in Authorization; never seen by expressions.
     */
    private record Auth(List<GuardedHttp.Header> headers, Map<String, String> query, OAuth2Tokens.Client oauth2) {
        static final Auth NONE = new Auth(List.of(), Map.of(), null);

        Auth(List<GuardedHttp.Header> headers, Map<String, String> query) {
            this(headers, query, null);
        }

        List<GuardedHttp.Header> headers(String token) {
            return token == null ? headers : List.of(new GuardedHttp.Header("Authorization", "Bearer " + token));
        }

        Set<String> headerNames() {
            Set<String> names = new HashSet<>();
            headers.forEach(h -> names.add(h.name().toLowerCase(Locale.ROOT)));
            if (oauth2 != null) names.add("authorization");
            return names;
        }
    }

    private static Auth auth(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        String authentication = p.path("authentication").asText("none");
        switch (authentication) {
            case "none" -> {
                return Auth.NONE;
            }
            case "genericCredentialType" -> {
                String type = p.path("genericAuthType").asText("");
                if (!GENERIC_AUTH.contains(type)) {
                    throw new NodeFailedException("genericAuthType \"" + type
                            + "\" is not supported; use httpHeaderAuth, httpBasicAuth, httpQueryAuth, httpBearerAuth or"
                            + " oAuth2Api");
                }
                ObjectNode data = run.credential(type);
                return switch (type) {
                    case "httpHeaderAuth" ->
                        new Auth(
                                List.of(new GuardedHttp.Header(
                                        data.path("name").asText(),
                                        data.path("value").asText())),
                                Map.of());
                    case "httpBearerAuth" ->
                        new Auth(
                                List.of(new GuardedHttp.Header(
                                        "Authorization",
                                        "Bearer " + data.path("token").asText())),
                                Map.of());
                    case "httpBasicAuth" ->
                        new Auth(
                                List.of(new GuardedHttp.Header(
                                        "Authorization",
                                        "Basic "
                                                + Base64.getEncoder()
                                                        .encodeToString((data.path("user")
                                                                                .asText() + ":"
                                                                        + data.path("password")
                                                                                .asText())
                                                                .getBytes(StandardCharsets.UTF_8)))),
                                Map.of());
                    case "oAuth2Api" -> {
                        ObjectNode client = io.nlink.workflow.CredentialTypes.normalised(type, data);
                        URI tokenUrl;
                        try {
                            tokenUrl = OAuth2Tokens.tokenUrl(
                                    client.path("accessTokenUrl").asText());
                        } catch (IllegalArgumentException e) {
                            throw new NodeFailedException("the OAuth2 credential's " + e.getMessage());
                        }
                        yield new Auth(
                                List.of(),
                                Map.of(),
                                new OAuth2Tokens.Client(
                                        tokenUrl,
                                        client.path("clientId").asText(),
                                        client.path("clientSecret").asText(),
                                        client.path("scope").asText(),
                                        client.path("authentication").asText().equals("body"),
                                        data.path(io.nlink.workflow.CredentialResolver.HOLDER)
                                                .asText("")));
                    }
                    default ->
                        new Auth(
                                List.of(),
                                Map.of(
                                        data.path("name").asText(),
                                        data.path("value").asText()));
                };
            }
            case "predefinedCredentialType" ->
                throw new NodeFailedException("authentication with a predefined credential type (\""
                        + p.path("nodeCredentialType").asText("")
                        + "\", a service's own credentials) is not supported; use \"Generic Credential Type\""
                        + " with header, basic or query authentication");
            default ->
                throw new NodeFailedException(
                        "authentication \"" + authentication + "\" is unknown; use none or genericCredentialType");
        }
    }

    private static GuardedHttp.Request request(JsonNode p, Auth auth, String token) {
        String method = p.path("method").asText("GET").toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method))
            throw new IllegalArgumentException("method \"" + method + "\" is not one of "
                    + String.join(", ", METHODS.stream().sorted().toList()));
        String url = p.path("url").asText("").strip();
        if (url.isEmpty()) throw new IllegalArgumentException("url: give the address to request");
        Map<String, String> query = new LinkedHashMap<>();
        if (p.path("sendQuery").asBoolean(false)) {
            pairs(p, "specifyQuery", "queryParameters", "jsonQuery", "query parameters")
                    .forEach((k, v) -> query.put(k, text(v)));
        }
        query.putAll(auth.query());
        URI uri = uri(url, query);
        List<GuardedHttp.Header> headers = new ArrayList<>();
        Set<String> userSet = new HashSet<>();
        if (p.path("sendHeaders").asBoolean(false)) {
            for (var header : pairs(p, "specifyHeaders", "headerParameters", "jsonHeaders", "headers")
                    .entrySet()) {
                String name = header.getKey().strip(), lower = name.toLowerCase(Locale.ROOT);
                if (!HEADER_NAME.matcher(name).matches())
                    throw new IllegalArgumentException("header \"" + name + "\" is not a valid header name");
                if (FRAMING.contains(lower))
                    throw new IllegalArgumentException(
                            "header " + name + " is written by nLink; a workflow may not set it");
                if (lower.equals("accept-encoding")) continue; // nLink asks for what it can decode (gzip, deflate)
                headers.add(new GuardedHttp.Header(name, headerValue(name, text(header.getValue()))));
                userSet.add(lower);
            }
        }
        byte[] body = null;
        if (p.path("sendBody").asBoolean(false) && !method.equals("GET") && !method.equals("HEAD")) {
            Body b = body(p);
            body = b.bytes();
            if (b.contentType() != null && !userSet.contains("content-type"))
                headers.add(new GuardedHttp.Header("Content-Type", headerValue("Content-Type", b.contentType())));
        }
        headers.addAll(auth.headers(
                token)); // last, so a workflow's own header of the same name cannot hide what the credential says
        return new GuardedHttp.Request(method, uri, List.copyOf(headers), body, auth.headerNames());
    }

    private record Body(byte[] bytes, String contentType) {}

    private static Body body(JsonNode p) {
        String contentType = p.path("contentType").asText("json");
        String specify = p.path("specifyBody").asText("keypair");
        return switch (contentType) {
            case "json" -> {
                JsonNode json = specify.equals("json")
                        ? json(p.get("jsonBody"), "jsonBody")
                        : object(pairs(p.path("bodyParameters")));
                yield new Body(Json.writeBytes(json), "application/json");
            }
            case "form-urlencoded" -> {
                if (specify.equals("string"))
                    yield new Body(
                            p.path("body").asText("").getBytes(StandardCharsets.UTF_8),
                            "application/x-www-form-urlencoded");
                StringBuilder form = new StringBuilder();
                pairs(p.path("bodyParameters"))
                        .forEach((k, v) -> form.append(form.isEmpty() ? "" : "&")
                                .append(form(k))
                                .append('=')
                                .append(form(text(v))));
                yield new Body(form.toString().getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded");
            }
            case "raw" -> {
                String type = p.path("rawContentType").asText("").strip();
                JsonNode raw = p.get("body");
                yield new Body(
                        (raw == null || raw.isNull() ? "" : text(raw)).getBytes(StandardCharsets.UTF_8),
                        type.isEmpty() ? "text/plain; charset=utf-8" : type);
            }
            default ->
                throw new IllegalArgumentException(
                        "contentType \"" + contentType + "\" is not supported yet; use json, form-urlencoded or raw"
                                + " (nLink items carry no binary data for multipart or binaryData)");
        };
    }

    /** Name/value pairs given one by one ({@code <list>.parameters[{name, value}]}) or as JSON ({@code <json>}). */
    private static Map<String, JsonNode> pairs(
            JsonNode p, String specifyField, String listField, String jsonField, String what) {
        if (p.path(specifyField).asText("keypair").equals("json")) {
            JsonNode json = json(p.get(jsonField), jsonField);
            if (!json.isObject())
                throw new IllegalArgumentException(
                        jsonField + ": the " + what + " must be a JSON object of names and values");
            Map<String, JsonNode> out = new LinkedHashMap<>();
            json.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        }
        return pairs(p.path(listField));
    }

    private static Map<String, JsonNode> pairs(JsonNode list) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode pair : list.path("parameters")) {
            String name = pair.path("name").asText("");
            if (!name.isEmpty())
                out.put(
                        name,
                        pair.path("value").isMissingNode()
                                ? Json.MAPPER.getNodeFactory().textNode("")
                                : pair.get("value"));
        }
        return out;
    }

    private static ObjectNode object(Map<String, JsonNode> pairs) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        pairs.forEach(out::set);
        return out;
    }

    /** n8n keeps JSON parameters as text (often an expression's result); an expression may also give the object itself. */
    private static JsonNode json(JsonNode value, String field) {
        if (value == null || value.isNull()) return Json.MAPPER.createObjectNode();
        if (!value.isTextual()) return value;
        if (value.asText().isBlank()) return Json.MAPPER.createObjectNode();
        try {
            return Json.parse(value.asText().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException(field + ": not valid JSON: " + e.getMessage());
        }
    }

    private static URI uri(String url, Map<String, String> query) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url: \"" + url + "\" is not a valid URL (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || uri.getRawAuthority() == null) {
            throw new IllegalArgumentException(
                    "url: \"" + url + "\" names no host; give a full address such as https://api.example.com/path");
        }
        if (query.isEmpty()) return uri;
        StringBuilder added = new StringBuilder(uri.getRawQuery() == null ? "" : uri.getRawQuery());
        query.forEach((k, v) -> added.append(added.isEmpty() ? "" : "&")
                .append(component(k))
                .append('=')
                .append(component(v)));
        try {
            return new URI(
                    uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath())
                            + "?" + added + (uri.getRawFragment() == null ? "" : "#" + uri.getRawFragment()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "url: \"" + url + "\" with its query parameters is not a valid URL (" + e.getReason() + ")");
        }
    }

    private static String component(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String text(JsonNode value) {
        return value == null || value.isNull() ? "" : value.isValueNode() ? value.asText() : Json.write(value);
    }

    private static String headerValue(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                throw new IllegalArgumentException("header " + name + ": the value contains a control character");
            if (c > 0xff)
                throw new IllegalArgumentException(
                        "header " + name + ": the value has a character outside ISO-8859-1; encode it first");
        }
        return value;
    }

    private static Duration timeout(JsonNode p) {
        JsonNode timeout = p.path("options").path("timeout");
        if (timeout.isMissingNode() || timeout.isNull()) return null;
        long ms = timeout.asLong(-1);
        if (ms <= 0)
            throw new IllegalArgumentException("options.timeout: expected milliseconds, more than 0; got " + timeout);
        return Duration.ofMillis(ms);
    }

    private static GuardedHttp.Redirects redirects(JsonNode p) {
        JsonNode r = p.path("options").path("redirect").path("redirect");
        int max = r.path("maxRedirects").asInt(21);
        if (max < 0 || max > 100)
            throw new IllegalArgumentException("options.redirect.redirect.maxRedirects: expected 0 to 100; got " + max);
        return new GuardedHttp.Redirects(r.path("followRedirects").asBoolean(true), max);
    }

    private record Batching(int size, Duration interval) {}

    private static Batching batching(JsonNode batch) {
        if (batch.isMissingNode()) return null;
        int size = batch.path("batchSize").asInt(50);
        long interval = batch.path("batchInterval").asLong(1000);
        if (size <= 0) return null;
        return new Batching(size, Duration.ofMillis(Math.max(0, Math.min(interval, MAX_BATCH_INTERVAL.toMillis()))));
    }

    private static void pause(Duration interval) {
        try {
            Thread.sleep(interval);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted while waiting between batches");
        }
    }

    /** Why a status of 400 or more failed the item: the status, where (without the query) and the start of the body. */
    private static String failure(String method, GuardedHttp.Response response) {
        String body = decodedText(response.body());
        String snippet = body == null ? "" : body.strip();
        if (snippet.length() > 500) snippet = snippet.substring(0, 500) + "…";
        return "HTTP " + response.status() + (response.reason().isEmpty() ? "" : " " + response.reason()) + " from "
                + method.toUpperCase(Locale.ROOT) + " "
                + GuardedHttp.shown(response.uri()) + (snippet.isEmpty() ? "" : ": " + snippet)
                + " (set options.response.response.neverError to take such answers as items)";
    }

    private static List<JsonNode> output(GuardedHttp.Response response, JsonNode options) {
        String format = options.path("responseFormat").asText("autodetect");
        String property = options.path("outputPropertyName").asText("data");
        String contentType = response.header("content-type") == null
                ? ""
                : response.header("content-type").toLowerCase(Locale.ROOT);
        JsonNode body = switch (format) {
            case "json" -> {
                JsonNode parsed = parsedJson(response.body());
                if (parsed == null)
                    throw new IllegalArgumentException(
                            "the response body is not valid JSON; set options.response.response.responseFormat to \"text\"");
                yield parsed;
            }
            case "text" -> textBody(response);
            case "autodetect" -> {
                if (contentType.contains("json")) {
                    JsonNode parsed = parsedJson(response.body());
                    yield parsed != null ? parsed : textBody(response);
                }
                if (binary(contentType)) {
                    throw new IllegalArgumentException(
                            "the response is binary (" + contentType + "); nLink items carry JSON and text only"
                                    + " (set responseFormat to \"text\" if it is text after all)");
                }
                yield textBody(response);
            }
            case "file" ->
                throw new IllegalArgumentException(
                        "responseFormat \"file\" is not supported: nLink items carry no binary data; use json or text");
            default ->
                throw new IllegalArgumentException(
                        "responseFormat \"" + format + "\" is unknown; use autodetect, json or text");
        };
        if (options.path("fullResponse").asBoolean(false)) {
            ObjectNode full = Json.MAPPER.createObjectNode();
            full.set("body", body);
            full.set("headers", headers(response));
            full.put("statusCode", response.status());
            full.put("statusMessage", response.reason());
            return List.of(full);
        }
        if (body.isTextual()) return List.of(Json.MAPPER.createObjectNode().set(property, body));
        if (body.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            for (JsonNode element : body)
                items.add(
                        element.isObject()
                                ? element
                                : Json.MAPPER.createObjectNode().set(property, element));
            return items;
        }
        return List.of(body.isObject() ? body : Json.MAPPER.createObjectNode().set(property, body));
    }

    private static JsonNode parsedJson(byte[] body) {
        if (body.length == 0) return Json.MAPPER.createObjectNode();
        try {
            return Json.parse(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static JsonNode textBody(GuardedHttp.Response response) {
        String text = decodedText(response.body());
        if (text == null)
            throw new IllegalArgumentException("the response is not UTF-8 text; nLink items carry JSON and text only");
        return Json.MAPPER.getNodeFactory().textNode(text);
    }

    private static String decodedText(byte[] body) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean binary(String contentType) {
        return contentType.startsWith("image/")
                || contentType.startsWith("audio/")
                || contentType.startsWith("video/")
                || contentType.startsWith("font/")
                || contentType.startsWith("application/octet-stream")
                || contentType.startsWith("application/pdf")
                || contentType.startsWith("application/zip")
                || contentType.startsWith("application/gzip");
    }

    /** Response headers as n8n gives them: lower-case names, repeated ones joined, set-cookie as a list. */
    private static ObjectNode headers(GuardedHttp.Response response) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        for (GuardedHttp.Header h : response.headers()) {
            if (h.name().equals("set-cookie")) {
                (out.get("set-cookie") instanceof ArrayNode list ? list : out.putArray("set-cookie")).add(h.value());
            } else {
                out.put(h.name(), out.has(h.name()) ? out.get(h.name()).asText() + ", " + h.value() : h.value());
            }
        }
        return out;
    }
}
