package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The role matrix of docs/security.md, walked over real HTTP against a real server: every actor
 * (the owner, an admin, a member who owns the work, a member it is shared with, a member it is not
 * shared with, an anonymous caller) tries every operation on workflows, executions, credentials,
 * community nodes, accounts and the audit log. Each allowed call must succeed; each refused one
 * must answer its exact status (401 anonymous, 403 by role or share, 404 unseen) and change
 * nothing. Calls that destroy or hand over work get a fresh one per actor.
 */
class AccessMatrixTest extends SharedServer {
    /** Who calls. AUTHOR owns the work under test, SHAREE has it shared, STRANGER does not. */
    enum Actor {
        OWNER,
        ADMIN,
        AUTHOR,
        SHAREE,
        STRANGER,
        ANONYMOUS
    }

    private static final String MANUAL = """
            {"name": "%s", "nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
              {"name": "Echo", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return items;"}}
            ], "connections": {"Start": {"main": [[{"node": "Echo", "index": 0}]]}}}""";

    private static final String FAILING = """
            {"name": "Fails", "nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
              {"name": "Throw", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "throw new Error('on purpose');"}}
            ], "connections": {"Start": {"main": [[{"node": "Throw", "index": 0}]]}}}""";

    /** A workflow whose HTTP Request node authenticates with the credential {@code %s} (by id). */
    private static final String USES_CREDENTIAL = """
            {"name": "Uses a credential", "nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
              {"name": "Fetch", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4,
               "parameters": {"url": "https://example.invalid/", "authentication": "genericCredentialType", "genericAuthType": "httpHeaderAuth"},
               "credentials": {"httpHeaderAuth": {"id": "%s"}}}
            ], "connections": {"Start": {"main": [[{"node": "Fetch", "index": 0}]]}}}""";

    private static final String SECRET = "matrix-secret-7c1e";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private static final Map<Actor, ApiClient> CLIENTS = new EnumMap<>(Actor.class);

    @BeforeAll
    static void accounts() {
        CLIENTS.put(Actor.OWNER, server.owner);
        CLIENTS.put(Actor.ADMIN, server.user("ada", "admin"));
        CLIENTS.put(Actor.AUTHOR, server.user("alice", "member"));
        CLIENTS.put(Actor.SHAREE, server.user("sam", "member"));
        CLIENTS.put(Actor.STRANGER, server.user("stan", "member"));
        CLIENTS.put(Actor.ANONYMOUS, server.anonymous());
    }

    private static ApiClient as(Actor actor) {
        return CLIENTS.get(actor);
    }

    /** The author's work, shared with the sharee: a workflow with one run, and a credential. */
    private record Work(long workflow, long execution, String credential) {
        String w() {
            return "/api/workflows/" + workflow;
        }

        String e() {
            return "/api/executions/" + execution;
        }

        String c() {
            return "/api/credentials/" + credential;
        }
    }

    /** New work of the author's, shared with the sharee through the API. */
    private static Work fresh() throws Exception {
        ApiClient author = as(Actor.AUTHOR);
        int n = SEQUENCE.incrementAndGet();
        ApiClient.Response created = author.post("/api/workflows", Json.parse(MANUAL.formatted("Alice's " + n)));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        long workflow = created.json().path("id").asLong();
        ApiClient.Response run = author.post("/api/workflows/" + workflow + "/run", Map.of());
        assertThat(run.status()).as(run.toString()).isEqualTo(200);
        ApiClient.Response credential = author.post(
                "/api/credentials",
                Map.of(
                        "name",
                        "Alice's key " + n,
                        "type",
                        "httpHeaderAuth",
                        "data",
                        Map.of("name", "X-Api-Key", "value", SECRET)));
        assertThat(credential.status()).as(credential.toString()).isEqualTo(201);
        Work work = new Work(
                workflow,
                run.json().path("id").asLong(),
                credential.json().path("id").asText());
        assertThat(author.send("PUT", work.w() + "/shares", Map.of("users", List.of("sam")))
                        .status())
                .isEqualTo(200);
        assertThat(author.send("PUT", work.c() + "/shares", Map.of("users", List.of("sam")))
                        .status())
                .isEqualTo(200);
        return work;
    }

    /** Expected statuses in {@link Actor} order: owner, admin, author, sharee, stranger, anonymous. */
    private static int[] expect(int... statuses) {
        assertThat(statuses).hasSize(Actor.values().length);
        return statuses;
    }

    /**
     * Has every actor make {@code call} (on work {@code perActor} gives it) and checks each status;
     * a refusal must carry an error that says why.
     */
    private static void row(
            SoftAssertions soft, String operation, int[] expected, Function<Actor, ApiClient.Response> call) {
        for (Actor actor : Actor.values()) {
            ApiClient.Response r = call.apply(actor);
            int want = expected[actor.ordinal()];
            soft.assertThat(r.status()).as("%s by %s: %s", operation, actor, r).isEqualTo(want);
            if (want >= 400 && r.status() == want) {
                soft.assertThat(r.json().path("error").asText())
                        .as("%s by %s says why", operation, actor)
                        .isNotBlank();
            }
            soft.assertThat(r.text())
                    .as("%s by %s shows no secret", operation, actor)
                    .doesNotContain(SECRET);
        }
    }

    private static ApiClient.Response put(Actor actor, String path, Object body) {
        return as(actor).send("PUT", path, body);
    }

    private static List<Long> ids(JsonNode list) {
        List<Long> ids = new ArrayList<>();
        list.forEach(n -> ids.add(n.path("id").asLong()));
        return ids;
    }

    @Test
    void workflows() throws Exception {
        Work work = fresh();
        SoftAssertions soft = new SoftAssertions();
        row(soft, "list workflows", expect(200, 200, 200, 200, 200, 401), a -> as(a).get("/api/workflows"));
        for (Actor a : List.of(Actor.OWNER, Actor.ADMIN, Actor.AUTHOR, Actor.SHAREE)) {
            soft.assertThat(ids(as(a).get("/api/workflows").json().path("workflows")))
                    .as("%s lists it", a)
                    .contains(work.workflow());
        }
        soft.assertThat(ids(as(Actor.STRANGER).get("/api/workflows").json().path("workflows")))
                .as("the stranger does not list it")
                .doesNotContain(work.workflow());
        row(
                soft,
                "create a workflow",
                expect(201, 201, 201, 201, 201, 401),
                a -> as(a).post("/api/workflows", parse(MANUAL.formatted(a + "'s own"))));
        row(soft, "read", expect(200, 200, 200, 200, 404, 401), a -> as(a).get(work.w()));
        row(
                soft,
                "edit",
                expect(200, 200, 200, 200, 404, 401),
                a -> put(a, work.w(), parse(MANUAL.formatted("Edited by " + a))));
        row(soft, "activate", expect(200, 200, 200, 200, 404, 401), a -> as(a).post(work.w() + "/activate", Map.of()));
        row(
                soft,
                "deactivate",
                expect(200, 200, 200, 200, 404, 401),
                a -> as(a).post(work.w() + "/deactivate", Map.of()));
        row(soft, "run", expect(200, 200, 200, 200, 404, 401), a -> as(a).post(work.w() + "/run", Map.of()));
        row(
                soft,
                "run one node",
                expect(200, 200, 200, 200, 404, 401),
                a -> as(a).post(work.w() + "/run-node", Map.of("node", "Start")));
        row(soft, "see its shares", expect(200, 200, 200, 200, 404, 401), a -> as(a).get(work.w() + "/shares"));
        // The sharee may change it but not who has it: the shares stand after its attempt.
        row(soft, "share", expect(200, 200, 200, 403, 404, 401), a -> {
            try {
                Work own = fresh();
                return put(a, own.w() + "/shares", Map.of("users", List.of("stan")));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        soft.assertThat(put(Actor.SHAREE, work.w() + "/shares", Map.of("users", List.of("sam", "stan")))
                        .status())
                .isEqualTo(403);
        soft.assertThat(as(Actor.STRANGER).get(work.w()).status())
                .as("a refused re-share shares nothing")
                .isEqualTo(404);
        row(soft, "transfer", expect(200, 200, 200, 403, 404, 401), a -> {
            try {
                Work own = fresh();
                return as(a).post(own.w() + "/transfer", Map.of("to", "ada"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        // Deleting: the owner, an admin and the author may; the sharee is refused with 403, another member with 404.
        List<Long> kept = new ArrayList<>();
        row(soft, "delete", expect(204, 204, 204, 403, 404, 401), a -> {
            try {
                Work own = fresh();
                ApiClient.Response r = as(a).delete(own.w());
                if (r.status() != 204) kept.add(own.workflow());
                return r;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        for (long id : kept) {
            soft.assertThat(as(Actor.AUTHOR).get("/api/workflows/" + id).status())
                    .as("a refused delete deleted nothing")
                    .isEqualTo(200);
            soft.assertThat(as(Actor.AUTHOR)
                            .get("/api/executions?workflowId=" + id)
                            .json()
                            .path("executions")
                            .size())
                    .as("nor its executions")
                    .isEqualTo(1);
        }
        // The stranger's 404 is the answer for a workflow that does not exist: nothing tells ids apart.
        soft.assertThat(as(Actor.STRANGER).delete(work.w()).json().path("error").asText())
                .isEqualTo("no workflow " + work.workflow());
        soft.assertAll();
    }

    @Test
    void executions() throws Exception {
        Work work = fresh();
        SoftAssertions soft = new SoftAssertions();
        row(
                soft,
                "list executions",
                expect(200, 200, 200, 200, 200, 401),
                a -> as(a).get("/api/executions?workflowId=" + work.workflow()));
        for (Actor a : List.of(Actor.OWNER, Actor.ADMIN, Actor.AUTHOR, Actor.SHAREE)) {
            soft.assertThat(ids(as(a).get("/api/executions?workflowId=" + work.workflow())
                            .json()
                            .path("executions")))
                    .as("%s lists it", a)
                    .contains(work.execution());
        }
        soft.assertThat(ids(as(Actor.STRANGER).get("/api/executions").json().path("executions")))
                .as("the stranger does not list it")
                .doesNotContain(work.execution());
        row(soft, "read", expect(200, 200, 200, 200, 404, 401), a -> as(a).get(work.e()));
        row(soft, "follow its events", expect(200, 200, 200, 200, 404, 401), a -> as(a).get(work.e() + "/events"));
        // Retrying needs a failed run: the author's workflow that throws, shared with the sharee.
        ApiClient author = as(Actor.AUTHOR);
        long failing =
                author.post("/api/workflows", parse(FAILING)).json().path("id").asLong();
        assertThat(author.send("PUT", "/api/workflows/" + failing + "/shares", Map.of("users", List.of("sam")))
                        .status())
                .isEqualTo(200);
        JsonNode failed =
                author.post("/api/workflows/" + failing + "/run", Map.of()).json();
        assertThat(failed.path("status").asText()).isEqualTo("error");
        row(
                soft,
                "retry",
                expect(202, 202, 202, 202, 404, 401),
                a -> as(a).post("/api/executions/" + failed.path("id").asLong() + "/retry", Map.of()));
        // Stopping one that has ended: whoever may see it hears it has ended (409); the rest as before.
        row(soft, "stop", expect(409, 409, 409, 409, 404, 401), a -> as(a).post(work.e() + "/stop", Map.of()));
        soft.assertAll();
    }

    @Test
    void credentials() throws Exception {
        Work work = fresh();
        SoftAssertions soft = new SoftAssertions();
        row(soft, "list credentials", expect(200, 200, 200, 200, 200, 401), a -> as(a).get("/api/credentials"));
        for (Actor a : List.of(Actor.OWNER, Actor.ADMIN, Actor.AUTHOR, Actor.SHAREE)) {
            soft.assertThat(as(a).get("/api/credentials")
                            .json()
                            .path("credentials")
                            .findValuesAsText("id"))
                    .as("%s lists it", a)
                    .contains(work.credential());
        }
        soft.assertThat(as(Actor.STRANGER)
                        .get("/api/credentials")
                        .json()
                        .path("credentials")
                        .findValuesAsText("id"))
                .as("the stranger does not list it")
                .doesNotContain(work.credential());
        row(soft, "list types", expect(200, 200, 200, 200, 200, 401), a -> as(a).get("/api/credentials/types"));
        row(
                soft,
                "create a credential",
                expect(201, 201, 201, 201, 201, 401),
                a -> as(a).post(
                                "/api/credentials",
                                Map.of(
                                        "name",
                                        a + "'s key",
                                        "type",
                                        "httpHeaderAuth",
                                        "data",
                                        Map.of("name", "X-Key", "value", SECRET))));
        row(soft, "read", expect(200, 200, 200, 200, 404, 401), a -> as(a).get(work.c()));
        soft.assertThat(as(Actor.SHAREE).get(work.c()).json().path("mayManage").asBoolean())
                .as("the sharee is told it may only use it")
                .isFalse();
        soft.assertThat(as(Actor.AUTHOR).get(work.c()).json().path("mayManage").asBoolean())
                .isTrue();
        row(
                soft,
                "rename",
                expect(200, 200, 200, 403, 404, 401),
                a -> put(a, work.c(), Map.of("name", "Renamed by " + a)));
        row(
                soft,
                "replace its data",
                expect(200, 200, 200, 403, 404, 401),
                a -> put(a, work.c(), Map.of("data", Map.of("name", "X-Api-Key", "value", SECRET))));
        row(soft, "see its shares", expect(200, 200, 200, 200, 404, 401), a -> as(a).get(work.c() + "/shares"));
        row(soft, "share", expect(200, 200, 200, 403, 404, 401), a -> {
            try {
                return put(a, fresh().c() + "/shares", Map.of("users", List.of("stan")));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        row(soft, "transfer", expect(200, 200, 200, 403, 404, 401), a -> {
            try {
                return as(a).post(fresh().c() + "/transfer", Map.of("to", "ada"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        row(soft, "delete", expect(204, 204, 204, 403, 404, 401), a -> {
            try {
                return as(a).delete(fresh().c());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        // Using it in a workflow of one's own: its owner and its sharee may; nobody else, admins and the owner
        // included.
        row(
                soft,
                "use in a workflow of one's own",
                expect(422, 422, 201, 201, 422, 401),
                a -> as(a).post("/api/workflows", parse(USES_CREDENTIAL.formatted(work.credential()))));
        ApiClient.Response refused =
                as(Actor.STRANGER).post("/api/workflows", parse(USES_CREDENTIAL.formatted(work.credential())));
        soft.assertThat(refused.json().path("error").asText())
                .as("the refusal names the node and the credential")
                .contains("node \"Fetch\"", work.credential());
        soft.assertAll();
    }

    @Test
    void communityNodes() {
        SoftAssertions soft = new SoftAssertions();
        byte[] hello = TestNodes.helloJs();
        row(soft, "install", expect(201, 200, 403, 403, 403, 401), a -> as(a).upload(hello));
        JsonNode node = as(Actor.OWNER).upload(hello).json();
        String version = "/api/nodes/" + node.path("name").asText() + "/versions/"
                + node.path("version").asText();
        row(soft, "list nodes", expect(200, 200, 200, 200, 200, 401), a -> as(a).get("/api/nodes"));
        row(soft, "read a version", expect(200, 200, 200, 200, 200, 401), a -> as(a).get(version));
        row(soft, "download its package", expect(200, 200, 200, 200, 200, 401), a -> as(a).get(version + "/package"));
        row(
                soft,
                "test-run",
                expect(200, 200, 200, 200, 200, 401),
                a -> as(a).post(
                                version + "/run",
                                Map.of("params", Map.of("text", "matrix"), "items", List.of(Map.of("id", 1)))));
        row(
                soft,
                "scaffold",
                expect(200, 200, 200, 200, 200, 401),
                a -> as(a).post("/api/scaffold", Map.of("name", "matrix_node")));
        // Removing: every refusal first, while it is there; then the admin removes it, the owner re-installs and
        // removes it.
        for (Actor refused : List.of(Actor.AUTHOR, Actor.SHAREE, Actor.STRANGER, Actor.ANONYMOUS)) {
            ApiClient.Response r = as(refused).delete(version);
            soft.assertThat(r.status())
                    .as("remove by %s: %s", refused, r)
                    .isEqualTo(refused == Actor.ANONYMOUS ? 401 : 403);
        }
        soft.assertThat(as(Actor.OWNER).get(version).status())
                .as("still installed")
                .isEqualTo(200);
        soft.assertThat(as(Actor.ADMIN).delete(version).status())
                .as("remove by the admin")
                .isEqualTo(204);
        soft.assertThat(as(Actor.OWNER).upload(hello).status()).isEqualTo(201);
        soft.assertThat(as(Actor.OWNER).delete(version).status())
                .as("remove by the owner")
                .isEqualTo(204);
        soft.assertAll();
    }

    @Test
    void accountsAndTheAuditLog() {
        SoftAssertions soft = new SoftAssertions();
        row(soft, "list accounts", expect(200, 200, 403, 403, 403, 401), a -> as(a).get("/api/users"));
        row(
                soft,
                "create an account",
                expect(201, 201, 403, 403, 403, 401),
                a -> as(a).post(
                                "/api/users",
                                Map.of(
                                        "username",
                                        "new-by-" + a.name().toLowerCase(),
                                        "password",
                                        "long enough password",
                                        "role",
                                        "member")));
        long target = userId("new-by-owner");
        row(
                soft,
                "change a role",
                expect(200, 200, 403, 403, 403, 401),
                a -> as(a).send("PATCH", "/api/users/" + target, Map.of("role", "admin")));
        row(
                soft,
                "disable",
                expect(200, 200, 403, 403, 403, 401),
                a -> as(a).send("PATCH", "/api/users/" + target, Map.of("disabled", true)));
        row(
                soft,
                "enable",
                expect(200, 200, 403, 403, 403, 401),
                a -> as(a).send("PATCH", "/api/users/" + target, Map.of("disabled", false)));
        row(
                soft,
                "make a reset link",
                expect(201, 201, 403, 403, 403, 401),
                a -> as(a).post("/api/users/" + target + "/password-reset", Map.of()));
        long owner = userId(TestServer.OWNER);
        row(
                soft,
                "change the owner account",
                expect(409, 403, 403, 403, 403, 401),
                a -> as(a).send("PATCH", "/api/users/" + owner, Map.of("disabled", true)));
        row(
                soft,
                "remove the owner account",
                expect(409, 403, 403, 403, 403, 401),
                a -> as(a).delete("/api/users/" + owner));
        row(soft, "remove an account", expect(204, 204, 403, 403, 403, 401), a -> {
            if (a == Actor.OWNER || a == Actor.ADMIN)
                return as(a).delete("/api/users/" + userId("new-by-" + a.name().toLowerCase()));
            return as(a).delete("/api/users/" + target);
        });
        row(soft, "read the audit log", expect(200, 200, 403, 403, 403, 401), a -> as(a).get("/api/audit"));
        row(
                soft,
                "make an API key",
                expect(201, 201, 201, 201, 201, 401),
                a -> as(a).post("/api/api-keys", Map.of("name", "matrix")));
        soft.assertAll();
    }

    private static long userId(String name) {
        for (JsonNode user : as(Actor.OWNER).get("/api/users").json()) {
            if (user.path("username").asText().equals(name))
                return user.path("id").asLong();
        }
        throw new AssertionError("no account " + name);
    }

    private static JsonNode parse(String json) {
        try {
            return Json.parse(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
