package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.http.EgressPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP Request node against real HTTP servers on loopback (allowed explicitly here; the
 * default policy refuses loopback, as the SSRF tests show), with n8n's parameters.
 */
class HttpRequestNodeTest {
    static HttpServer server;
    static HttpServer other;
    static String base;
    /** Every request the servers saw: "path headers…", for what must and must not have arrived. */
    static final List<String> seen = new CopyOnWriteArrayList<>();

    static WorkflowEngine engine;
    static WorkflowEngine guarded;

    static final Map<String, ObjectNode> CREDENTIALS = Map.of(
            "key", credential("{\"name\": \"X-Api-Key\", \"value\": \"s3cret-header-value\"}"),
            "basic", credential("{\"user\": \"ada\", \"password\": \"s3cret-password\"}"),
            "query", credential("{\"name\": \"api_key\", \"value\": \"s3cret-query-value\"}"),
            "bearer", credential("{\"token\": \"s3cret-bearer-token\"}"));

    @BeforeAll
    static void servers() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", HttpRequestNodeTest::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        other.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        other.createContext("/", HttpRequestNodeTest::handle);
        other.start();
        CredentialResolver credentials = (type, ref) -> {
            ObjectNode data = CREDENTIALS.get(ref.id());
            if (data == null)
                throw new CredentialResolver.MissingCredentialException(
                        "credential " + ref.describe() + " does not exist");
            return data.deepCopy();
        };
        WorkflowEngine base = builtinOnly().withCredentials(credentials);
        engine = base.withEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1").withMaxResponseBytes(1024 * 1024));
        guarded = base; // the default policy: loopback and every other internal address refused
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        other.stop(0);
    }

    /** Built-in nodes only: no community packages are needed here. */
    static WorkflowEngine builtinOnly() throws Exception {
        return new WorkflowEngine(
                new PackageResolver(Fixtures.RUNTIME, io.nlink.runtime.SandboxLimits.DEFAULTS, List.of()),
                Fixtures.JS,
                io.nlink.runtime.SandboxLimits.DEFAULTS);
    }

    private static ObjectNode credential(String json) {
        try {
            return (ObjectNode) Json.parse(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        byte[] in = x.getRequestBody().readAllBytes();
        seen.add(x.getLocalAddress().getPort() + " " + x.getRequestURI() + " "
                + x.getRequestHeaders().entrySet());
        String query =
                x.getRequestURI().getRawQuery() == null ? "" : x.getRequestURI().getRawQuery();
        switch (path) {
            case "/echo" -> {
                ObjectNode echo = Json.MAPPER.createObjectNode();
                echo.put("method", x.getRequestMethod());
                echo.put("query", query);
                ObjectNode headers = echo.putObject("headers");
                x.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
                echo.put("body", new String(in, StandardCharsets.UTF_8));
                send(x, 200, "application/json", Json.writeBytes(echo));
            }
            case "/array" ->
                send(
                        x,
                        200,
                        "application/json; charset=utf-8",
                        "[{\"n\": 1}, {\"n\": 2}, 3]".getBytes(StandardCharsets.UTF_8));
            case "/text" -> send(x, 200, "text/plain", "plain words".getBytes(StandardCharsets.UTF_8));
            case "/missing" ->
                send(x, 404, "application/json", "{\"message\": \"no such thing\"}".getBytes(StandardCharsets.UTF_8));
            case "/redirect" -> {
                x.getResponseHeaders()
                        .add(
                                "Location",
                                java.net.URLDecoder.decode(query.substring("to=".length()), StandardCharsets.UTF_8));
                send(x, 302, null, new byte[0]);
            }
            case "/big" -> { // no Content-Length: the body runs to the end of the connection
                x.getResponseHeaders().add("Content-Type", "text/plain");
                x.sendResponseHeaders(200, 0);
                try (OutputStream out = x.getResponseBody()) {
                    byte[] chunk = new byte[64 * 1024];
                    java.util.Arrays.fill(chunk, (byte) 'a');
                    for (int i = 0; i < 32; i++) out.write(chunk); // 2 MiB
                } catch (IOException e) {
                    // the client stopped reading at its bound
                }
            }
            case "/bomb" -> { // 64 KiB of gzip that inflates to 64 MiB
                ByteArrayOutputStream gz = new ByteArrayOutputStream();
                try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
                    byte[] zeros = new byte[1024 * 1024];
                    for (int i = 0; i < 64; i++) z.write(zeros);
                }
                x.getResponseHeaders().add("Content-Encoding", "gzip");
                send(x, 200, "text/plain", gz.toByteArray());
            }
            case "/gzip" -> {
                ByteArrayOutputStream gz = new ByteArrayOutputStream();
                try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
                    z.write("{\"zipped\": true}".getBytes(StandardCharsets.UTF_8));
                }
                x.getResponseHeaders().add("Content-Encoding", "gzip");
                send(x, 200, "application/json", gz.toByteArray());
            }
            case "/slow" -> {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                send(x, 200, "text/plain", "late".getBytes(StandardCharsets.UTF_8));
            }
            default -> send(x, 200, "application/json", "{\"hello\": \"world\"}".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
        if (type != null) x.getResponseHeaders().add("Content-Type", type);
        x.getResponseHeaders().add("Set-Cookie", "a=1");
        x.getResponseHeaders().add("Set-Cookie", "b=2");
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }

    static String http(String parameters) {
        return http(parameters, "");
    }

    static String http(String parameters, String extra) {
        return "{\"name\": \"HTTP\", \"type\": \"n8n-nodes-base.httpRequest\", \"typeVersion\": 4.2, \"parameters\": "
                + parameters + extra + "}";
    }

    static Execution run(WorkflowEngine engine, String node, String items) throws Exception {
        return engine.run(Fixtures.workflow(Fixtures.chain(node)), null, Fixtures.items(items));
    }

    static List<String> output(String node, String items) throws Exception {
        Execution run = run(engine, node, items);
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        return run.output().stream().map(JsonNode::toString).toList();
    }

    static String error(WorkflowEngine engine, String node) throws Exception {
        Execution run = run(engine, node, "[{}]");
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.ERROR);
        return run.error();
    }

    @Test
    void responsesBecomeItemsAsInN8n() throws Exception {
        assertThat(output(http("{\"url\": \"" + base + "/\"}"), "[{}]")).containsExactly("{\"hello\":\"world\"}");
        assertThat(output(http("{\"url\": \"" + base + "/array\"}"), "[{}]"))
                .containsExactly("{\"n\":1}", "{\"n\":2}", "{\"data\":3}");
        assertThat(output(http("{\"url\": \"" + base + "/text\"}"), "[{}]"))
                .containsExactly("{\"data\":\"plain words\"}");
        assertThat(output(
                        http("{\"url\": \"" + base
                                + "/text\", \"options\": {\"response\": {\"response\": {\"responseFormat\": \"text\","
                                + " \"outputPropertyName\": \"page\"}}}}"),
                        "[{}]"))
                .containsExactly("{\"page\":\"plain words\"}");
        assertThat(output(http("{\"url\": \"" + base + "/gzip\"}"), "[{}]")).containsExactly("{\"zipped\":true}");
        String full = output(
                        http("{\"url\": \"" + base
                                + "/\", \"options\": {\"response\": {\"response\": {\"fullResponse\": true}}}}"),
                        "[{}]")
                .get(0);
        assertThat(Json.parse(full).path("body").toString()).isEqualTo("{\"hello\":\"world\"}");
        assertThat(Json.parse(full).path("statusCode").asInt()).isEqualTo(200);
        assertThat(Json.parse(full).path("statusMessage").asText()).isEqualTo("OK");
        assertThat(Json.parse(full).path("headers").path("content-type").asText())
                .isEqualTo("application/json");
        assertThat(Json.parse(full).path("headers").path("set-cookie").toString())
                .isEqualTo("[\"a=1\",\"b=2\"]");
        assertThat(
                        error(
                                engine,
                                http(
                                        "{\"url\": \"" + base
                                                + "/text\", \"options\": {\"response\": {\"response\": {\"responseFormat\": \"json\"}}}}")))
                .contains("the response body is not valid JSON");
    }

    @Test
    void eachItemSendsItsOwnRequestWithQueryHeadersAndBody() throws Exception {
        String node = http("""
                {"method": "POST", "url": "=%s/echo?fixed=1", "sendQuery": true, "queryParameters": {"parameters": [{"name": "n", "value": "={{ $json.n }}"},
                 {"name": "q", "value": "a b&c"}]}, "sendHeaders": true, "headerParameters": {"parameters": [{"name": "X-Item", "value": "={{ $json.n * 10 }}"}]},
                 "sendBody": true, "bodyParameters": {"parameters": [{"name": "name", "value": "={{ $json.name }}"}, {"name": "list", "value": "={{ [1, 2] }}"}]}}""".formatted(base));
        List<String> out = output(node, "[{\"n\": 1, \"name\": \"ada\"}, {\"n\": 2, \"name\": \"bob\"}]");
        assertThat(out).hasSize(2);
        JsonNode first = Json.parse(out.get(0));
        assertThat(first.path("method").asText()).isEqualTo("POST");
        assertThat(first.path("query").asText()).isEqualTo("fixed=1&n=1&q=a%20b%26c");
        assertThat(first.path("headers").path("x-item").asText()).isEqualTo("10");
        assertThat(first.path("headers").path("content-type").asText()).isEqualTo("application/json");
        assertThat(first.path("body").asText()).isEqualTo("{\"name\":\"ada\",\"list\":[1,2]}");
        assertThat(Json.parse(out.get(1)).path("body").asText()).isEqualTo("{\"name\":\"bob\",\"list\":[1,2]}");

        String json = http(
                "{\"method\": \"PUT\", \"url\": \"" + base + "/echo\", \"sendBody\": true, \"specifyBody\": \"json\","
                        + " \"jsonBody\": \"={ \\\"id\\\": {{ $json.n }} }\", \"sendQuery\": true, \"specifyQuery\": \"json\", \"jsonQuery\": \"{\\\"a\\\": 1}\"}");
        JsonNode put = Json.parse(output(json, "[{\"n\": 7}]").get(0));
        assertThat(put.path("method").asText()).isEqualTo("PUT");
        assertThat(put.path("body").asText()).isEqualTo("{\"id\":7}");
        assertThat(put.path("query").asText()).isEqualTo("a=1");
        String form = http(
                "{\"method\": \"POST\", \"url\": \"" + base
                        + "/echo\", \"sendBody\": true, \"contentType\": \"form-urlencoded\","
                        + " \"bodyParameters\": {\"parameters\": [{\"name\": \"a b\", \"value\": \"c&d\"}, {\"name\": \"e\", \"value\": \"f\"}]}}");
        JsonNode posted = Json.parse(output(form, "[{}]").get(0));
        assertThat(posted.path("body").asText()).isEqualTo("a+b=c%26d&e=f");
        assertThat(posted.path("headers").path("content-type").asText()).isEqualTo("application/x-www-form-urlencoded");
        String raw = http(
                "{\"method\": \"POST\", \"url\": \"" + base
                        + "/echo\", \"sendBody\": true, \"contentType\": \"raw\", \"rawContentType\": \"text/csv\", \"body\": \"a,b\\n1,2\"}");
        JsonNode csv = Json.parse(output(raw, "[{}]").get(0));
        assertThat(csv.path("body").asText()).isEqualTo("a,b\n1,2");
        assertThat(csv.path("headers").path("content-type").asText()).isEqualTo("text/csv");
        assertThat(
                        error(
                                engine,
                                http(
                                        "{\"url\": \"" + base
                                                + "/echo\", \"sendHeaders\": true, \"headerParameters\": {\"parameters\": [{\"name\": \"X\", \"value\": \"a\\r\\nInjected: 1\"}]}}")))
                .contains("header X: the value contains a control character");
        assertThat(
                        error(
                                engine,
                                http(
                                        "{\"url\": \"" + base
                                                + "/echo\", \"sendHeaders\": true, \"headerParameters\": {\"parameters\": [{\"name\": \"Content-Length\", \"value\": \"5\"}]}}")))
                .contains("header Content-Length is written by nLink");
    }

    @Test
    void errorStatusesFailTheItemUnlessNeverErrorAndOnErrorDecides() throws Exception {
        assertThat(error(engine, http("{\"url\": \"" + base + "/missing?token=hidden\"}")))
                .isEqualTo("item 0: HTTP 404 Not Found from GET " + base + "/missing: {\"message\": \"no such thing\"}"
                        + " (set options.response.response.neverError to take such answers as items)");
        assertThat(output(
                                http(
                                        "{\"url\": \"" + base
                                                + "/missing\", \"options\": {\"response\": {\"response\": {\"neverError\": true, \"fullResponse\": true}}}}"),
                                "[{}]")
                        .get(0))
                .contains("\"statusCode\":404");
        List<String> continued = output(
                http("{\"url\": \"=" + base + "/{{ $json.path }}\"}", ", \"onError\": \"continueRegularOutput\""),
                "[{\"path\": \"missing\"}, {\"path\": \"\"}]");
        assertThat(continued).hasSize(2);
        assertThat(continued.get(0)).startsWith("{\"error\":\"HTTP 404 Not Found");
        assertThat(continued.get(1)).isEqualTo("{\"hello\":\"world\"}");
        assertThat(error(engine, http("{\"url\": \"" + base + "/\"}").replace("4.2", "1")))
                .contains("HTTP Request version 1.0");
        assertThat(
                        error(
                                engine,
                                http(
                                        "{\"url\": \"" + base
                                                + "/\", \"sendBody\": true, \"method\": \"POST\", \"contentType\": \"multipart-form-data\"}")))
                .contains("contentType \"multipart-form-data\" is not supported yet");
    }

    @Test
    void credentialsAuthenticateAndStayOutOfTheRecord() throws Exception {
        String header = http(
                "{\"url\": \"" + base
                        + "/echo\", \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"httpHeaderAuth\"}",
                ", \"credentials\": {\"httpHeaderAuth\": {\"id\": \"key\", \"name\": \"My key\"}}");
        Execution run = run(engine, header, "[{}]");
        assertThat(run.output().get(0).path("headers").path("x-api-key").asText())
                .isEqualTo("s3cret-header-value");
        String basic = http(
                "{\"url\": \"" + base
                        + "/echo\", \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"httpBasicAuth\"}",
                ", \"credentials\": {\"httpBasicAuth\": {\"id\": \"basic\", \"name\": \"Ada\"}}");
        assertThat(run(engine, basic, "[{}]")
                        .output()
                        .get(0)
                        .path("headers")
                        .path("authorization")
                        .asText())
                .isEqualTo("Basic "
                        + java.util.Base64.getEncoder()
                                .encodeToString("ada:s3cret-password".getBytes(StandardCharsets.UTF_8)));
        // n8n's benchmark credential-http-node.json authenticates so (genericAuthType httpBearerAuth).
        String bearer = http(
                "{\"url\": \"" + base
                        + "/echo\", \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"httpBearerAuth\"}",
                ", \"credentials\": {\"httpBearerAuth\": {\"id\": \"bearer\", \"name\": \"Token\"}}");
        Execution bearerRun = run(engine, bearer, "[{}]");
        assertThat(bearerRun
                        .output()
                        .get(0)
                        .path("headers")
                        .path("authorization")
                        .asText())
                .isEqualTo("Bearer s3cret-bearer-token");
        // The echo's answer holds the token (the server sent it back); the node's own record and error never do.
        assertThat(run(engine, bearer.replace("/echo", "/missing"), "[{}]")
                        .toJson()
                        .toString())
                .doesNotContain("s3cret-bearer-token");
        String query = http(
                "{\"url\": \"" + base
                        + "/missing\", \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"httpQueryAuth\"}",
                ", \"credentials\": {\"httpQueryAuth\": {\"id\": \"query\", \"name\": \"Q\"}}");
        Execution failed = run(engine, query, "[{}]");
        assertThat(seen).anyMatch(s -> s.contains("/missing?api_key=s3cret-query-value"));
        // The node's record shows neither the secret sent in a query nor one sent in a header.
        assertThat(failed.error()).doesNotContain("s3cret");
        String headerViaText = http(
                "{\"url\": \"" + base
                        + "/\", \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"httpHeaderAuth\"}",
                ", \"credentials\": {\"httpHeaderAuth\": {\"id\": \"key\", \"name\": \"My key\"}}");
        assertThat(run(engine, headerViaText, "[{}]").toJson().toString()).doesNotContain("s3cret");

        assertThat(
                        error(
                                engine,
                                http(
                                        "{\"url\": \"" + base
                                                + "/\", \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"httpHeaderAuth\"}",
                                        ", \"credentials\": {\"httpHeaderAuth\": {\"id\": \"gone\", \"name\": \"Deleted key\"}}")))
                .isEqualTo("credential \"Deleted key\" (id gone) does not exist");
        assertThat(
                        error(
                                engine,
                                http(
                                        "{\"url\": \"" + base
                                                + "/\", \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"httpHeaderAuth\"}")))
                .contains("the node needs a credential of type httpHeaderAuth and names none");
        assertThat(error(
                        builtinOnly().withEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1")),
                        http(
                                "{\"url\": \"" + base
                                        + "/\", \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"httpBasicAuth\"}",
                                ", \"credentials\": {\"httpBasicAuth\": {\"id\": \"basic\", \"name\": \"Ada\"}}")))
                .contains(
                        "credential \"Ada\" (id basic) (httpBasicAuth) is not available: this run has no credentials");
    }

    @Test
    void credentialReferencesAreReadAsN8nWritesThem() throws Exception {
        Workflow workflow = Fixtures.workflow(Fixtures.chain(http(
                "{}",
                ", \"credentials\": {\"httpHeaderAuth\": {\"id\": \"7\", \"name\": \"Key\"},"
                        + " \"httpBasicAuth\": \"Older export\", \"httpQueryAuth\": {\"id\": 12}}")));
        assertThat(workflow.node("HTTP").orElseThrow().credentials())
                .containsExactly(
                        Map.entry("httpHeaderAuth", new Workflow.CredentialRef("7", "Key")),
                        Map.entry("httpBasicAuth", new Workflow.CredentialRef(null, "Older export")),
                        Map.entry("httpQueryAuth", new Workflow.CredentialRef("12", null)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        Fixtures.workflow(Fixtures.chain(http("{}", ", \"credentials\": {\"httpHeaderAuth\": {}}"))))
                .hasMessageContaining(
                        "nodes[1].credentials.httpHeaderAuth: expected {\"id\": \"…\", \"name\": \"…\"} naming a stored credential");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Fixtures.workflow(Fixtures.chain(http("{}", ", \"credentials\": [1]"))))
                .hasMessageContaining("nodes[1].credentials: expected an object");
    }

    @Test
    void aCredentialDoesNotFollowARedirectToAnotherOrigin() throws Exception {
        // Both servers are on loopback; "localhost" is another origin than 127.0.0.1.
        WorkflowEngine both = engine.withEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1,localhost"));
        String elsewhere = "http://localhost:" + other.getAddress().getPort() + "/echo";
        String node = http(
                "{\"url\": \"" + base + "/redirect?to=" + java.net.URLEncoder.encode(elsewhere, StandardCharsets.UTF_8)
                        + "\","
                        + " \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"httpHeaderAuth\"}",
                ", \"credentials\": {\"httpHeaderAuth\": {\"id\": \"key\", \"name\": \"My key\"}}");
        Execution run = run(both, node, "[{}]");
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.output().get(0).path("headers").has("x-api-key")).isFalse();
        Execution bearerRun = run(
                both,
                node.replace("httpHeaderAuth\"}", "httpBearerAuth\"}")
                        .replace("{\"httpHeaderAuth\": {\"id\": \"key\"", "{\"httpBearerAuth\": {\"id\": \"bearer\""),
                "[{}]");
        assertThat(bearerRun.status()).as(bearerRun.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(bearerRun.output().get(0).path("headers").has("authorization"))
                .isFalse();
        assertThat(run.output().get(0).path("headers").path("host").asText())
                .isEqualTo("localhost:" + other.getAddress().getPort());
        String same = base + "/echo";
        Execution sameOrigin = run(
                engine,
                node.replace(
                        java.net.URLEncoder.encode(elsewhere, StandardCharsets.UTF_8),
                        java.net.URLEncoder.encode(same, StandardCharsets.UTF_8)),
                "[{}]");
        assertThat(sameOrigin.output().get(0).path("headers").path("x-api-key").asText())
                .isEqualTo("s3cret-header-value");
        String notFollowed = http("{\"url\": \"" + base
                + "/redirect?to=%2Fecho\", \"options\": {\"redirect\": {\"redirect\": {\"followRedirects\": false}},"
                + " \"response\": {\"response\": {\"fullResponse\": true}}}}");
        assertThat(output(notFollowed, "[{}]").get(0))
                .contains("\"statusCode\":302")
                .contains("\"location\":\"/echo\"");
        assertThat(
                        error(
                                engine,
                                http(
                                        "{\"url\": \"" + base
                                                + "/redirect?to=%2Fredirect%3Fto%3D%252Fecho\", \"options\": {\"redirect\": {\"redirect\": {\"maxRedirects\": 1}}}}")))
                .contains("stopped after 1 redirects");
    }

    @Test
    void everyInternalAddressIsRefusedByDefault() throws Exception {
        int port = server.getAddress().getPort();
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("http://127.0.0.1:" + port + "/", "127.0.0.1 is a loopback address");
        refused.put("http://localhost:" + port + "/", "localhost resolves to 127.0.0.1, a loopback address");
        refused.put("http://[::1]:" + port + "/", "::1 is a loopback address");
        refused.put("http://10.1.2.3/", "a private (RFC 1918) address");
        refused.put("http://172.16.0.1/", "a private (RFC 1918) address");
        refused.put("http://192.168.1.1/", "a private (RFC 1918) address");
        refused.put(
                "http://169.254.169.254/latest/meta-data/",
                "a link-local address (169.254.0.0/16, where cloud metadata services answer)");
        refused.put("http://100.64.0.1/", "a carrier-grade NAT");
        refused.put("http://0.0.0.0:" + port + "/", "an unspecified (0.0.0.0/8) address");
        refused.put("http://[::]:" + port + "/", "the unspecified address (::)");
        refused.put("http://224.0.0.1/", "a multicast address");
        refused.put("http://[::ffff:127.0.0.1]:" + port + "/", "a loopback address");
        refused.put("http://[fd00::1]/", "a unique local (fc00::/7) address");
        refused.put("http://[fe80::1]/", "a link-local (fe80::/10) address");
        refused.put("http://[64:ff9b::a9fe:a9fe]/", "an IPv6 address (NAT64) standing for a link-local address");
        refused.put("http://[2002:7f00:1::]/", "an IPv6 address (6to4) standing for a loopback address");
        for (var e : refused.entrySet()) {
            assertThat(error(guarded, http("{\"url\": \"" + e.getKey() + "\"}")))
                    .as(e.getKey())
                    .startsWith("item 0: refused ")
                    .contains(e.getValue())
                    .contains("--allow-http-to");
        }
        assertThat(error(guarded, http("{\"url\": \"file:///etc/passwd\"}"))).contains("names no host");
        assertThat(error(guarded, http("{\"url\": \"ftp://example.com/x\"}")))
                .contains("only http and https URLs are fetched");
        assertThat(error(engine, http("{\"url\": \"http://user:pw@127.0.0.1:" + port + "/\"}")))
                .contains("the URL carries a user name");
        seen.clear();
        // An allowed server redirecting to an internal address: the hop is checked and refused before any connection.
        for (String target : List.of(
                "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:" + port + "/echo")) {
            String url = base + "/redirect?to=" + java.net.URLEncoder.encode(target, StandardCharsets.UTF_8);
            assertThat(error(engine, http("{\"url\": \"" + url + "\"}")))
                    .as(target)
                    .contains("refused " + target.replaceAll("/latest/meta-data/", "/latest/meta-data/"));
        }
        assertThat(seen).allMatch(s -> s.contains("/redirect"));
        // The operator's allowance, by network: the same loopback request goes through.
        assertThat(run(
                                builtinOnly().withEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.0/8")),
                                http("{\"url\": \"http://127.0.0.1:" + port + "/\"}"),
                                "[{}]")
                        .status())
                .isEqualTo(Execution.Status.SUCCESS);
    }

    /** A PKCS12 key store with a fresh self-signed certificate for {@code san}, made by the JDK's keytool. */
    private static java.security.KeyStore keyStore(Path dir, String name, String san) throws Exception {
        Path file = dir.resolve(name + ".p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        name,
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=" + name,
                        "-ext",
                        "SAN=" + san,
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        file.toString(),
                        "-storepass",
                        "changeit",
                        "-keypass",
                        "changeit")
                .redirectErrorStream(true)
                .start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor()).as(out).isZero();
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(file)) {
            store.load(in, "changeit".toCharArray());
        }
        return store;
    }

    private static javax.net.ssl.SSLContext serving(java.security.KeyStore store) throws Exception {
        javax.net.ssl.KeyManagerFactory keys =
                javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static javax.net.ssl.SSLContext trusting(java.security.KeyStore... stores) throws Exception {
        java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        for (java.security.KeyStore store : stores) {
            String alias = store.aliases().nextElement();
            trusted.setCertificateEntry(alias, store.getCertificate(alias));
        }
        javax.net.ssl.TrustManagerFactory trust =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static com.sun.net.httpserver.HttpsServer https(javax.net.ssl.SSLContext context) throws IOException {
        com.sun.net.httpserver.HttpsServer tls = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tls.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(context));
        tls.createContext("/", HttpRequestNodeTest::handle);
        tls.start();
        return tls;
    }

    @Test
    void httpsVerifiesTheCertificateAgainstTheUrlsHost(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.security.KeyStore good = keyStore(dir, "good", "dns:localhost,ip:127.0.0.1");
        java.security.KeyStore other = keyStore(dir, "other", "dns:example.test");
        com.sun.net.httpserver.HttpsServer right = https(serving(good));
        com.sun.net.httpserver.HttpsServer wrong = https(serving(other));
        try {
            WorkflowEngine tls = engine.withEgress(
                    EgressPolicy.DEFAULTS.allowing("127.0.0.1").withTls(trusting(good, other)));
            for (String host : List.of("127.0.0.1", "localhost")) {
                Execution run = run(
                        tls,
                        http("{\"url\": \"https://" + host + ":"
                                + right.getAddress().getPort() + "/\"}"),
                        "[{}]");
                assertThat(run.status()).as(host + ": " + run.error()).isEqualTo(Execution.Status.SUCCESS);
                assertThat(run.output().get(0).toString()).isEqualTo("{\"hello\":\"world\"}");
            }
            // A trusted certificate, but for another host: refused.
            assertThat(error(
                            tls,
                            http("{\"url\": \"https://127.0.0.1:"
                                    + wrong.getAddress().getPort() + "/\"}")))
                    .contains("the request to https://127.0.0.1:"
                            + wrong.getAddress().getPort() + "/ failed")
                    .contains("No subject alternative names matching IP address 127.0.0.1");
            // The right host, but a certificate the JVM's default trust store does not know: refused.
            assertThat(error(
                            engine,
                            http("{\"url\": \"https://127.0.0.1:"
                                    + right.getAddress().getPort() + "/\"}")))
                    .contains("failed")
                    .containsIgnoringCase("certification path");
        } finally {
            right.stop(0);
            wrong.stop(0);
        }
    }

    @Test
    void responsesAreBoundedInSizeAndTime() throws Exception {
        assertThat(error(engine, http("{\"url\": \"" + base + "/big\"}")))
                .contains("the response from " + base + "/big is larger than 1 MiB, the most nLink reads");
        assertThat(error(engine, http("{\"url\": \"" + base + "/bomb\"}"))).contains("is larger than 1 MiB");
        long started = System.nanoTime();
        assertThat(error(engine, http("{\"url\": \"" + base + "/slow\", \"options\": {\"timeout\": 300}}")))
                .contains("the request to " + base + "/slow took longer than 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2_500));
        WorkflowEngine quick =
                engine.withEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1").withMaxTime(Duration.ofMillis(400)));
        assertThat(error(quick, http("{\"url\": \"" + base + "/slow\", \"options\": {\"timeout\": 60000}}")))
                .contains("took longer than 400 ms");
    }
}
