package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.http.EgressPolicy;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials on a real server: the API never shows a secret, the database holds it sealed, a
 * member neither sees nor uses another's, HTTP Request authenticates with its owner's credential
 * against a real server on loopback (allowed here explicitly), and webhooks check basic and header
 * authentication as n8n does. Everything the server printed meanwhile is checked for the secrets too.
 */
class CredentialsTest {
    static final String HEADER_SECRET = "hdr-secret-7f3a9c";
    static final String PASSWORD_SECRET = "pw-secret-2b8e41";
    /** The secrets and the token of the audited credential: none may reach the audit log or a log line. */
    static final String CLIENT_SECRET = "client-secret-5d1e0a";

    static final String ROTATED_SECRET = "client-secret-rotated-93c7f2";
    static final String ACCESS_TOKEN = "access-token-b6a4e8";

    @TempDir
    static Path data;

    static TestServer server;
    static HttpServer remote;
    /** The header each call to the remote API carried. */
    static final List<String> remoteSaw = new CopyOnWriteArrayList<>();
    /** The Authorization header each call to the remote OAuth2-protected API carried. */
    static final List<String> bearerSaw = new CopyOnWriteArrayList<>();

    static final java.util.concurrent.atomic.AtomicInteger tokensIssued =
            new java.util.concurrent.atomic.AtomicInteger();

    static final ByteArrayOutputStream log = new ByteArrayOutputStream();
    static PrintStream originalErr;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        // slf4j-simple writes to System.err as it is at each call: everything the server logs lands here.
        originalErr = System.err;
        System.setErr(new PrintStream(new TeeStream(log, originalErr), true, StandardCharsets.UTF_8));
        remote = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        remote.createContext("/check", x -> {
            String key = x.getRequestHeaders().getFirst("X-Api-Key");
            remoteSaw.add(String.valueOf(key));
            byte[] body = ("{\"authorized\": " + HEADER_SECRET.equals(key) + "}").getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(HEADER_SECRET.equals(key) ? 200 : 401, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        remote.createContext("/token", x -> {
            x.getRequestBody().readAllBytes();
            byte[] body = ("{\"access_token\": \"" + ACCESS_TOKEN + "-" + tokensIssued.incrementAndGet()
                            + "\", \"token_type\": \"bearer\", \"expires_in\": 3600}")
                    .getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        remote.createContext("/bearer", x -> {
            bearerSaw.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            byte[] body = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        remote.start();
        server = TestServer.start(
                TestServer.config(data, TestDatabase.H2).withHttpEgress(EgressPolicy.DEFAULTS.allowing("127.0.0.1")));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (remote != null) remote.stop(0);
        System.setErr(originalErr);
        String printed = log.toString(StandardCharsets.UTF_8);
        assertThat(printed)
                .as("the capture works: the orphaned hook's warning is there")
                .contains("its calls are refused until its credential is fixed");
        assertThat(printed)
                .as("the server log")
                .doesNotContain(HEADER_SECRET)
                .doesNotContain(PASSWORD_SECRET)
                .doesNotContain(CLIENT_SECRET)
                .doesNotContain(ROTATED_SECRET)
                .doesNotContain(ACCESS_TOKEN);
    }

    /** Copies what the server prints to the capture and to the real standard error. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream a, b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }

    static String create(ApiClient client, String name, String type, Map<String, String> data) {
        ApiClient.Response created = client.post("/api/credentials", Map.of("name", name, "type", type, "data", data));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.json().path("id").asText();
    }

    static JsonNode json(String text) throws Exception {
        return Json.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theApiNeverShowsASecretAndTheDatabaseHoldsItSealed() throws Exception {
        String id = create(
                server.owner, "Sealed key", "httpHeaderAuth", Map.of("name", "X-Api-Key", "value", HEADER_SECRET));
        List<ApiClient.Response> answers = new ArrayList<>(List.of(
                server.owner.get("/api/credentials"),
                server.owner.get("/api/credentials/" + id),
                server.owner.send("PUT", "/api/credentials/" + id, Map.of("name", "Sealed key, renamed"))));
        answers.add(server.owner.send(
                "PUT", "/api/credentials/" + id, Map.of("data", Map.of("name", "X-Api-Key", "value", HEADER_SECRET))));
        for (ApiClient.Response answer : answers) {
            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
            assertThat(answer.text())
                    .doesNotContain(HEADER_SECRET)
                    .doesNotContain("X-Api-Key")
                    .doesNotContain("data");
        }
        JsonNode shown = server.owner.get("/api/credentials/" + id).json();
        assertThat(shown.path("name").asText()).isEqualTo("Sealed key, renamed");
        assertThat(shown.path("type").asText()).isEqualTo("httpHeaderAuth");
        assertThat(shown.path("owner").asText()).isEqualTo(TestServer.OWNER);

        // The row: sealed, bound to the key that sealed it; the key is not in the database but in a 0600 file.
        String sealed;
        try (Connection c = TestDatabase.H2.connect(data);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT secret, key_id FROM credentials WHERE id = '" + id + "'")) {
            assertThat(r.next()).isTrue();
            sealed = r.getString(1);
            assertThat(r.getString(2)).hasSize(16);
        }
        assertThat(sealed).doesNotContain(HEADER_SECRET).doesNotContain("X-Api-Key");
        assertThat(new String(Base64.getDecoder().decode(sealed), StandardCharsets.ISO_8859_1))
                .doesNotContain(HEADER_SECRET);
        Path key = data.resolve("credentials.key");
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(sealed).doesNotContain(Files.readString(key).strip());
        // Nothing the database wrote to disk holds a secret in clear.
        try (Stream<Path> files = Files.walk(data.resolve("db"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                        .as(file.toString())
                        .doesNotContain(HEADER_SECRET);
            }
        }

        // Data is checked against its type, and a type nLink lacks is refused by name.
        ApiClient.Response bad = server.owner.post(
                "/api/credentials",
                Map.of(
                        "name",
                        "Bad",
                        "type",
                        "httpHeaderAuth",
                        "data",
                        Map.of("name", "X Bad\nName", "value", "v", "extra", "x")));
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.json().path("problems").toString())
                .contains("data.extra: httpHeaderAuth has no such field", "data.name: contains a control character");
        ApiClient.Response unknown =
                server.owner.post("/api/credentials", Map.of("name", "OAuth1", "type", "oAuth1Api", "data", Map.of()));
        assertThat(unknown.json().path("error").asText()).contains("\"oAuth1Api\" is not a credential type nLink has");
        assertThat(server.owner
                        .post(
                                "/api/credentials",
                                Map.of(
                                        "name",
                                        "Sealed key, renamed",
                                        "type",
                                        "httpQueryAuth",
                                        "data",
                                        Map.of("name", "k", "value", "v")))
                        .status())
                .isEqualTo(409);
        assertThat(server.owner.get("/api/credentials/types").json().toString())
                .contains(
                        "{\"type\":\"httpBasicAuth\",\"testable\":false,\"fields\":[\"user\",\"password\"],"
                                + "\"fieldInfo\":[{\"name\":\"user\",\"secret\":false},{\"name\":\"password\",\"secret\":true}]}")
                .contains(
                        "{\"name\":\"clientSecret\",\"secret\":true}",
                        "{\"name\":\"scope\",\"secret\":false,\"default\":\"\"}");
    }

    /**
     * Each change to a credential, a test and a share leave an audit entry naming the credential by
     * id and name, who acted and from where; no entry, no row of audit_log and no log line holds
     * the secret, the replaced secret or the token the test fetched.
     */
    @Test
    void credentialChangesAreAuditedByIdAndNameAndNeverByTheirData() throws Exception {
        ApiClient ann = server.user("audit-ann", "member");
        server.user("audit-bo", "member");
        String tokenUrl = "http://127.0.0.1:" + remote.getAddress().getPort() + "/token";
        // A name that looks like more entries: it stays one field of one entry.
        String name = "Ann's \"token\" detail=shared with everyone";
        String id = create(
                ann,
                name,
                "oAuth2Api",
                Map.of("accessTokenUrl", tokenUrl, "clientId", "ann-client", "clientSecret", CLIENT_SECRET));
        String path = "/api/credentials/" + id;
        assertThat(ann.send("PUT", path, Map.of("name", "Ann's token")).status())
                .isEqualTo(200);
        assertThat(ann.send(
                                "PUT",
                                path,
                                Map.of(
                                        "data",
                                        Map.of(
                                                "accessTokenUrl",
                                                tokenUrl,
                                                "clientId",
                                                "ann-client",
                                                "clientSecret",
                                                ROTATED_SECRET)))
                        .status())
                .isEqualTo(200);
        ApiClient.Response tested = ann.post(path + "/test", Map.of());
        assertThat(tested.status()).as(tested.toString()).isEqualTo(200);
        assertThat(tested.json().path("ok").asBoolean()).as(tested.toString()).isTrue();
        assertThat(ann.send("PUT", path + "/shares", Map.of("users", List.of("audit-bo")))
                        .status())
                .isEqualTo(200);
        assertThat(ann.delete(path).status()).isEqualTo(204);
        assertThat(ann.delete(path).status()).as("deleting twice").isEqualTo(404);

        List<JsonNode> entries = new ArrayList<>();
        for (JsonNode e : server.owner.get("/api/audit?limit=500").json().path("entries")) {
            if (e.path("target").asText().startsWith("credential " + id + " ")) entries.add(e);
        }
        List<String> lines = entries.stream()
                .map(e -> e.path("action").asText() + " | " + e.path("actor").asText() + " | "
                        + e.path("target").asText() + " | " + e.path("detail").asText() + " | "
                        + e.path("address").asText())
                .toList();
        String target = "credential " + id + " \"Ann's token\"";
        assertThat(lines)
                .as("newest first, one entry per change, the deletion once")
                .containsExactly(
                        "credential-deleted | audit-ann | " + target + " | type oAuth2Api | 127.0.0.1",
                        "credential-shared | audit-ann | " + target + " | shared with audit-bo | 127.0.0.1",
                        "credential-tested | audit-ann | " + target + " | worked | 127.0.0.1",
                        "credential-changed | audit-ann | " + target + " | new data | 127.0.0.1",
                        "credential-changed | audit-ann | " + target + " | renamed from \"" + name + "\" | 127.0.0.1",
                        "credential-created | audit-ann | credential " + id + " \"" + name
                                + "\" | type oAuth2Api | 127.0.0.1");
        assertThat(entries.get(0).path("actorId").asLong()).isPositive();

        String everything = server.owner.get("/api/audit?limit=500").text();
        assertThat(everything)
                .doesNotContain(CLIENT_SECRET)
                .doesNotContain(ROTATED_SECRET)
                .doesNotContain(ACCESS_TOKEN);
        try (Connection c = TestDatabase.H2.connect(data);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT action, actor, target, address, detail FROM audit_log")) {
            while (r.next()) {
                for (int column = 1; column <= 5; column++) {
                    assertThat(String.valueOf(r.getString(column)))
                            .doesNotContain(CLIENT_SECRET)
                            .doesNotContain(ROTATED_SECRET)
                            .doesNotContain(ACCESS_TOKEN);
                }
            }
        }
    }

    /**
     * Two accounts with look-alike OAuth2 credentials (same name, token URL, client id and secret)
     * never get each other's token: each account's runs fetch their own and reuse it, the other's
     * stays apart. The token cache is process-wide, so without the holder in its key the second
     * account's run would be handed the first one's token.
     */
    @Test
    void lookAlikeOAuth2CredentialsOfTwoAccountsNeverShareAToken() throws Exception {
        int port = remote.getAddress().getPort();
        Map<String, String> sameData = Map.of(
                "accessTokenUrl",
                "http://127.0.0.1:" + port + "/token",
                "clientId",
                "same-app",
                "clientSecret",
                CLIENT_SECRET,
                "scope",
                "read");
        List<String> tokensOf = new ArrayList<>();
        for (String name : List.of("tok-ann", "tok-bob")) {
            ApiClient account = server.user(name, "member");
            String credential = create(account, "Same app", "oAuth2Api", sameData);
            String workflow = """
                    {"name": "Bearer", "nodes": [
                      {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "parameters": {}},
                      {"name": "Fetch", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4.2, "parameters": {"url": "http://127.0.0.1:%d/bearer",
                        "authentication": "genericCredentialType", "genericAuthType": "oAuth2Api", "options": {}},
                       "credentials": {"oAuth2Api": {"id": "%s", "name": "Same app"}}}
                    ], "connections": {"Start": {"main": [[{"node": "Fetch", "index": 0}]]}}}""".formatted(port, credential);
            ApiClient.Response created = account.post("/api/workflows", json(workflow));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            bearerSaw.clear();
            for (int run = 0; run < 2; run++) {
                JsonNode result = account.post(
                                "/api/workflows/" + created.json().path("id").asLong() + "/run", Map.of())
                        .json();
                assertThat(result.path("status").asText()).as(result.toString()).isEqualTo("success");
                assertThat(result.toString()).doesNotContain(ACCESS_TOKEN).doesNotContain(CLIENT_SECRET);
            }
            assertThat(bearerSaw).as(name + "'s runs reuse one token").hasSize(2);
            assertThat(bearerSaw.get(1)).isEqualTo(bearerSaw.get(0)).startsWith("Bearer " + ACCESS_TOKEN + "-");
            tokensOf.add(bearerSaw.get(0));
        }
        assertThat(tokensOf.get(1)).as("bob's runs never get ann's token").isNotEqualTo(tokensOf.get(0));
    }

    @Test
    void aMemberNeitherSeesNorUsesAnotherAccountsCredential() throws Exception {
        ApiClient mia = server.user("mia", "member");
        ApiClient max = server.user("max", "member");
        ApiClient ada = server.user("ada", "admin");
        String mias = create(mia, "Mia's key", "httpHeaderAuth", Map.of("name", "X-Api-Key", "value", HEADER_SECRET));
        String c = "/api/credentials/" + mias;
        for (ApiClient.Response answer : List.of(
                max.get(c),
                max.send("PUT", c, Map.of("name", "Taken")),
                max.send("PUT", c, Map.of("data", Map.of("name", "X-Api-Key", "value", "mine now"))),
                max.delete(c))) {
            assertThat(answer.status()).as(answer.toString()).isEqualTo(404);
            assertThat(answer.json().path("error").asText()).isEqualTo("no credential " + mias);
        }
        assertThat(max.get("/api/credentials").json().path("credentials").toString())
                .doesNotContain(mias);
        // The owner and admins see it (never its data); as with workflows, they manage every account's.
        assertThat(ada.get("/api/credentials").json().path("credentials").toString())
                .contains(mias)
                .doesNotContain(HEADER_SECRET);
        assertThat(server.owner.get(c).json().path("owner").asText()).isEqualTo("mia");

        // Naming it in a workflow of one's own, by id or by name, is refused on import: a workflow uses its owner's
        // credentials alone.
        for (ApiClient other : List.of(max, ada)) {
            for (String ref :
                    List.of("{\"id\": \"" + mias + "\", \"name\": \"Mia's key\"}", "{\"name\": \"Mia's key\"}")) {
                ApiClient.Response refused = other.post("/api/workflows", json(fetch(ref)));
                assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
                assertThat(refused.json().path("error").asText())
                        .contains(
                                "node \"Fetch\": credential",
                                "Mia's key",
                                "is not among the credentials the workflow's owner may use");
            }
        }
        // Mia's own workflow imports, by id or (an export from elsewhere) by name, and runs with it.
        for (String ref : List.of(
                "{\"id\": \"" + mias + "\", \"name\": \"Mia's key\"}",
                "{\"id\": \"n8n-elsewhere-9\", \"name\": \"Mia's key\"}")) {
            ApiClient.Response created = mia.post("/api/workflows", json(fetch(ref)));
            assertThat(created.status()).as(created.toString()).isEqualTo(201);
            JsonNode run = mia.post(
                            "/api/workflows/" + created.json().path("id").asLong() + "/run", Map.of())
                    .json();
            assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("success");
            assertThat(run.path("output").get(0).path("authorized").asBoolean()).isTrue();
        }
        assertThat(remoteSaw).contains(HEADER_SECRET);
        // A member's removal hands their credentials to the owner, with their workflows, so these keep running.
        assertThat(server.owner.delete("/api/users/" + userId("mia")).status()).isEqualTo(204);
        assertThat(server.owner.get(c).json().path("owner").asText()).isEqualTo(TestServer.OWNER);
    }

    private static long userId(String name) {
        for (JsonNode user : server.owner.get("/api/users").json()) {
            if (user.path("username").asText().equals(name))
                return user.path("id").asLong();
        }
        throw new AssertionError("no user " + name);
    }

    /** A workflow whose HTTP Request calls the remote API with the header credential {@code ref}. */
    private static String fetch(String ref) {
        return """
                {"name": "Fetch", "nodes": [
                  {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "parameters": {}},
                  {"name": "Fetch", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4.2, "parameters": {"url": "http://127.0.0.1:%d/check",
                    "authentication": "genericCredentialType", "genericAuthType": "httpHeaderAuth", "options": {}},
                   "credentials": {"httpHeaderAuth": %s}}
                ], "connections": {"Start": {"main": [[{"node": "Fetch", "index": 0}]]}}}""".formatted(remote.getAddress().getPort(), ref);
    }

    @Test
    void httpRequestRunsWithTheCredentialAndNoRecordHoldsIt() throws Exception {
        String key = create(
                server.owner, "Remote key", "httpHeaderAuth", Map.of("name", "X-Api-Key", "value", HEADER_SECRET));
        ApiClient.Response created =
                server.owner.post("/api/workflows", json(fetch("{\"id\": \"" + key + "\", \"name\": \"Remote key\"}")));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        JsonNode run = server.owner
                .post("/api/workflows/" + created.json().path("id").asLong() + "/run", Map.of())
                .json();
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("success");
        assertThat(run.path("output").get(0).path("authorized").asBoolean()).isTrue();
        assertThat(run.toString()).doesNotContain(HEADER_SECRET);
        try (Connection c = TestDatabase.H2.connect(data);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT record FROM executions")) {
            while (r.next())
                assertThat(r.getString(1)).doesNotContain(HEADER_SECRET).doesNotContain(PASSWORD_SECRET);
        }
        // The credential deleted, the same workflow fails clearly, naming it.
        assertThat(server.owner.delete("/api/credentials/" + key).status()).isEqualTo(204);
        JsonNode failed = server.owner
                .post("/api/workflows/" + created.json().path("id").asLong() + "/run", Map.of())
                .json();
        assertThat(failed.path("status").asText()).isEqualTo("error");
        assertThat(failed.path("error").asText())
                .contains("credential \"Remote key\" (id " + key + ") (httpHeaderAuth) is not among the credentials");
    }

    private HttpResponse<String> call(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.server.url() + "/webhook/" + path))
                .POST(HttpRequest.BodyPublishers.ofString("{\"hello\": 1}"))
                .header("Content-Type", "application/json");
        if (headers.length > 0) request.headers(headers);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long activeHook(String path, String authentication, String type, String credentialId) {
        String workflow = """
                {"name": "Hook %s", "nodes": [{"name": "Hook", "type": "n8n-nodes-base.webhook", "typeVersion": 2,
                  "parameters": {"path": "%s", "httpMethod": "POST", "authentication": "%s", "responseMode": "lastNode"},
                  "credentials": {"%s": {"id": "%s", "name": "whatever"}}}], "connections": {}}""".formatted(path, path, authentication, type, credentialId);
        ApiClient.Response created = server.owner.post("/api/workflows", parse(workflow));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        long id = created.json().path("id").asLong();
        ApiClient.Response activated = server.owner.post("/api/workflows/" + id + "/activate", Map.of());
        assertThat(activated.status()).as(activated.toString()).isEqualTo(200);
        return id;
    }

    private static JsonNode parse(String text) {
        try {
            return json(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void webhooksCheckBasicAndHeaderAuthenticationAsN8nDoes() throws Exception {
        String basicId = create(
                server.owner, "Hook login", "httpBasicAuth", Map.of("user", "sender", "password", PASSWORD_SECRET));
        activeHook("basic-hook", "basicAuth", "httpBasicAuth", basicId);
        HttpResponse<String> none = call("basic-hook");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"Webhook\"");
        assertThat(json(none.body()).path("error").asText()).isEqualTo("Authorization is required!");
        assertThat(call("basic-hook", "Authorization", "Basic !!!").statusCode())
                .isEqualTo(401);
        assertThat(call("basic-hook", "Authorization", "Bearer " + PASSWORD_SECRET)
                        .statusCode())
                .isEqualTo(401);
        for (String wrong : List.of(
                basic("sender", "nope"), basic("someone", PASSWORD_SECRET), basic("sender", PASSWORD_SECRET + "x"))) {
            HttpResponse<String> refused = call("basic-hook", "Authorization", wrong);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(json(refused.body()).path("error").asText()).isEqualTo("Authorization data is wrong!");
        }
        HttpResponse<String> accepted = call("basic-hook", "Authorization", basic("sender", PASSWORD_SECRET));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(json(accepted.body()).path("body").path("hello").asInt()).isEqualTo(1);
        assertThat(accepted.body()).doesNotContain(PASSWORD_SECRET).doesNotContain("authorization");

        String headerId = create(
                server.owner, "Hook token", "httpHeaderAuth", Map.of("name", "X-Hook-Token", "value", HEADER_SECRET));
        long hook = activeHook("header-hook", "headerAuth", "httpHeaderAuth", headerId);
        assertThat(call("header-hook").statusCode()).isEqualTo(403);
        assertThat(call("header-hook", "X-Hook-Token", HEADER_SECRET.substring(1))
                        .statusCode())
                .isEqualTo(403);
        assertThat(call("header-hook", "Authorization", "Bearer " + HEADER_SECRET)
                        .statusCode())
                .isEqualTo(403);
        HttpResponse<String> ok = call("header-hook", "x-hook-token", HEADER_SECRET);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body())
                .as("the secret header is not passed into the run")
                .doesNotContain(HEADER_SECRET)
                .doesNotContain("x-hook-token");
        String executions =
                server.owner.get("/api/executions?workflowId=" + hook).text();
        assertThat(executions).contains("success");
        assertThat(server.owner
                        .get("/api/executions/"
                                + json(executions)
                                        .path("executions")
                                        .get(0)
                                        .path("id")
                                        .asLong())
                        .text())
                .doesNotContain(HEADER_SECRET);

        // A new secret replaces the old one at once.
        assertThat(server.owner
                        .send(
                                "PUT",
                                "/api/credentials/" + headerId,
                                Map.of("data", Map.of("name", "X-Hook-Token", "value", "rotated-" + HEADER_SECRET)))
                        .status())
                .isEqualTo(200);
        assertThat(call("header-hook", "X-Hook-Token", HEADER_SECRET).statusCode())
                .isEqualTo(403);
        assertThat(call("header-hook", "X-Hook-Token", "rotated-" + HEADER_SECRET)
                        .statusCode())
                .isEqualTo(200);
        // Its credential deleted, the hook is refused, never served open.
        assertThat(server.owner.delete("/api/credentials/" + headerId).status()).isEqualTo(204);
        HttpResponse<String> orphan = call("header-hook", "X-Hook-Token", "rotated-" + HEADER_SECRET);
        assertThat(orphan.statusCode()).isEqualTo(500);
        assertThat(orphan.body()).contains("No authentication data defined on node!");
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A JWT of {@code claims} signed HS256 with {@code secret} (the JDK's HMAC), claiming {@code alg}. */
    static String hs256(String alg, String secret, String claims) throws Exception {
        String content = b64(("{\"alg\": \"" + alg + "\"}").getBytes(StandardCharsets.UTF_8)) + "."
                + b64(claims.getBytes(StandardCharsets.UTF_8));
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return content + "." + b64(mac.doFinal(content.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void webhooksCheckJwtAuthenticationAsN8nDoes() throws Exception {
        String jwtSecret = "jwt-secret-5d1c0e";
        long exp = java.time.Instant.now().getEpochSecond() + 300;
        String claims = "{\"sub\": \"billing\", \"exp\": " + exp + "}";
        String passphraseId = create(
                server.owner,
                "Hook JWT",
                "jwtAuth",
                Map.of("keyType", "passphrase", "secret", jwtSecret, "algorithm", "HS256"));
        long hook = activeHook("jwt-hook", "jwtAuth", "jwtAuth", passphraseId);

        HttpResponse<String> none = call("jwt-hook");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(json(none.body()).path("error").asText()).isEqualTo("No token provided");
        assertThat(call("jwt-hook", "Authorization", "Bearer").statusCode()).isEqualTo(401);
        record Refused(String token, String why) {}
        for (Refused r : List.of(
                new Refused(hs256("HS256", "not-the-secret", claims), "invalid signature"),
                new Refused(
                        b64("{\"alg\": \"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                                + b64(claims.getBytes(StandardCharsets.UTF_8)) + ".",
                        "invalid algorithm"),
                new Refused(hs256("HS256", jwtSecret, "{\"exp\": " + (exp - 600) + "}"), "jwt expired"),
                new Refused("a.b", "jwt malformed"))) {
            HttpResponse<String> refused = call("jwt-hook", "Authorization", "Bearer " + r.token());
            assertThat(refused.statusCode()).as(r.why()).isEqualTo(403);
            assertThat(json(refused.body()).path("error").asText()).isEqualTo(r.why());
        }
        String token = hs256("HS256", jwtSecret, claims);
        HttpResponse<String> accepted = call("jwt-hook", "Authorization", "Bearer " + token);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        // The run gets the verified claims as n8n's jwtPayload, and neither the token nor the secret.
        JsonNode item = json(accepted.body());
        assertThat(item.path("jwtPayload").path("sub").asText()).isEqualTo("billing");
        assertThat(item.path("body").path("hello").asInt()).isEqualTo(1);
        assertThat(accepted.body()).doesNotContain(token).doesNotContain(jwtSecret);
        String executions =
                server.owner.get("/api/executions?workflowId=" + hook).text();
        assertThat(server.owner
                        .get("/api/executions/"
                                + json(executions)
                                        .path("executions")
                                        .get(0)
                                        .path("id")
                                        .asLong())
                        .text())
                .doesNotContain(token)
                .doesNotContain(jwtSecret);
        // The secret never comes back from the API.
        assertThat(server.owner.get("/api/credentials/" + passphraseId).text()).doesNotContain(jwtSecret);

        // A public key: RS256 tokens of its private half pass; an HS256 token "signed" with the public key itself does
        // not.
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        java.security.KeyPair pair = generator.generateKeyPair();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        String keyId = create(
                server.owner,
                "Hook JWT key",
                "jwtAuth",
                Map.of("keyType", "pemKey", "publicKey", pem, "algorithm", "RS256"));
        activeHook("jwt-key-hook", "jwtAuth", "jwtAuth", keyId);
        String content = b64("{\"alg\": \"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64(claims.getBytes(StandardCharsets.UTF_8));
        java.security.Signature rs256 = java.security.Signature.getInstance("SHA256withRSA");
        rs256.initSign(pair.getPrivate());
        rs256.update(content.getBytes(StandardCharsets.US_ASCII));
        assertThat(call("jwt-key-hook", "Authorization", "Bearer " + content + "." + b64(rs256.sign()))
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> confused = call("jwt-key-hook", "Authorization", "Bearer " + hs256("HS256", pem, claims));
        assertThat(confused.statusCode()).isEqualTo(403);
        assertThat(json(confused.body()).path("error").asText()).isEqualTo("invalid algorithm");

        // A credential that allows no signature, or mixes a passphrase with RS256, is not stored.
        ApiClient.Response unsigned = server.owner.post(
                "/api/credentials",
                Map.of("name", "None", "type", "jwtAuth", "data", Map.of("secret", "x", "algorithm", "none")));
        assertThat(unsigned.status()).isEqualTo(422);
        assertThat(unsigned.json().path("error").asText())
                .contains("data.algorithm: \"none\" is not one nLink verifies");
    }

    @Test
    void aServerWithAnotherKeyRefusesToStartOnSealedCredentials(@TempDir Path dir) throws Exception {
        try (TestServer first = TestServer.start(TestServer.config(dir, TestDatabase.H2))) {
            create(first.owner, "Sealed", "httpQueryAuth", Map.of("name", "api_key", "value", HEADER_SECRET));
        }
        Path otherKey = dir.resolve("other.key");
        assertThatThrownBy(() -> NlinkServer.start(
                                TestServer.config(dir, TestDatabase.H2).withCredentialsKeyFile(otherKey))
                        .close())
                .hasMessageContaining("the stored credentials were sealed with another key")
                .hasMessageContaining(otherKey.toString())
                .hasMessageContaining("--credentials-key-file");
        Files.writeString(otherKey, "not a key");
        assertThatThrownBy(() -> NlinkServer.start(
                                TestServer.config(dir, TestDatabase.H2).withCredentialsKeyFile(otherKey))
                        .close())
                .hasMessageContaining("does not hold a key");
        // With its own key file given explicitly, as the servers of a cluster would, it starts.
        NlinkServer.start(
                        TestServer.config(dir, TestDatabase.H2).withCredentialsKeyFile(dir.resolve("credentials.key")))
                .close();
    }
}
