package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Webhooks as n8n users expect them, against a real server: the sender's Authorization header,
 * one active workflow per path and method, the response modes and Respond to Webhook, and the
 * refusal to serve a webhook whose authentication nLink cannot check (basic and header
 * authentication with credentials: CredentialsTest).
 */
class WebhookTest extends SharedServer {
    private final HttpClient http = HttpClient.newHttpClient();

    /** A workflow: a Webhook node with {@code webhookParameters}, then {@code rest} (nodes wired in a line after it). */
    private static JsonNode workflow(String name, String webhookParameters, String... rest) throws Exception {
        StringBuilder nodes = new StringBuilder(
                "{\"name\": \"Hook\", \"type\": \"n8n-nodes-base.webhook\", \"typeVersion\": 2, \"parameters\": "
                        + webhookParameters + "}");
        StringBuilder connections = new StringBuilder();
        String previous = "Hook";
        for (int i = 0; i < rest.length; i++) {
            JsonNode node = Json.parse(rest[i].getBytes(java.nio.charset.StandardCharsets.UTF_8));
            nodes.append(",").append(rest[i]);
            if (connections.length() > 0) connections.append(",");
            connections
                    .append("\"")
                    .append(previous)
                    .append("\": {\"main\": [[{\"node\": \"")
                    .append(node.path("name").asText())
                    .append("\", \"index\": 0}]]}");
            previous = node.path("name").asText();
        }
        return Json.parse(
                ("{\"name\": \"" + name + "\", \"nodes\": [" + nodes + "], \"connections\": {" + connections + "}}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static long create(JsonNode workflow) {
        ApiClient.Response created = server.owner.post("/api/workflows", workflow);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().path("id").asLong();
    }

    private static ApiClient.Response activate(long id) {
        return server.owner.post("/api/workflows/" + id + "/activate", Map.of());
    }

    private static long active(JsonNode workflow) {
        long id = create(workflow);
        ApiClient.Response activated = activate(id);
        assertThat(activated.status()).as(activated.toString()).isEqualTo(200);
        return id;
    }

    private HttpResponse<String> call(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.server.url() + "/webhook/" + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) request.header("Content-Type", "application/json");
        if (headers.length > 0) request.headers(headers);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String CODE_TWO_ITEMS = """
            {"name": "Two", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return [{json: {n: 1, name: $input.first().json.body.name}}, {json: {n: 2}}];"}}""";

    @Test
    void anAuthorizationHeaderOnAWebhookCallIsTheSendersBusiness() throws Exception {
        active(workflow("Auth header", """
                {"path": "sender-auth", "httpMethod": "POST", "responseMode": "lastNode"}""", CODE_TWO_ITEMS));
        for (String authorization :
                new String[] {"Bearer not-an-nlink-key", "Basic dXNlcjpwYXNz", "Bearer nlk_forged"}) {
            HttpResponse<String> answer =
                    call("POST", "sender-auth", "{\"name\": \"x\"}", "Authorization", authorization);
            assertThat(answer.statusCode())
                    .as(authorization + ": " + answer.body())
                    .isEqualTo(200);
            assertThat(Json.parse(answer.body().getBytes()).path("name").asText())
                    .isEqualTo("x");
        }
    }

    @Test
    void theTriggerItemHasTheFieldsOfN8nsWebhookItem() throws Exception {
        active(workflow("n8n item", """
                {"path": "item-shape/n8n", "httpMethod": "POST", "responseMode": "lastNode"}""", """
                {"name": "Shape", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "const j = $input.first().json; return [{json: {keys: Object.keys(j), host: j.headers.host, line: j.executionMode + ' ' + j.webhookUrl, q: j.query.q, name: j.body.name}}];"}}"""));
        HttpResponse<String> answer = call("POST", "item-shape/n8n?q=1", "{\"name\": \"x\"}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode shape = Json.parse(answer.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(shape.path("keys").toString())
                .isEqualTo("[\"headers\",\"params\",\"query\",\"body\",\"webhookUrl\",\"executionMode\"]");
        String hostAndPort = URI.create(server.server.url()).getAuthority();
        assertThat(shape.path("host").asText()).isEqualTo(hostAndPort);
        assertThat(shape.path("line").asText())
                .isEqualTo("production " + URI.create(server.server.url()).getScheme() + "://" + hostAndPort
                        + "/webhook/item-shape/n8n");
        assertThat(shape.path("q").asText()).isEqualTo("1");
        assertThat(shape.path("name").asText()).isEqualTo("x");
    }

    @Test
    void onlyOneActiveWorkflowMayListenOnAPathAndMethod() throws Exception {
        long first = active(workflow("First holder", """
                {"path": "/shared/route/", "httpMethod": "POST", "responseMode": "lastNode"}""", CODE_TWO_ITEMS));
        long second = create(workflow("Second comer", """
                {"path": "shared/route", "httpMethod": "POST", "responseMode": "lastNode"}""", CODE_TWO_ITEMS));

        ApiClient.Response refused = activate(second);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.json().path("error").asText())
                .contains(
                        "POST /webhook/shared/route",
                        "active workflow " + first + " \"First holder\"",
                        "Deactivate that one");
        assertThat(server.owner
                        .get("/api/workflows/" + second)
                        .json()
                        .path("active")
                        .asBoolean())
                .as("refused means inactive")
                .isFalse();

        // Another method on the same path is another route.
        long get = active(workflow("Same path, GET", """
                {"path": "shared/route", "httpMethod": "GET", "responseMode": "lastNode"}""", CODE_TWO_ITEMS));

        // Deactivating the holder frees the route; the first then cannot come back.
        assertThat(server.owner
                        .post("/api/workflows/" + first + "/deactivate", Map.of())
                        .status())
                .isEqualTo(200);
        assertThat(activate(second).status()).isEqualTo(200);
        assertThat(activate(first).status()).isEqualTo(409);

        // An active workflow edited onto a taken route is refused, and keeps its old definition.
        JsonNode moved = workflow("Same path, GET", """
                {"path": "shared/route", "httpMethod": "POST", "responseMode": "lastNode"}""", CODE_TWO_ITEMS);
        ApiClient.Response edit = server.owner.send("PUT", "/api/workflows/" + get, moved);
        assertThat(edit.status()).as(edit.toString()).isEqualTo(409);
        assertThat(call("GET", "shared/route", null).statusCode()).isEqualTo(200);

        // Two Webhook nodes of one workflow on one route: refused too.
        JsonNode twice = Json.parse("""
                {"name": "Twice", "nodes": [
                  {"name": "A", "type": "n8n-nodes-base.webhook", "parameters": {"path": "twice", "httpMethod": "POST"}},
                  {"name": "B", "type": "n8n-nodes-base.webhook", "parameters": {"path": "twice", "httpMethod": "POST"}}
                ], "connections": {}}""");
        ApiClient.Response both = activate(create(twice));
        assertThat(both.status()).isEqualTo(422);
        assertThat(both.json().path("error").asText()).contains("another Webhook node of this workflow");

        // Deleting the holder frees the route as well.
        assertThat(server.owner.delete("/api/workflows/" + second).status()).isEqualTo(204);
        assertThat(activate(first).status()).isEqualTo(200);
    }

    @Test
    void aMemberLearnsTheRouteIsTakenWithoutSeeingWhoseWorkflowHoldsIt() throws Exception {
        active(workflow("Owner's private hook", """
                {"path": "owners-only", "httpMethod": "POST"}""", CODE_TWO_ITEMS));
        ApiClient member = server.user("hookmember", "member");
        ApiClient.Response created = member.post("/api/workflows", workflow("Member's", """
                {"path": "owners-only", "httpMethod": "POST"}""", CODE_TWO_ITEMS));
        ApiClient.Response refused =
                member.post("/api/workflows/" + created.json().path("id").asLong() + "/activate", Map.of());
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("error").asText())
                .contains("an active workflow you cannot see", "to another path or method")
                .doesNotContain("Owner's private hook");
    }

    @Test
    void aWebhookThatDemandsAuthenticationIsNeverServedOpen() throws Exception {
        // Basic, header and JWT authentication need the node's credential: without one, the workflow is refused on
        // import.
        for (String authentication : new String[] {"headerAuth", "basicAuth", "jwtAuth"}) {
            ApiClient.Response refused = server.owner.post(
                    "/api/workflows",
                    workflow(
                            "Protected " + authentication,
                            """
                    {"path": "protected-%s", "httpMethod": "POST", "authentication": "%s", "responseMode": "lastNode"}""".formatted(authentication, authentication),
                            CODE_TWO_ITEMS));
            assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
            assertThat(refused.json().path("error").asText())
                    .contains("node \"Hook\" authenticates with a credential of type", "but names none");
        }
        // An authentication nLink does not know stays inactive: serving it would make it public.
        long unknown = create(workflow("Protected otherAuth", """
                {"path": "protected-other", "httpMethod": "POST", "authentication": "otherAuth", "responseMode": "lastNode"}""", CODE_TWO_ITEMS));
        ApiClient.Response refused = activate(unknown);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.json().path("error").asText()).contains("authentication \"otherAuth\"", "cannot check");
        assertThat(server.owner
                        .get("/api/workflows/" + unknown)
                        .json()
                        .path("active")
                        .asBoolean())
                .isFalse();
        assertThat(call("POST", "protected-other", "{}").statusCode()).isEqualTo(404);
        // Nor can an active open webhook be edited into a protected one without its credential.
        long open = active(workflow("Open, then protected", """
                {"path": "becomes-protected", "httpMethod": "POST"}""", CODE_TWO_ITEMS));
        ApiClient.Response edit = server.owner.send(
                "PUT", "/api/workflows/" + open, workflow("Open, then protected", """
                {"path": "becomes-protected", "httpMethod": "POST", "authentication": "basicAuth"}""", CODE_TWO_ITEMS));
        assertThat(edit.status()).isEqualTo(422);
    }

    @Test
    void responseModeOnReceivedAnswersAtOnce() throws Exception {
        active(workflow("At once", """
                {"path": "at-once", "httpMethod": "POST"}""", CODE_TWO_ITEMS));
        HttpResponse<String> started = call("POST", "at-once", "{}");
        assertThat(started.statusCode()).isEqualTo(200);
        assertThat(started.body()).isEqualTo("{\"message\":\"Workflow was started\"}");

        active(workflow("At once, own answer", """
                {"path": "at-once-custom", "httpMethod": "POST", "responseMode": "onReceived", "responseCode": 202,
                 "options": {"responseData": "thanks"}}""", CODE_TWO_ITEMS));
        HttpResponse<String> custom = call("POST", "at-once-custom", "{}");
        assertThat(custom.statusCode()).isEqualTo(202);
        assertThat(custom.body()).isEqualTo("thanks");
    }

    @Test
    void responseModeLastNodeAnswersAsN8nDoes() throws Exception {
        active(workflow("First entry", """
                {"path": "last-first", "httpMethod": "POST", "responseMode": "lastNode"}""", CODE_TWO_ITEMS));
        HttpResponse<String> first = call("POST", "last-first", "{\"name\": \"a\"}");
        assertThat(Json.parse(first.body().getBytes()))
                .as("the first item's JSON, though there are two")
                .isEqualTo(Json.parse("{\"n\": 1, \"name\": \"a\"}"));

        active(workflow("All entries", """
                {"path": "last-all", "httpMethod": "POST", "responseMode": "lastNode", "responseData": "allEntries", "responseCode": 201}""", CODE_TWO_ITEMS));
        HttpResponse<String> all = call("POST", "last-all", "{\"name\": \"a\"}");
        assertThat(all.statusCode()).isEqualTo(201);
        assertThat(Json.parse(all.body().getBytes()))
                .isEqualTo(Json.parse("[{\"n\": 1, \"name\": \"a\"}, {\"n\": 2}]"));

        active(workflow("No data", """
                {"path": "last-none", "httpMethod": "POST", "responseMode": "lastNode", "responseData": "noData"}""", CODE_TWO_ITEMS));
        HttpResponse<String> none = call("POST", "last-none", "{}");
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(none.body()).isEmpty();
    }

    @Test
    void respondToWebhookAnswersWhenItRunsAndTheRunGoesOn() throws Exception {
        long id = active(workflow("Responds", """
                {"path": "responds", "httpMethod": "POST", "responseMode": "responseNode"}""", CODE_TWO_ITEMS, """
                {"name": "Respond", "type": "n8n-nodes-base.respondToWebhook", "typeVersion": 1.1, "parameters": {
                  "respondWith": "json", "responseBody": "={{ JSON.stringify({greeting: 'hi ' + $json.name, items: $input.all().length}) }}",
                  "options": {"responseCode": 201, "responseHeaders": {"entries": [{"name": "X-Order", "value": "={{ $json.n }}"}]}}}}""", """
                {"name": "Afterwards", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "const end = Date.now() + 800; while (Date.now() < end) {} return [{json: {after: true}}];"}}"""));
        HttpResponse<String> answer = call("POST", "responds", "{\"name\": \"ada\"}");
        JsonNode whenAnswered = server.owner
                .get("/api/executions?workflowId=" + id)
                .json()
                .path("executions")
                .get(0);
        assertThat(whenAnswered.path("status").asText())
                .as("answered while the 0.8 s node after it still runs")
                .isEqualTo("running");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        assertThat(Json.parse(answer.body().getBytes()))
                .isEqualTo(Json.parse("{\"greeting\": \"hi ada\", \"items\": 2}"));
        assertThat(answer.headers().firstValue("X-Order")).hasValue("1");
        assertThat(answer.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(answer.headers().firstValue("Content-Security-Policy").orElse(""))
                .startsWith("sandbox");

        JsonNode execution = awaitEnded(id);
        assertThat(execution.path("status").asText())
                .as(execution.path("error").asText())
                .isEqualTo("success");
        assertThat(execution.path("output").get(0).path("after").asBoolean())
                .as("the run went on after the answer")
                .isTrue();
    }

    @Test
    void respondToWebhookRespondsWithWhatItIsAsked() throws Exception {
        record Case(String path, String parameters, int status, String body, String contentType) {}
        for (Case c : new Case[] {
            new Case("respond-first", "{}", 200, "{\"n\":1,\"name\":\"z\"}", "application/json"),
            new Case(
                    "respond-all",
                    "{\"respondWith\": \"allIncomingItems\", \"options\": {\"responseKey\": \"rows\"}}",
                    200,
                    "{\"rows\":[{\"n\":1,\"name\":\"z\"},{\"n\":2}]}",
                    "application/json"),
            new Case(
                    "respond-text",
                    "{\"respondWith\": \"text\", \"responseBody\": \"=<b>{{ $json.name }}</b>\"}",
                    200,
                    "<b>z</b>",
                    "text/html"),
            new Case(
                    "respond-csv",
                    "{\"respondWith\": \"text\", \"responseBody\": \"a,b\", \"options\": {\"responseHeaders\":"
                            + " {\"entries\": [{\"name\": \"content-type\", \"value\": \"text/csv; charset=utf-8\"}]}}}",
                    200,
                    "a,b",
                    "text/csv"),
            new Case(
                    "respond-script",
                    "{\"respondWith\": \"text\", \"responseBody\": \"alert(1)\", \"options\": {\"responseHeaders\":"
                            + " {\"entries\": [{\"name\": \"Content-Type\", \"value\": \"application/javascript\"}]}}}",
                    200,
                    "alert(1)",
                    "application/javascript"),
            new Case(
                    "respond-nothing",
                    "{\"respondWith\": \"noData\", \"options\": {\"responseCode\": 204}}",
                    204,
                    "",
                    null)
        }) {
            active(workflow(
                    c.path(),
                    "{\"path\": \"" + c.path() + "\", \"httpMethod\": \"POST\", \"responseMode\": \"responseNode\"}",
                    CODE_TWO_ITEMS,
                    "{\"name\": \"Respond\", \"type\": \"n8n-nodes-base.respondToWebhook\", \"parameters\": "
                            + c.parameters() + "}"));
            HttpResponse<String> answer = call("POST", c.path(), "{\"name\": \"z\"}");
            assertThat(answer.statusCode()).as(c.path() + ": " + answer.body()).isEqualTo(c.status());
            assertThat(answer.body()).as(c.path()).isEqualTo(c.body());
            if (c.contentType() != null)
                assertThat(answer.headers().firstValue("Content-Type").orElse(""))
                        .startsWith(c.contentType());
            // Whatever the type, the answer is sandboxed: no script of it runs as the dashboard's origin
            // (a text/html answer cannot load another webhook's application/javascript answer).
            assertThat(answer.headers().firstValue("Content-Security-Policy").orElse(""))
                    .as(c.path())
                    .startsWith("sandbox; default-src 'none'");
        }
        active(
                workflow(
                        "respond-bad-type",
                        "{\"path\": \"respond-bad-type\", \"httpMethod\": \"POST\", \"responseMode\": \"responseNode\"}",
                        CODE_TWO_ITEMS,
                        "{\"name\": \"Respond\", \"type\": \"n8n-nodes-base.respondToWebhook\", \"parameters\": {\"options\":"
                                + " {\"responseHeaders\": {\"entries\": [{\"name\": \"Content-Type\", \"value\": \"html\"}]}}}}"));
        HttpResponse<String> bad = call("POST", "respond-bad-type", "{}");
        assertThat(bad.statusCode()).isEqualTo(500);
        assertThat(bad.body()).contains("Content-Type \\\"html\\\" is not a media type");
    }

    @Test
    void aWorkflowCannotSetCookiesOrSecurityHeadersOnTheServersOrigin() throws Exception {
        for (String header : new String[] {"Set-Cookie", "Content-Security-Policy", "Bad\r\nHeader"}) {
            String path = "respond-header-" + Math.abs(header.hashCode());
            active(workflow(
                    path,
                    "{\"path\": \"" + path + "\", \"httpMethod\": \"POST\", \"responseMode\": \"responseNode\"}",
                    CODE_TWO_ITEMS,
                    "{\"name\": \"Respond\", \"type\": \"n8n-nodes-base.respondToWebhook\", \"parameters\": {\"options\": {\"responseHeaders\": "
                            + "{\"entries\": [{\"name\": "
                            + Json.write(Json.MAPPER.getNodeFactory().textNode(header)) + ", \"value\": \"x\"}]}}}}"));
            HttpResponse<String> answer = call("POST", path, "{}");
            assertThat(answer.statusCode()).as(header).isEqualTo(500);
            assertThat(answer.headers().allValues("Set-Cookie")).isEmpty();
            assertThat(answer.body()).contains("the workflow failed at \\\"Respond\\\"");
        }
    }

    @Test
    void aResponseNodeWorkflowThatNeverRespondsSaysSo() throws Exception {
        active(workflow("Never responds", """
                {"path": "never-responds", "httpMethod": "POST", "responseMode": "responseNode"}""", CODE_TWO_ITEMS));
        HttpResponse<String> answer = call("POST", "never-responds", "{}");
        assertThat(answer.statusCode()).isEqualTo(500);
        assertThat(answer.body()).contains("without running a Respond to Webhook node");
    }

    private static JsonNode awaitEnded(long workflowId) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (true) {
            JsonNode list = server.owner
                    .get("/api/executions?workflowId=" + workflowId)
                    .json()
                    .path("executions");
            if (list.size() > 0
                    && !list.get(0).path("status").asText().equals("running")
                    && !list.get(0).path("status").asText().equals("queued")) {
                return server.owner
                        .get("/api/executions/" + list.get(0).path("id").asLong())
                        .json();
            }
            assertThat(Instant.now())
                    .as("the run of workflow " + workflowId + " ends")
                    .isBefore(deadline);
            Thread.sleep(100);
        }
    }
}
