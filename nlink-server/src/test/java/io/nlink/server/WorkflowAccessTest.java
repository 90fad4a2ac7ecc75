package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who sees and changes which workflows and executions (docs/security.md, the role matrix), against
 * a real server: a member only their own, with 404 for the rest; the owner and admins everything.
 */
class WorkflowAccessTest extends SharedServer {
    /** Runs without any community node: a manual trigger and a Code node. */
    private static final String MANUAL = """
            {"name": "%s", "nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
              {"name": "Echo", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return items;"}}
            ], "connections": {"Start": {"main": [[{"node": "Echo", "index": 0}]]}}}""";

    private static final String WEBHOOK = """
            {"name": "%s", "nodes": [
              {"name": "Hook", "type": "n8n-nodes-base.webhook", "typeVersion": 2,
               "parameters": {"path": "%s", "httpMethod": "POST", "responseMode": "lastNode"}},
              {"name": "Echo", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return items.map(i => ({json: i.json.body}));"}}
            ], "connections": {"Hook": {"main": [[{"node": "Echo", "index": 0}]]}}}""";

    /** A workflow {@code as} creates, and one run of it: its id and the execution's. */
    private record Created(long workflow, long execution) {}

    private static Created createAndRun(ApiClient as, String name) throws Exception {
        ApiClient.Response created = as.post("/api/workflows", Json.parse(MANUAL.formatted(name)));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        long id = created.json().path("id").asLong();
        ApiClient.Response run = as.post("/api/workflows/" + id + "/run", Map.of("items", List.of(Map.of("n", 1))));
        assertThat(run.status()).as(run.toString()).isEqualTo(200);
        assertThat(run.json().path("status").asText()).isEqualTo("success");
        return new Created(id, run.json().path("id").asLong());
    }

    private static List<Long> ids(JsonNode list) {
        List<Long> ids = new ArrayList<>();
        list.forEach(n -> ids.add(n.path("id").asLong()));
        return ids;
    }

    private static List<Long> workflowIds(ApiClient as) {
        ApiClient.Response r = as.get("/api/workflows");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return ids(r.json().path("workflows"));
    }

    private static List<Long> executionIds(ApiClient as, String query) {
        ApiClient.Response r = as.get("/api/executions" + query);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return ids(r.json().path("executions"));
    }

    /** Every call a member could make on another's workflow and its execution answers 404, as for ids that do not exist. */
    @Test
    void aMemberCannotSeeOrChangeAnothersWorkflowNorItsExecutions() throws Exception {
        Created owners = createAndRun(server.owner, "Owner's");
        ApiClient member = server.user("molly", "member");
        String w = "/api/workflows/" + owners.workflow();
        JsonNode definition = Json.parse(MANUAL.formatted("Taken over"));

        List<ApiClient.Response> refused = List.of(
                member.get(w),
                member.send("PUT", w, definition),
                member.delete(w),
                member.post(w + "/activate", Map.of()),
                member.post(w + "/deactivate", Map.of()),
                member.post(w + "/run", Map.of()),
                member.get("/api/executions/" + owners.execution()));
        for (ApiClient.Response r : refused) {
            assertThat(r.status()).as(r.toString()).isEqualTo(404);
        }
        // The same answer as for an id nobody has: nothing tells a member which ids exist.
        assertThat(member.get(w).json().path("error").asText()).isEqualTo("no workflow " + owners.workflow());
        assertThat(member.get("/api/workflows/999999").json().path("error").asText())
                .isEqualTo("no workflow 999999");
        assertThat(member.get("/api/executions/" + owners.execution()).text())
                .isEqualTo(member.get("/api/executions/999999")
                        .text()
                        .replace("999999", Long.toString(owners.execution())));

        assertThat(workflowIds(member)).doesNotContain(owners.workflow());
        assertThat(executionIds(member, "")).doesNotContain(owners.execution());
        assertThat(executionIds(member, "?workflowId=" + owners.workflow())).isEmpty();

        // Nothing changed: the workflow is there, inactive, unrenamed, with its execution.
        JsonNode still = server.owner.get(w).json();
        assertThat(still.path("name").asText()).isEqualTo("Owner's");
        assertThat(still.path("active").asBoolean()).isFalse();
        assertThat(still.path("owner").asText()).isEqualTo(TestServer.OWNER);
        assertThat(executionIds(server.owner, "?workflowId=" + owners.workflow()))
                .containsExactly(owners.execution());
        assertThat(server.owner.get("/api/executions/" + owners.execution()).status())
                .isEqualTo(200);
    }

    @Test
    void aMemberSeesAndChangesOnlyTheirOwn() throws Exception {
        ApiClient member = server.user("mona", "member");
        ApiClient other = server.user("otto", "member");
        Created mine = createAndRun(member, "Mona's");
        Created theirs = createAndRun(other, "Otto's");
        Created owners = createAndRun(server.owner, "Also the owner's");

        JsonNode listed = member.get("/api/workflows").json().path("workflows");
        assertThat(listed.findValuesAsText("owner")).containsOnly("mona");
        assertThat(ids(listed)).containsExactly(mine.workflow());
        assertThat(executionIds(member, "")).containsExactly(mine.execution());
        assertThat(executionIds(other, "")).containsExactly(theirs.execution());

        String w = "/api/workflows/" + mine.workflow();
        assertThat(member.get(w).json().path("createdBy").asText()).isEqualTo("mona");
        assertThat(member.send("PUT", w, Json.parse(MANUAL.formatted("Renamed")))
                        .json()
                        .path("name")
                        .asText())
                .isEqualTo("Renamed");
        assertThat(member.post(w + "/activate", Map.of()).json().path("active").asBoolean())
                .isTrue();
        assertThat(member.post(w + "/deactivate", Map.of())
                        .json()
                        .path("active")
                        .asBoolean())
                .isFalse();
        assertThat(member.get("/api/executions/" + mine.execution()).status()).isEqualTo(200);
        assertThat(other.get(w).status()).isEqualTo(404);

        assertThat(member.delete(w).status()).isEqualTo(204);
        assertThat(member.get(w).status()).isEqualTo(404);
        assertThat(member.get("/api/executions/" + mine.execution()).status())
                .as("executions go with their workflow")
                .isEqualTo(404);
        assertThat(server.owner.get("/api/workflows/" + owners.workflow()).status())
                .isEqualTo(200);
    }

    @Test
    void theOwnerAndAdminsSeeAndChangeEveryonesWork() throws Exception {
        ApiClient member = server.user("max", "member");
        ApiClient admin = server.user("alma", "admin");
        Created members = createAndRun(member, "Max's");
        Created owners = createAndRun(server.owner, "The owner's");

        for (ApiClient all : List.of(server.owner, admin)) {
            assertThat(workflowIds(all)).contains(members.workflow(), owners.workflow());
            assertThat(executionIds(all, "")).contains(members.execution(), owners.execution());
            assertThat(all.get("/api/executions/" + members.execution()).status())
                    .isEqualTo(200);
        }
        String w = "/api/workflows/" + members.workflow();
        ApiClient.Response edited = admin.send("PUT", w, Json.parse(MANUAL.formatted("Fixed by an admin")));
        assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
        assertThat(edited.json().path("owner").asText())
                .as("an edit does not change the owner")
                .isEqualTo("max");
        assertThat(member.get(w).json().path("name").asText()).isEqualTo("Fixed by an admin");
        assertThat(admin.post(w + "/run", Map.of()).status()).isEqualTo(200);
        assertThat(executionIds(member, "?workflowId=" + members.workflow()))
                .as("a run by an admin belongs to the workflow")
                .hasSize(2);
        assertThat(admin.delete("/api/workflows/" + owners.workflow()).status()).isEqualTo(204);
        assertThat(server.owner.get("/api/workflows/" + owners.workflow()).status())
                .isEqualTo(404);
    }

    /** A webhook is answered for the workflow's owner: the caller has no account, the run is the owner's to see. */
    @Test
    void aMembersWebhookRunsAndItsExecutionsAreTheirs() throws Exception {
        ApiClient member = server.user("wes", "member");
        ApiClient other = server.user("vera", "member");
        ApiClient.Response created =
                member.post("/api/workflows", Json.parse(WEBHOOK.formatted("Wes's hook", "wes/hook")));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        long id = created.json().path("id").asLong();
        assertThat(member.post("/api/workflows/" + id + "/activate", Map.of()).status())
                .isEqualTo(200);

        HttpResponse<String> answer = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.server.url() + "/webhook/wes/hook"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"hello\": \"hook\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(Json.parse(answer.body()).path("hello").asText()).isEqualTo("hook");

        List<Long> runs = executionIds(member, "?workflowId=" + id);
        assertThat(runs).hasSize(1);
        assertThat(member.get("/api/executions/" + runs.get(0))
                        .json()
                        .path("mode")
                        .asText())
                .isEqualTo("webhook");
        assertThat(other.get("/api/executions/" + runs.get(0)).status()).isEqualTo(404);
        assertThat(other.post("/api/workflows/" + id + "/deactivate", Map.of()).status())
                .isEqualTo(404);
        assertThat(member.post("/api/workflows/" + id + "/deactivate", Map.of()).status())
                .isEqualTo(200);
    }
}
