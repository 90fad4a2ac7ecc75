package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What sharing, transfer and hand-over on removal do, over real HTTP against a real server (the
 * statuses of every role are AccessMatrixTest's): whose credentials a run and an edit may use,
 * what a transfer leaves behind, what a removed account's heir receives, the audit entries, and
 * refused input changing nothing.
 */
class SharingTest extends SharedServer {
    private static final String MANUAL = """
            {"name": "%s", "nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
              {"name": "Echo", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "return items;"}}
            ], "connections": {"Start": {"main": [[{"node": "Echo", "index": 0}]]}}}""";

    /** A workflow whose HTTP Request node authenticates with the credential of id {@code %s}. */
    private static final String USES_CREDENTIAL = """
            {"name": "%s", "nodes": [
              {"name": "Start", "type": "n8n-nodes-base.manualTrigger"},
              {"name": "Fetch", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4,
               "parameters": {"url": "https://example.invalid/", "authentication": "genericCredentialType", "genericAuthType": "httpHeaderAuth"},
               "credentials": {"httpHeaderAuth": {"id": "%s"}}}
            ], "connections": {"Start": {"main": [[{"node": "Fetch", "index": 0}]]}}}""";

    private static long workflow(ApiClient as, String name) throws Exception {
        ApiClient.Response r = as.post("/api/workflows", Json.parse(MANUAL.formatted(name)));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().path("id").asLong();
    }

    private static ApiClient.Response usingCredential(ApiClient as, String name, String credential) throws Exception {
        return as.post("/api/workflows", Json.parse(USES_CREDENTIAL.formatted(name, credential)));
    }

    private static String credential(ApiClient as, String name) {
        ApiClient.Response r = as.post(
                "/api/credentials",
                Map.of("name", name, "type", "httpHeaderAuth", "data", Map.of("name", "X-Key", "value", "v")));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().path("id").asText();
    }

    private static ApiClient.Response share(ApiClient as, String path, String... users) {
        return as.send("PUT", path + "/shares", Map.of("users", List.of(users)));
    }

    private static List<String> sharees(ApiClient as, String path) {
        ApiClient.Response r = as.get(path + "/shares");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        r.json().path("sharedWith").forEach(s -> names.add(s.path("username").asText()));
        return names;
    }

    private static long userId(String name) {
        for (JsonNode u : server.owner.get("/api/users").json()) {
            if (u.path("username").asText().equals(name)) return u.path("id").asLong();
        }
        throw new AssertionError("no account " + name);
    }

    /** The newest audit entry of {@code action} whose target contains {@code target}. */
    private static JsonNode audit(String action, String target) {
        for (JsonNode e : server.owner.get("/api/audit?limit=500").json().path("entries")) {
            if (e.path("action").asText().equals(action)
                    && e.path("target").asText().contains(target)) return e;
        }
        throw new AssertionError("no " + action + " entry for " + target);
    }

    @Test
    void aTransferNeedsTheNewOwnersCredentialsAndLeavesThePreviousOwnerAShare() throws Exception {
        ApiClient ann = server.user("t-ann", "member");
        ApiClient ben = server.user("t-ben", "member");
        String key = credential(ann, "Ann's key");
        ApiClient.Response created = usingCredential(ann, "Ann's fetch", key);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String w = "/api/workflows/" + created.json().path("id").asLong();

        // Ben could not run it with Ann's key: refused, naming the node and the credential, and still Ann's.
        ApiClient.Response refused = ann.post(w + "/transfer", Map.of("to", "t-ben"));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.json().path("error").asText()).contains("Fetch", key);
        assertThat(ann.get(w).json().path("owner").asText()).isEqualTo("t-ann");
        assertThat(ben.get(w).status()).isEqualTo(404);

        assertThat(share(ann, "/api/credentials/" + key, "t-ben").status()).isEqualTo(200);
        ApiClient.Response moved = ann.post(w + "/transfer", Map.of("to", "t-ben"));
        assertThat(moved.status()).as(moved.toString()).isEqualTo(200);
        assertThat(moved.json().path("owner").path("username").asText()).isEqualTo("t-ben");
        assertThat(sharees(ben, w)).containsExactly("t-ann");

        // Ann keeps a share: she still edits and runs it, but deleting and sharing are Ben's now.
        assertThat(ann.get(w).json().path("mayManage").asBoolean()).isFalse();
        assertThat(ben.get(w).json().path("mayManage").asBoolean()).isTrue();
        assertThat(ann.post(w + "/activate", Map.of()).status()).isEqualTo(200);
        assertThat(ann.delete(w).status()).isEqualTo(403);
        assertThat(share(ann, w, "t-ann", "t-ben").status()).isEqualTo(403);
        // Ben may take her share back; then it is gone from her view.
        assertThat(share(ben, w).status()).isEqualTo(200);
        assertThat(ann.get(w).status()).isEqualTo(404);

        JsonNode entry = audit("workflow-transferred", "Ann's fetch");
        assertThat(entry.path("actor").asText()).isEqualTo("t-ann");
        assertThat(entry.path("detail").asText()).isEqualTo("from t-ann to t-ben; t-ann keeps a share");
        assertThat(audit("credential-shared", "Ann's key").path("detail").asText())
                .isEqualTo("shared with t-ben");
        assertThat(audit("workflow-shared", "Ann's fetch").path("detail").asText())
                .isEqualTo("shared with nobody");
    }

    @Test
    void aCredentialIsNotTransferredToAnAccountHoldingOneOfTheSameName() throws Exception {
        ApiClient ann = server.user("n-ann", "member");
        ApiClient ben = server.user("n-ben", "member");
        String annKey = credential(ann, "Shared name");
        credential(ben, "Shared name");
        ApiClient.Response refused = ann.post("/api/credentials/" + annKey + "/transfer", Map.of("to", "n-ben"));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.json().path("error").asText())
                .contains("already has a credential named \"Shared name\"; rename one of them first");
        assertThat(ann.get("/api/credentials/" + annKey).json().path("owner").asText())
                .isEqualTo("n-ann");
        assertThat(ann.send("PUT", "/api/credentials/" + annKey, Map.of("name", "Ann's name"))
                        .status())
                .isEqualTo(200);
        ApiClient.Response moved = ann.post("/api/credentials/" + annKey + "/transfer", Map.of("to", "n-ben"));
        assertThat(moved.status()).as(moved.toString()).isEqualTo(200);
    }

    @Test
    void whoEditsASharedWorkflowAddsOnlyCredentialsTheyMayUse() throws Exception {
        ApiClient cat = server.user("e-cat", "member");
        ApiClient dan = server.user("e-dan", "member");
        String catsKey = credential(cat, "Cat's key");
        String danOwn = credential(dan, "Dan's key");
        long id = workflow(cat, "Cat's flow");
        String w = "/api/workflows/" + id;
        assertThat(share(cat, w, "e-dan").status()).isEqualTo(200);

        // Dan may edit it, but not attach Cat's key (never shared with him) nor his own (Cat could not use it).
        ApiClient.Response withCats = dan.send("PUT", w, Json.parse(USES_CREDENTIAL.formatted("Cat's flow", catsKey)));
        assertThat(withCats.status()).as(withCats.toString()).isEqualTo(422);
        assertThat(withCats.json().path("error").asText()).contains("not one you may use");
        ApiClient.Response withDans = dan.send("PUT", w, Json.parse(USES_CREDENTIAL.formatted("Cat's flow", danOwn)));
        assertThat(withDans.status()).as(withDans.toString()).isEqualTo(422);
        assertThat(cat.get(w)
                        .json()
                        .path("workflow")
                        .path("nodes")
                        .get(1)
                        .path("name")
                        .asText())
                .isEqualTo("Echo");

        // Once Cat has attached her key, Dan's edits may keep it.
        assertThat(cat.send("PUT", w, Json.parse(USES_CREDENTIAL.formatted("Cat's flow", catsKey)))
                        .status())
                .isEqualTo(200);
        ApiClient.Response kept =
                dan.send("PUT", w, Json.parse(USES_CREDENTIAL.formatted("Cat's flow, renamed by Dan", catsKey)));
        assertThat(kept.status()).as(kept.toString()).isEqualTo(200);
        assertThat(kept.json().path("owner").asText()).isEqualTo("e-cat");
    }

    @Test
    void takingACredentialShareBackIsFoundAtActivation() throws Exception {
        ApiClient eve = server.user("a-eve", "member");
        ApiClient fay = server.user("a-fay", "member");
        String key = credential(eve, "Eve's key");
        assertThat(share(eve, "/api/credentials/" + key, "a-fay").status()).isEqualTo(200);
        ApiClient.Response created = usingCredential(fay, "Fay's fetch", key);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String w = "/api/workflows/" + created.json().path("id").asLong();

        assertThat(share(eve, "/api/credentials/" + key).status()).isEqualTo(200);
        assertThat(fay.get("/api/credentials/" + key).status()).isEqualTo(404);
        ApiClient.Response activate = fay.post(w + "/activate", Map.of());
        assertThat(activate.status()).as(activate.toString()).isEqualTo(422);
        assertThat(activate.json().path("error").asText()).contains(key);
        assertThat(fay.get(w).json().path("active").asBoolean()).isFalse();
    }

    @Test
    void removingAnAccountHandsItsWorkAndTheCredentialsSharedWithItToTheHeir() throws Exception {
        ApiClient gil = server.user("r-gil", "member");
        ApiClient hal = server.user("r-hal", "member");
        ApiClient ida = server.user("r-ida", "member");
        String gilsKey = credential(gil, "Gil's key");
        assertThat(share(gil, "/api/credentials/" + gilsKey, "r-hal").status()).isEqualTo(200);
        ApiClient.Response created = usingCredential(hal, "Hal's fetch", gilsKey);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String w = "/api/workflows/" + created.json().path("id").asLong();
        String halsKey = credential(hal, "Hal's key");
        assertThat(share(hal, w, "r-ida").status()).isEqualTo(200);

        // A disabled heir is refused, and nothing changes.
        ApiClient jon = server.user("r-jon", "member");
        assertThat(server.owner
                        .send("PATCH", "/api/users/" + userId("r-jon"), Map.of("disabled", true))
                        .status())
                .isEqualTo(200);
        ApiClient.Response toDisabled =
                server.owner.delete("/api/users/" + userId("r-hal") + "?transferTo=" + userId("r-jon"));
        assertThat(toDisabled.status()).as(toDisabled.toString()).isEqualTo(409);
        assertThat(hal.get(w).status()).isEqualTo(200);
        assertThat(jon.get("/api/workflows").status()).isEqualTo(401);

        ApiClient.Response removed =
                server.owner.delete("/api/users/" + userId("r-hal") + "?transferTo=" + userId("r-ida"));
        assertThat(removed.status()).as(removed.toString()).isEqualTo(204);
        assertThat(hal.get(w).status()).isEqualTo(401);
        JsonNode flow = ida.get(w).json();
        assertThat(flow.path("owner").asText()).isEqualTo("r-ida");
        assertThat(flow.path("mayManage").asBoolean()).isTrue();
        // Ida owns it now, so her share is gone; Gil's key, shared with Hal, is shared with her, so it still runs.
        assertThat(sharees(ida, w)).isEmpty();
        assertThat(sharees(gil, "/api/credentials/" + gilsKey)).containsExactly("r-ida");
        assertThat(ida.post(w + "/activate", Map.of()).status()).isEqualTo(200);
        assertThat(ida.get("/api/credentials/" + halsKey).json().path("owner").asText())
                .isEqualTo("r-ida");
        assertThat(audit("user-removed", "r-hal").path("detail").asText())
                .isEqualTo("its 1 workflow(s) and 1 credential(s) passed to r-ida");
    }

    @Test
    void refusedSharesChangeNothing() throws Exception {
        ApiClient kim = server.user("v-kim", "member");
        server.user("v-lee", "member");
        server.user("v-max", "member");
        assertThat(server.owner
                        .send("PATCH", "/api/users/" + userId("v-max"), Map.of("disabled", true))
                        .status())
                .isEqualTo(200);
        String w = "/api/workflows/" + workflow(kim, "Kim's flow");
        assertThat(share(kim, w, "v-lee").status()).isEqualTo(200);

        record Refusal(Object body, int status, String says) {}
        List<Refusal> refusals = List.of(
                new Refusal(Map.of("users", List.of("v-lee", "nobody")), 400, "there is no account named \"nobody\""),
                new Refusal(Map.of("users", List.of("v-max")), 409, "is disabled"),
                new Refusal(Map.of("users", List.of("v-kim")), 409, "owns it"),
                new Refusal(Map.of("users", List.of(7)), 400, "expected account names"),
                new Refusal(Map.of("users", "v-lee"), 400, "expected the names"),
                new Refusal(Map.of(), 400, "expected the names"),
                new Refusal(
                        Map.of(
                                "users",
                                IntStream.range(0, 101).mapToObj(i -> "u" + i).toList()),
                        400,
                        "at most 100"));
        for (Refusal r : refusals) {
            ApiClient.Response answer = kim.send("PUT", w + "/shares", r.body());
            assertThat(answer.status()).as("%s: %s", r.body(), answer).isEqualTo(r.status());
            assertThat(answer.json().path("error").asText())
                    .as(answer.toString())
                    .contains(r.says());
            assertThat(sharees(kim, w)).as("after %s", r.body()).containsExactly("v-lee");
        }
        ApiClient.Response noOne = kim.post(w + "/transfer", Map.of("to", "nobody"));
        assertThat(noOne.status()).as(noOne.toString()).isEqualTo(400);
        assertThat(kim.post(w + "/transfer", Map.of("to", "v-max")).status()).isEqualTo(409);
        assertThat(kim.post(w + "/transfer", Map.of("to", "v-kim")).status()).isEqualTo(409);
        assertThat(kim.get(w).json().path("owner").asText()).isEqualTo("v-kim");
    }

    @Test
    void concurrentSharesOfOneWorkflowAllAnswerAndLeaveOneOfTheLists() throws Exception {
        ApiClient nia = server.user("c-nia", "member");
        List<String> others = List.of("c-oto", "c-pia", "c-quy");
        for (String name : others) server.user(name, "member");
        String w = "/api/workflows/" + workflow(nia, "Nia's flow");

        // Each request sets a different list, so each finds rows the others are adding or taking away.
        List<List<String>> lists = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            List<String> list = new ArrayList<>(others);
            Collections.rotate(list, i);
            lists.add(List.copyOf(list.subList(0, 1 + i % others.size())));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<ApiClient.Response>> calls = lists.stream()
                    .<Callable<ApiClient.Response>>map(l -> () -> share(nia, w, l.toArray(String[]::new)))
                    .toList();
            for (Future<ApiClient.Response> f : pool.invokeAll(calls)) {
                assertThat(f.get().status()).as(f.get().toString()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> after = sharees(nia, w);
        assertThat(lists.stream().map(l -> l.stream().sorted().toList()).toList())
                .contains(after);
    }

    /**
     * Removing an account while its owner-to-be shares a workflow and a credential with it: every
     * round, each request answers a clear status (never 500), and no share row is left naming an
     * account that is gone or a share the answers did not report.
     */
    @Test
    void removingAnAccountWhileSharingWithItAnswersClearlyAndLeavesNoDanglingShare() throws Exception {
        ApiClient sam = server.user("z-sam", "member");
        String w = "/api/workflows/" + workflow(sam, "Sam's flow");
        String k = "/api/credentials/" + credential(sam, "Sam's key");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 25; round++) {
                String name = "z-gone-" + round;
                ApiClient.Response created = server.owner.post(
                        "/api/users", Map.of("username", name, "password", name + "-password", "role", "member"));
                assertThat(created.status()).as(created.toString()).isEqualTo(201);
                long id = created.json().path("id").asLong();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                List<Callable<ApiClient.Response>> calls = List.of(
                        () -> {
                            go.await();
                            return share(sam, w, name);
                        },
                        () -> {
                            go.await();
                            return share(sam, k, name);
                        },
                        () -> {
                            go.await();
                            return server.owner.delete("/api/users/" + id);
                        },
                        () -> {
                            go.await();
                            return server.owner.delete("/api/users/" + id);
                        });
                List<Future<ApiClient.Response>> answers = new ArrayList<>();
                for (Callable<ApiClient.Response> call : calls) answers.add(pool.submit(call));
                go.countDown();
                List<Integer> removals = new ArrayList<>();
                for (int i = 0; i < answers.size(); i++) {
                    ApiClient.Response answer = answers.get(i).get();
                    if (i < 2) {
                        assertThat(answer.status())
                                .as("round %d, share: %s", round, answer)
                                .isIn(200, 400, 409);
                        if (answer.status() != 200)
                            assertThat(answer.json().path("error").asText())
                                    .as(answer.toString())
                                    .contains(name);
                    } else {
                        assertThat(answer.status())
                                .as("round %d, removal: %s", round, answer)
                                .isIn(204, 404, 409);
                        removals.add(answer.status());
                    }
                }
                assertThat(removals)
                        .as("round %d: one removal removed it", round)
                        .containsOnlyOnce(204);
                assertThat(sharees(sam, w)).as("round %d", round).doesNotContain(name);
                assertThat(sharees(sam, k)).as("round %d", round).doesNotContain(name);
            }
        } finally {
            pool.shutdownNow();
        }
        try (java.sql.Connection c = TestDatabase.H2.connect(data);
                java.sql.Statement s = c.createStatement();
                java.sql.ResultSet r = s.executeQuery("SELECT (SELECT COUNT(*) FROM workflow_shares s"
                        + " WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id))"
                        + " + (SELECT COUNT(*) FROM credential_shares s"
                        + " WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id))")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getLong(1)).as("share rows naming a removed account").isZero();
        }
    }

    /** A workflow of one Webhook node named {@code node} on POST /webhook/{@code path}. */
    private static long hook(ApiClient as, String name, String node, String path) throws Exception {
        ApiClient.Response r = as.post("/api/workflows", Json.parse("""
                {"name": "%s", "nodes": [
                  {"name": "%s", "type": "n8n-nodes-base.webhook", "parameters": {"path": "%s", "httpMethod": "POST"}}
                ], "connections": {}}""".formatted(name, node, path)));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().path("id").asLong();
    }

    /**
     * A sharee activating a shared workflow whose webhook route another active workflow holds hears
     * what to do (another path) and nothing of a holder it cannot see (name, id, owner, node),
     * whether that holder is a stranger's or belongs to the account that shared; a holder shared
     * with it is named.
     */
    @Test
    void aShareesRouteClashNamesOnlyWhatTheShareeMaySee() throws Exception {
        ApiClient owner = server.user("h-ola", "member");
        ApiClient sharee = server.user("h-pim", "member");
        ApiClient stranger = server.user("h-rex", "member");
        long strangers = hook(stranger, "Rex's secret flow", "Rex's secret node", "clash/stranger");
        long owners = hook(owner, "Ola's unshared flow", "Ola's unshared node", "clash/owner");
        long sharedHolder = hook(owner, "Ola's shared flow", "Ola's shared node", "clash/visible");
        record Holder(ApiClient as, long id) {}
        for (Holder h :
                List.of(new Holder(stranger, strangers), new Holder(owner, owners), new Holder(owner, sharedHolder))) {
            ApiClient.Response on = h.as().post("/api/workflows/" + h.id() + "/activate", Map.of());
            assertThat(on.status()).as(on.toString()).isEqualTo(200);
        }
        assertThat(share(owner, "/api/workflows/" + sharedHolder, "h-pim").status())
                .isEqualTo(200);

        for (String path : List.of("clash/stranger", "clash/owner", "clash/visible")) {
            long mine = hook(owner, "Ola's flow for Pim on " + path, "Pim's hook", path);
            assertThat(share(owner, "/api/workflows/" + mine, "h-pim").status()).isEqualTo(200);
            ApiClient.Response refused = sharee.post("/api/workflows/" + mine + "/activate", Map.of());
            assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
            String error = refused.json().path("error").asText();
            assertThat(error)
                    .as(path)
                    .contains("POST /webhook/" + path + " is already used by")
                    .contains("change this workflow's Webhook node \"Pim's hook\" to another path or method");
            if (path.equals("clash/visible")) {
                assertThat(error).contains("active workflow " + sharedHolder + " \"Ola's shared flow\"");
                continue;
            }
            long holder = path.equals("clash/stranger") ? strangers : owners;
            assertThat(error)
                    .as(path)
                    .contains("an active workflow you cannot see")
                    .doesNotContain("workflow " + holder)
                    .doesNotContain("Rex", "Ola's unshared", "h-rex", "h-ola", "secret", "Deactivate");
            assertThat(sharee.get("/api/workflows/" + mine)
                            .json()
                            .path("active")
                            .asBoolean())
                    .isFalse();
        }
    }

    /**
     * An account creating credentials (three of one name at once) while it is removed: each creation either lands before the
     * removal (and passes to the heir with the rest of its work) or is refused clearly; never a
     * 500, never a credential left owned by an account that is gone, never two of one name.
     */
    @Test
    void removingAnAccountWhileItCreatesCredentialsLeavesNoneBehind() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 10; round++) {
                String name = "y-leaving-" + round;
                ApiClient leaving = server.user(name, "member");
                long id = userId(name);
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                List<Future<ApiClient.Response>> creations = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    creations.add(pool.submit(() -> {
                        go.await();
                        return leaving.post(
                                "/api/credentials",
                                Map.of(
                                        "name",
                                        "Same name",
                                        "type",
                                        "httpHeaderAuth",
                                        "data",
                                        Map.of("name", "X-Key", "value", "v")));
                    }));
                }
                Future<ApiClient.Response> removal = pool.submit(() -> {
                    go.await();
                    return server.owner.delete("/api/users/" + id);
                });
                go.countDown();
                assertThat(removal.get().status())
                        .as("round %d: %s", round, removal.get())
                        .isEqualTo(204);
                int created = 0;
                for (Future<ApiClient.Response> f : creations) {
                    ApiClient.Response answer = f.get();
                    assertThat(answer.status())
                            .as("round %d: %s", round, answer)
                            .isIn(201, 401, 409);
                    if (answer.status() == 201) created++;
                }
                assertThat(created)
                        .as("round %d: one name, one credential", round)
                        .isLessThanOrEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
        try (java.sql.Connection c = TestDatabase.H2.connect(data);
                java.sql.Statement s = c.createStatement();
                java.sql.ResultSet r = s.executeQuery("SELECT COUNT(*) FROM credentials k"
                        + " WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = k.owner_id)")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getLong(1))
                    .as("credentials owned by a removed account")
                    .isZero();
        }
    }
}
