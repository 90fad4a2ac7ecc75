package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.http.EgressPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP Request node with an {@code oAuth2Api} credential (client-credentials grant) against a
 * real token server and API on loopback (allowed explicitly here): the token is fetched once and
 * reused, fetched again when the API refuses it, and never shows in the execution record; the token
 * URL goes through the same SSRF guard as the request.
 */
class OAuth2CredentialTest {
    static HttpServer server;
    static String base;
    static WorkflowEngine engine;
    static WorkflowEngine guarded;
    /** The token requests the server saw: their Authorization header and form body. */
    static final List<String> tokenRequests = new CopyOnWriteArrayList<>();

    static final AtomicInteger issued = new AtomicInteger();
    /** Tokens the API accepts; the test revokes one to force a refresh. */
    static final Set<String> valid = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", OAuth2CredentialTest::handle);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        Map<String, String> credentials = Map.of(
                "header",
                        "{\"accessTokenUrl\": \"" + base
                                + "/token\", \"clientId\": \"my app\", \"clientSecret\": \"s3cret:client\", \"scope\": \"read write\"}",
                "body",
                        "{\"grantType\": \"clientCredentials\", \"accessTokenUrl\": \"" + base
                                + "/token\", \"clientId\": \"body-app\","
                                + " \"clientSecret\": \"s3cret-body\", \"scope\": \"\", \"authentication\": \"body\"}",
                "guarded",
                        "{\"accessTokenUrl\": \"" + base
                                + "/token\", \"clientId\": \"my app\", \"clientSecret\": \"s3cret:client\", \"scope\": \"guarded\"}",
                "refused",
                        "{\"accessTokenUrl\": \"" + base
                                + "/token\", \"clientId\": \"wrong\", \"clientSecret\": \"s3cret-wrong\"}",
                "internal",
                        "{\"accessTokenUrl\": \"http://169.254.169.254/token\", \"clientId\": \"x\", \"clientSecret\": \"s3cret-x\"}");
        CredentialResolver resolver = (type, ref) -> {
            String json = credentials.get(ref.id());
            if (json == null) throw new CredentialResolver.MissingCredentialException("no credential " + ref.id());
            try {
                ObjectNode data = (ObjectNode) Json.parse(json);
                assertThat(CredentialTypes.problems(type, data)).isEmpty();
                return data;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
        WorkflowEngine builtin = HttpRequestNodeTest.builtinOnly().withCredentials(resolver);
        engine = builtin.withEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1"));
        guarded = builtin;
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void handle(HttpExchange x) throws IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        switch (x.getRequestURI().getPath()) {
            case "/token" -> {
                String authorization = x.getRequestHeaders().getFirst("Authorization");
                tokenRequests.add(authorization + " " + body);
                Map<String, String> form = new java.util.HashMap<>();
                for (String pair : body.split("&")) {
                    String[] kv = pair.split("=", 2);
                    form.put(
                            URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                            kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
                }
                boolean header = ("Basic "
                                + Base64.getEncoder()
                                        .encodeToString("my+app:s3cret%3Aclient".getBytes(StandardCharsets.UTF_8)))
                        .equals(authorization);
                boolean inBody =
                        "body-app".equals(form.get("client_id")) && "s3cret-body".equals(form.get("client_secret"));
                if (!"client_credentials".equals(form.get("grant_type")) || !(header || inBody)) {
                    send(
                            x,
                            401,
                            "{\"error\": \"invalid_client\", \"error_description\": \"unknown client\", \"echo\": \""
                                    + body.replace("\"", "") + "\"}");
                    return;
                }
                String token = "tok-" + issued.incrementAndGet();
                valid.add(token);
                send(x, 200, "{\"access_token\": \"" + token + "\", \"token_type\": \"Bearer\", \"expires_in\": 3600}");
            }
            case "/api" -> {
                String authorization = x.getRequestHeaders().getFirst("Authorization");
                String token =
                        authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
                if (!valid.contains(token)) {
                    send(x, 401, "{\"message\": \"bad token\"}");
                    return;
                }
                send(x, 200, "{\"token\": \"" + token + "\"}");
            }
            default -> send(x, 404, "{}");
        }
    }

    private static void send(HttpExchange x, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    static String node(String credentialId) {
        return HttpRequestNodeTest.http(
                "{\"url\": \"" + base
                        + "/api\", \"authentication\": \"genericCredentialType\", \"genericAuthType\": \"oAuth2Api\"}",
                ", \"credentials\": {\"oAuth2Api\": {\"id\": \"" + credentialId + "\", \"name\": \"OAuth "
                        + credentialId + "\"}}");
    }

    @Test
    void aTokenIsFetchedOnceReusedAndFetchedAgainWhenRefused() throws Exception {
        int before = tokenRequests.size();
        Execution first = HttpRequestNodeTest.run(engine, node("header"), "[{}, {}, {}]");
        assertThat(first.status()).as(first.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        // Three requests, one token: the client id and secret went form-encoded in HTTP Basic, with the scope.
        assertThat(tokenRequests.subList(before, tokenRequests.size()))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r)
                            .startsWith("Basic ")
                            .contains("grant_type=client_credentials")
                            .contains("scope=read+write");
                });
        String token = first.output().get(0).path("token").asText();
        assertThat(first.output())
                .allSatisfy(item -> assertThat(item.path("token").asText()).isEqualTo(token));
        // The next run uses the cached token.
        assertThat(HttpRequestNodeTest.run(engine, node("header"), "[{}]")
                        .output()
                        .get(0)
                        .path("token")
                        .asText())
                .isEqualTo(token);
        assertThat(tokenRequests).hasSize(before + 1);
        // Revoked by the authorization server: the API answers 401, the node fetches a new token and goes on.
        valid.remove(token);
        Execution refreshed = HttpRequestNodeTest.run(engine, node("header"), "[{}]");
        assertThat(refreshed.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(refreshed.output().get(0).path("token").asText())
                .isNotEqualTo(token)
                .startsWith("tok-");
        assertThat(tokenRequests).hasSize(before + 2);
        // Neither secret nor token is in the record.
        for (Execution run : List.of(first, refreshed)) {
            String record = run.toJson().toString();
            assertThat(record).doesNotContain("s3cret").doesNotContain("Bearer");
        }
    }

    @Test
    void theSecretMayGoInTheBody() throws Exception {
        Execution run = HttpRequestNodeTest.run(engine, node("body"), "[{}]");
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(tokenRequests)
                .anySatisfy(r -> assertThat(r)
                        .startsWith("null ")
                        .contains("client_id=body-app")
                        .contains("client_secret=s3cret-body")
                        .doesNotContain("scope="));
    }

    @Test
    void aRefusedTokenRequestSaysWhyWithoutEchoingTheRequest() throws Exception {
        String error = HttpRequestNodeTest.error(engine, node("refused"));
        assertThat(error)
                .contains("the OAuth2 token URL http://127.0.0.1:"
                        + server.getAddress().getPort() + "/token answered HTTP 401 (invalid_client: unknown client)")
                .contains("check the credential's client id, secret and scope")
                .doesNotContain("s3cret");
    }

    @Test
    void theTokenUrlIsGuardedLikeAnyRequest() throws Exception {
        // Loopback, allowed only by the test's policy, is refused by the default one; so is a metadata address.
        // ("guarded" is a client no other test fetched a token for: a cached token needs no request.)
        assertThat(HttpRequestNodeTest.error(guarded, node("guarded")))
                .startsWith("item 0: getting an OAuth2 token: ")
                .contains("127.0.0.1");
        assertThat(HttpRequestNodeTest.error(engine, node("internal")))
                .contains("getting an OAuth2 token: ")
                .contains("169.254.169.254");
    }

    @Test
    void theCredentialIsCheckedWhenStored() throws Exception {
        assertThat(CredentialTypes.problems(
                        "oAuth2Api",
                        Json.parse("{\"grantType\": \"authorizationCode\", \"accessTokenUrl\": \"file:///etc/passwd\","
                                + " \"clientId\": \"\", \"clientSecret\": \"x\", \"authentication\": \"query\"}")))
                .containsExactly(
                        "data.grantType: only \"clientCredentials\" is supported (a server-to-server token, no browser sign-in)",
                        "data.accessTokenUrl: \"file:///etc/passwd\" is not an http or https address with a host",
                        "data.clientId: give the client id",
                        "data.authentication: \"header\" (HTTP Basic, the default) or \"body\" (client_id and client_secret as form fields)");
        assertThat(CredentialTypes.normalised(
                                "oAuth2Api",
                                Json.parse("{\"accessTokenUrl\": \"https://id.example/token\", \"clientId\": \"a\","
                                        + " \"clientSecret\": \"b\"}"))
                        .toString())
                .isEqualTo(
                        "{\"grantType\":\"clientCredentials\",\"accessTokenUrl\":\"https://id.example/token\",\"clientId\":\"a\",\"clientSecret\":\"b\","
                                + "\"scope\":\"\",\"authentication\":\"header\"}");
    }
}
