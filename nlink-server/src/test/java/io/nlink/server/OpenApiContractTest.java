package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document the server publishes, held against what the server really answers: a
 * real server on loopback is driven through every documented operation (successes and the usual
 * refusals: 400, 401, 403, 404, 409, 415), and each exchange is checked by {@link OpenApiContract}
 * (status, content type, JSON bodies against the document's schemas, query parameters).
 */
class OpenApiContractTest {
    private static final String MANUAL = """
            {"name": "Contract", "nodes": [{"name": "Start", "type": "n8n-nodes-base.manualTrigger"}]}""";
    private static final String WEBHOOK = """
            {"name": "Contract hook", "nodes": [{"name": "Hook", "type": "n8n-nodes-base.webhook", "typeVersion": 2,
              "parameters": {"path": "contract-hook", "httpMethod": "POST"}}]}""";

    private OpenApiContract contract;

    @Test
    void everyOperationAnswersAsTheDocumentSays(@TempDir Path data) throws Exception {
        try (TestServer server = TestServer.start(data, TestDatabase.H2)) {
            contract = new OpenApiContract(
                    server.anonymous().get("/api/openapi.json").text());
            ApiClient owner = server.owner;
            ApiClient anonymous = server.anonymous();

            call(anonymous, "GET", "/api/health", null);
            call(anonymous, "GET", "/api/openapi.json", null);
            call(anonymous, "GET", "/api/setup", null);
            call(
                    anonymous,
                    "POST",
                    "/api/setup",
                    Map.of("token", "x", "username", "other", "password", "other-password"));
            call(anonymous, "GET", "/api/session", null);
            call(owner, "GET", "/api/session", null);
            call(anonymous, "POST", "/api/session", Map.of("username", "nobody", "password", "wrong password"));
            checked(
                    anonymous,
                    "POST",
                    "/api/session",
                    null,
                    anonymous.postRaw("/api/session", "text/plain", "{}".getBytes(StandardCharsets.UTF_8)));

            // Accounts, as the owner; one member for the refusals by role.
            JsonNode member = call(
                            owner,
                            "POST",
                            "/api/users",
                            Map.of("username", "mia", "password", "mia-password", "role", "member"))
                    .json();
            call(owner, "POST", "/api/users", Map.of("username", "mia", "password", "mia-password"));
            call(owner, "POST", "/api/users", Map.of("username", "bad name!", "password", "x"));
            call(owner, "GET", "/api/users", null);
            long mia = member.path("id").asLong();
            call(owner, "PATCH", "/api/users/" + mia, Map.of("role", "admin"));
            call(owner, "PATCH", "/api/users/" + mia, Map.of("role", "member", "disabled", false));
            call(owner, "PATCH", "/api/users/999999", Map.of("disabled", true));
            call(owner, "PATCH", "/api/users/" + mia, Map.of("role", "emperor"));
            JsonNode reset = call(owner, "POST", "/api/users/" + mia + "/password-reset", null)
                    .json();
            call(
                    anonymous,
                    "POST",
                    "/api/password-reset",
                    Map.of("token", reset.path("token").asText(), "password", "mia-new-password"));
            call(
                    anonymous,
                    "POST",
                    "/api/password-reset",
                    Map.of("token", reset.path("token").asText(), "password", "mia-new-password"));
            ApiClient miaClient = server.anonymous();
            checked(
                    miaClient,
                    "POST",
                    "/api/session",
                    Map.of("username", "mia", "password", "mia-new-password"),
                    miaClient.login("mia", "mia-new-password"));
            call(miaClient, "GET", "/api/users", null);
            call(miaClient, "GET", "/api/audit", null);
            call(
                    miaClient,
                    "PUT",
                    "/api/password",
                    Map.of("currentPassword", "wrong-password", "newPassword", "mia-newer-password"));
            call(
                    miaClient,
                    "PUT",
                    "/api/password",
                    Map.of("currentPassword", "mia-new-password", "newPassword", "mia-newer-password"));
            call(anonymous, "GET", "/api/users", null);

            JsonNode key = call(owner, "POST", "/api/api-keys", Map.of("name", "contract"))
                    .json();
            call(owner, "POST", "/api/api-keys", Map.of("name", ""));
            call(owner, "GET", "/api/api-keys", null);
            ApiClient script = server.anonymous();
            script.apiKey = key.path("key").asText();
            call(script, "GET", "/api/session", null); // csrfToken null: a key needs none
            call(script, "GET", "/api/workflows", null);
            call(owner, "DELETE", "/api/api-keys/" + key.path("id").asLong(), null);
            call(owner, "DELETE", "/api/api-keys/" + key.path("id").asLong(), null);

            // The Community Store.
            byte[] helloJs = TestNodes.helloJs();
            JsonNode node = checked(owner, "POST", "/api/nodes", null, owner.upload(helloJs))
                    .json();
            checked(owner, "POST", "/api/nodes", null, owner.upload(helloJs)); // the same bytes again: 200
            checked(owner, "POST", "/api/nodes", null, owner.upload("not a zip".getBytes(StandardCharsets.UTF_8)));
            checked(owner, "POST", "/api/nodes", null, owner.postRaw("/api/nodes", "text/plain", new byte[] {1}));
            String version = "/api/nodes/" + node.path("name").asText() + "/versions/"
                    + node.path("version").asText();
            call(owner, "GET", "/api/nodes", null);
            call(owner, "GET", "/api/nodes/" + node.path("name").asText(), null);
            call(owner, "GET", "/api/nodes/nlink-community.nothing", null);
            call(owner, "GET", version, null);
            call(owner, "GET", version + "/package", null);
            call(
                    owner,
                    "POST",
                    version + "/run",
                    Map.of("params", Map.of("text", "contract"), "items", List.of(Map.of("id", 1))));
            call(owner, "POST", version + "/run", Map.of("params", Map.of("text", 5)));
            call(owner, "GET", "/api/scaffold/languages", null);
            call(owner, "POST", "/api/scaffold", Map.of("name", "contract_node"));
            call(owner, "POST", "/api/scaffold", Map.of("name", "Not A Name"));

            // Workflows, executions, a webhook.
            JsonNode workflow =
                    call(owner, "POST", "/api/workflows", Json.parse(MANUAL)).json();
            long id = workflow.path("id").asLong();
            call(owner, "POST", "/api/workflows", Map.of("nodes", "not a list"));
            call(owner, "GET", "/api/workflows", null);
            call(owner, "GET", "/api/workflows/" + id, null);
            call(owner, "GET", "/api/workflows/999999", null);
            call(owner, "PUT", "/api/workflows/" + id, Json.parse(MANUAL.replace("Contract", "Contract renamed")));
            JsonNode run = call(owner, "POST", "/api/workflows/" + id + "/run", Map.of())
                    .json();
            call(owner, "GET", "/api/executions", null);
            call(owner, "GET", "/api/executions?workflowId=" + id + "&limit=5", null);
            call(owner, "GET", "/api/executions?limit=many", null);
            call(
                    owner,
                    "GET",
                    "/api/executions/"
                            + run.path("executionId").asLong(run.path("id").asLong()),
                    null);
            call(owner, "GET", "/api/executions/999999", null);
            // Following, stopping and retrying it; one node run alone.
            String execution = "/api/executions/"
                    + run.path("executionId").asLong(run.path("id").asLong());
            call(owner, "GET", execution + "/events", null); // ended: the whole stream at once
            call(anonymous, "GET", execution + "/events", null);
            call(owner, "POST", execution + "/stop", null); // ended already: 409
            call(owner, "POST", execution + "/retry", null);
            call(owner, "POST", "/api/executions/999999/retry", null);
            call(owner, "POST", "/api/workflows/" + id + "/run-node", Map.of("node", "Start"));
            call(owner, "POST", "/api/workflows/" + id + "/run-node", Map.of("node", "Nope"));
            call(owner, "POST", "/api/workflows/validate", Map.of("workflow", Json.parse(MANUAL), "id", id));
            call(
                    owner,
                    "POST",
                    "/api/workflows/validate",
                    Map.of("workflow", Json.parse(MANUAL.replace("manualTrigger", "nope"))));
            call(owner, "POST", "/api/workflows/validate", Map.of("workflow", "not an object"));
            call(owner, "POST", "/api/workflows/validate", Map.of("workflow", Json.parse(MANUAL), "id", 999999));
            long hook = call(owner, "POST", "/api/workflows", Json.parse(WEBHOOK))
                    .json()
                    .path("id")
                    .asLong();
            call(owner, "POST", "/api/workflows/" + hook + "/activate", null);
            call(anonymous, "POST", "/webhook/contract-hook", Map.of("hello", "world"));
            call(anonymous, "GET", "/webhook/no-such-hook", null);
            ApiClient.Response notJson = checked(
                    anonymous,
                    "POST",
                    "/webhook/contract-hook",
                    null,
                    anonymous.postRaw(
                            "/webhook/contract-hook",
                            "application/json",
                            "{not json".getBytes(StandardCharsets.UTF_8)));
            assertThat(notJson.status()).isEqualTo(400);
            assertThat(notJson.json().path("error").asText())
                    .as("says where, not the JSON library's internals")
                    .contains("line 1, column 2")
                    .doesNotContain("Source")
                    .doesNotContain("jackson");
            call(owner, "POST", "/api/workflows/" + hook + "/deactivate", null);
            // Sharing it with mia, and handing it over and back.
            String shares = "/api/workflows/" + id + "/shares";
            call(owner, "GET", shares, null);
            call(owner, "PUT", shares, Map.of("users", List.of("mia")));
            call(owner, "PUT", shares, Map.of("users", List.of("nobody-here")));
            call(owner, "PUT", shares, Map.of("users", "mia"));
            call(miaClient, "GET", shares, null);
            call(miaClient, "PUT", shares, Map.of("users", List.of()));
            call(miaClient, "POST", "/api/workflows/" + id + "/transfer", Map.of("to", "mia"));
            call(owner, "POST", "/api/workflows/" + id + "/transfer", Map.of("to", TestServer.OWNER));
            call(owner, "POST", "/api/workflows/" + id + "/transfer", Map.of("to", "mia"));
            call(miaClient, "POST", "/api/workflows/" + id + "/transfer", Map.of("to", TestServer.OWNER));
            call(owner, "GET", "/api/workflows/999999/shares", null);
            call(miaClient, "DELETE", "/api/workflows/" + id, null); // a sharee: 403
            call(owner, "DELETE", "/api/workflows/" + id, null);
            call(owner, "DELETE", "/api/workflows/" + id, null);
            call(owner, "DELETE", version, null);

            // Credentials and the editor's helpers.
            call(owner, "GET", "/api/credentials/types", null);
            JsonNode credential = call(
                            owner,
                            "POST",
                            "/api/credentials",
                            Map.of(
                                    "name",
                                    "Contract key",
                                    "type",
                                    "httpHeaderAuth",
                                    "data",
                                    Map.of("name", "X-Api-Key", "value", "s3cret")))
                    .json();
            call(
                    owner,
                    "POST",
                    "/api/credentials",
                    Map.of("name", "Bad", "type", "httpHeaderAuth", "data", Map.of("name", "X-Api-Key")));
            String credentialPath = "/api/credentials/" + credential.path("id").asText();
            call(owner, "GET", "/api/credentials", null);
            call(owner, "GET", credentialPath, null);
            call(miaClient, "GET", credentialPath, null);
            call(owner, "PUT", credentialPath, Map.of("name", "Contract key, renamed"));
            call(owner, "GET", credentialPath + "/shares", null);
            call(owner, "PUT", credentialPath + "/shares", Map.of("users", List.of("mia")));
            call(miaClient, "GET", credentialPath, null);
            call(miaClient, "PUT", credentialPath, Map.of("name", "Taken"));
            call(miaClient, "PUT", credentialPath + "/shares", Map.of("users", List.of()));
            call(miaClient, "DELETE", credentialPath, null);
            call(owner, "POST", credentialPath + "/transfer", Map.of("to", "mia"));
            call(miaClient, "POST", credentialPath + "/transfer", Map.of("to", TestServer.OWNER));
            call(owner, "POST", credentialPath + "/transfer", Map.of());
            call(owner, "GET", "/api/credentials/nothing/shares", null);
            call(
                    owner,
                    "POST",
                    credentialPath + "/test",
                    null); // 422: a header credential is proved only by its service
            JsonNode oauth = call(
                            owner,
                            "POST",
                            "/api/credentials",
                            Map.of(
                                    "name",
                                    "Contract OAuth2",
                                    "type",
                                    "oAuth2Api",
                                    "data",
                                    Map.of(
                                            "accessTokenUrl",
                                            "http://127.0.0.1:9/token",
                                            "clientId",
                                            "app",
                                            "clientSecret",
                                            "s3cret")))
                    .json();
            // 200 with ok false: the default guard refuses loopback.
            call(owner, "POST", "/api/credentials/" + oauth.path("id").asText() + "/test", null);
            call(owner, "DELETE", "/api/credentials/" + oauth.path("id").asText(), null);
            call(owner, "DELETE", credentialPath, null);
            call(owner, "DELETE", credentialPath, null);
            call(owner, "GET", "/api/node-types", null);
            call(
                    owner,
                    "POST",
                    "/api/expressions/preview",
                    Map.of("expression", "={{ $json.a + 1 }}", "item", Map.of("a", 41)));
            call(owner, "POST", "/api/expressions/preview", Map.of("item", Map.of()));

            call(owner, "GET", "/api/audit?limit=2", null);
            call(owner, "GET", "/api/audit?limit=0", null);
            call(owner, "DELETE", "/api/users/" + mia + "?transferTo=someone", null);
            call(owner, "DELETE", "/api/users/" + mia + "?transferTo=" + mia, null);
            call(owner, "DELETE", "/api/users/" + mia + "?transferTo=" + ownerId(owner), null);
            call(owner, "DELETE", "/api/session", null);
            call(owner, "DELETE", "/api/session", null);

            assertThat(contract.differences())
                    .as("exchanges that differ from openapi.json")
                    .isEmpty();
            Set<String> notExercised = new TreeSet<>(contract.documented());
            notExercised.removeAll(contract.exercised());
            // A webhook answers every method the same way; GET and POST stand for the rest.
            notExercised.removeAll(Set.of("PUT /webhook/{path}", "PATCH /webhook/{path}", "DELETE /webhook/{path}"));
            assertThat(notExercised)
                    .as("documented operations this test did not drive")
                    .isEmpty();
        }
    }

    private static long ownerId(ApiClient owner) {
        for (JsonNode user : owner.get("/api/users").json()) {
            if (user.path("username").asText().equals(TestServer.OWNER))
                return user.path("id").asLong();
        }
        throw new AssertionError("no owner account listed");
    }

    /** Sends {@code body} as JSON (none for null) and checks the exchange. */
    private ApiClient.Response call(ApiClient client, String method, String path, Object body) {
        ApiClient.Response response = switch (method) {
            case "GET" -> client.get(path);
            case "DELETE" -> client.delete(path);
            case "POST" -> client.post(path, body == null ? Map.of() : body);
            default -> client.send(method, path, body);
        };
        return checked(client, method, path, body, response);
    }

    private ApiClient.Response checked(
            ApiClient client, String method, String path, Object body, ApiClient.Response response) {
        contract.check(
                method,
                URI.create(client.base + path).getRawPath()
                        + (path.contains("?") ? path.substring(path.indexOf('?')) : ""),
                body,
                response);
        return response;
    }
}
