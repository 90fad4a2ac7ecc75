package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.cluster.ClusterConfig;
import io.nlink.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers in two JVMs on one PostgreSQL database, joined as a cluster: a node installed
 * through one runs on the other, and an execution triggered on a server that runs none itself is
 * picked up by the other member, which records it.
 */
class ClusterServersTest {
    @TempDir
    Path dataA;

    @TempDir
    Path dataB;

    @Test
    void anExecutionTriggeredOnOneServerRunsOnTheOtherWithNodesInstalledThroughTheFirst() throws Exception {
        TestDatabase db = TestDatabase.all().get(1).fresh(); // PostgreSQL: members share one database
        String name = "servers-" + ProcessHandle.current().pid();
        ClusterConfig cluster =
                ClusterConfig.DEFAULTS.withName(name).withPort(5950).withLanes(1);
        // A runs no executions itself (--executions 0): whatever it triggers must run elsewhere.
        try (TestServer a = TestServer.start(
                TestServer.config(dataA, db).withCluster(cluster).withExecutions(0))) {
            Path log = dataB.resolve("server-b.log");
            Process b = ServerProcess.start(
                    log,
                    dataB.toString(),
                    db.url(),
                    db.user(),
                    db.password(),
                    name,
                    a.server.cluster().address());
            try {
                String bAddress = awaitLine(b, log, "member ");
                assertThat(a.server.cluster().members()).hasSize(2);

                assertThat(a.owner.upload(TestNodes.helloGo()).status()).isEqualTo(201);
                assertThat(a.owner.upload(TestNodes.helloJs()).status()).isEqualTo(201);
                JsonNode workflow = Json.parse(Files.readAllBytes(TestNodes.WORKFLOWS.resolve("greetings.json")));
                long id = a.owner
                        .post("/api/workflows", workflow)
                        .json()
                        .path("id")
                        .asLong();

                ApiClient.Response run = a.owner.post(
                        "/api/workflows/" + id + "/run", Map.of("items", List.of(Map.of("name", "ada", "age", 36))));
                assertThat(run.status()).as(run.toString()).isEqualTo(200);
                assertThat(run.json().path("status").asText())
                        .as(run.toString())
                        .isEqualTo("success");
                assertThat(run.json().path("member").asText())
                        .as("the member that ran it")
                        .isEqualTo(bAddress);
                assertThat(run.json().path("output").get(0).path("message").asText())
                        .isEqualTo("Hello, ADA! Greetings from WebAssembly Runtime! 🚀");

                // B serves the same accounts and sees the execution it recorded.
                ApiClient onB = new ApiClient(awaitLine(b, log, "url "));
                assertThat(onB.login(TestServer.OWNER, TestServer.OWNER_PASSWORD)
                                .status())
                        .isEqualTo(200);
                assertThat(onB.get("/api/executions/" + run.json().path("id").asLong())
                                .json()
                                .path("member")
                                .asText())
                        .isEqualTo(bAddress);

                // A webhook workflow activated through A answers on B: activation reaches every member.
                long hook = a.owner
                        .post("/api/workflows", Json.parse("""
                        {"name": "Hook", "nodes": [
                          {"name": "Hook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
                           "parameters": {"path": "cluster/hook", "httpMethod": "POST", "responseMode": "lastNode"}},
                          {"name": "Greet", "type": "nlink-community.wasm_demo", "position": [200, 0], "parameters": {"text": "={{ $json.body.name }}"}}
                        ], "connections": {"Hook": {"main": [[{"node": "Greet", "index": 0}]]}}}"""))
                        .json()
                        .path("id")
                        .asLong();
                assertThat(a.owner
                                .post("/api/workflows/" + hook + "/activate", Map.of())
                                .status())
                        .isEqualTo(200);
                java.net.http.HttpResponse<String> answer =
                        awaitWebhook(onB.base + "/webhook/cluster/hook", "{\"name\": \"b\"}");
                assertThat(answer.body()).contains("Hello, b! Greetings from WebAssembly Runtime!");

                // A schedule fires once per tick in the whole cluster (on the oldest member, A), not once per server.
                long tick = a.owner
                        .post("/api/workflows", Json.parse("""
                        {"name": "Tick", "nodes": [
                          {"name": "Tick", "type": "n8n-nodes-base.scheduleTrigger", "typeVersion": 1.2, "position": [0, 0],
                           "parameters": {"rule": {"interval": [{"field": "seconds", "secondsInterval": 1}]}}}
                        ], "connections": {}}"""))
                        .json()
                        .path("id")
                        .asLong();
                assertThat(onB.post("/api/workflows/" + tick + "/activate", Map.of())
                                .status())
                        .isEqualTo(200);
                Thread.sleep(4_500);
                assertThat(onB.post("/api/workflows/" + tick + "/deactivate", Map.of())
                                .status())
                        .isEqualTo(200);
                List<java.time.Instant> starts = new java.util.ArrayList<>();
                a.owner
                        .get("/api/executions?workflowId=" + tick)
                        .json()
                        .path("executions")
                        .forEach(e -> starts.add(
                                java.time.Instant.parse(e.path("startedAt").asText())));
                java.util.Collections.sort(starts);
                assertThat(starts).as("firings").hasSizeBetween(2, 6);
                for (int i = 1; i < starts.size(); i++) {
                    assertThat(java.time.Duration.between(starts.get(i - 1), starts.get(i))
                                    .toMillis())
                            .as("no tick fired twice: %s", starts)
                            .isGreaterThan(500);
                }

                // B killed: nobody offers executions any more, and A says so instead of running them itself.
                b.destroyForcibly();
                assertThat(b.waitFor(30, TimeUnit.SECONDS)).isTrue();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (a.server.cluster().members().size() > 1 && System.nanoTime() < deadline) Thread.sleep(50);
                ApiClient.Response refused = a.owner.post("/api/workflows/" + id + "/run", Map.of());
                assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
                assertThat(refused.json().path("error").asText())
                        .contains("no member of the cluster offers executions");
            } finally {
                b.destroyForcibly();
                b.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void anExecutionWhoseMemberIsKilledRunsAgainOnAnotherAndIsRecordedOnce() throws Exception {
        TestDatabase db = TestDatabase.all().get(1).fresh();
        String name = "failover-" + ProcessHandle.current().pid();
        ClusterConfig cluster =
                ClusterConfig.DEFAULTS.withName(name).withPort(5950).withLanes(1);
        try (TestServer a = TestServer.start(
                TestServer.config(dataA, db).withCluster(cluster).withExecutions(0))) {
            Path dataC = dataB.resolve("c");
            Files.createDirectories(dataC);
            Process b = ServerProcess.start(
                    dataB.resolve("b.log"),
                    dataB.toString(),
                    db.url(),
                    db.user(),
                    db.password(),
                    name,
                    a.server.cluster().address());
            Process c = null;
            try {
                String bAddress = awaitLine(b, dataB.resolve("b.log"), "member ");
                c = ServerProcess.start(
                        dataB.resolve("c.log"),
                        dataC.toString(),
                        db.url(),
                        db.user(),
                        db.password(),
                        name,
                        a.server.cluster().address());
                String cAddress = awaitLine(c, dataB.resolve("c.log"), "member ");
                assertThat(a.server.cluster().members()).hasSize(3);

                long id = a.owner
                        .post("/api/workflows", slowWorkflow())
                        .json()
                        .path("id")
                        .asLong();
                // B and C are both free; ties go to the older member, B.
                var run = java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> a.owner.post("/api/workflows/" + id + "/run", Map.of()));
                Thread.sleep(3_000);
                assertThat(run).as("still running on B").isNotDone();
                b.destroyForcibly(); // SIGKILL in the middle of the execution

                ApiClient.Response done = run.get(2, TimeUnit.MINUTES);
                assertThat(done.status()).as(done.toString()).isEqualTo(200);
                assertThat(done.json().path("status").asText()).isEqualTo("success");
                assertThat(done.json().path("member").asText())
                        .as("ran again on C after B died (B is %s)", bAddress)
                        .isEqualTo(cAddress);
                // Two records of the one trigger: B's, marked crashed by the survivors when B left, and C's.
                List<JsonNode> executions = awaitExecutions(
                        a.owner,
                        id,
                        list -> list.stream()
                                .noneMatch(e -> e.path("status").asText().equals("running")));
                assertThat(executions)
                        .extracting(e -> e.path("status").asText())
                        .containsExactlyInAnyOrder("success", "crashed");
                JsonNode crashed = executions.stream()
                        .filter(e -> e.path("status").asText().equals("crashed"))
                        .findFirst()
                        .orElseThrow();
                assertThat(crashed.path("error").asText())
                        .isEqualTo("member " + bAddress + " left the cluster before this execution finished");
                assertThat(a.owner
                                .get("/api/executions/" + crashed.path("id").asLong())
                                .json()
                                .path("member")
                                .asText())
                        .isEqualTo(bAddress);
            } finally {
                b.destroyForcibly();
                if (c != null) c.destroyForcibly();
                b.waitFor(30, TimeUnit.SECONDS);
                if (c != null) c.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * A server SIGKILLed in the middle of two runs: the API run, whose caller saw it fail, is found
     * and marked crashed with its input when the server starts again; the webhook call it had
     * already acknowledged ("Workflow was started") runs again and succeeds.
     */
    @Test
    void runsCutOffByAKilledServerAreTakenUpWhenItStartsAgain() throws Exception {
        TestDatabase db = TestDatabase.all().get(1).fresh();
        String name = "restart-" + ProcessHandle.current().pid();
        long id;
        long hook;
        // The owner account and the workflows, made through a server that then stops.
        try (TestServer setup = TestServer.start(TestServer.config(dataA, db)
                .withCluster(ClusterConfig.DEFAULTS.withName(name + "-setup").withPort(5950)))) {
            id = setup.owner
                    .post("/api/workflows", slowWorkflow())
                    .json()
                    .path("id")
                    .asLong();
            hook = setup.owner
                    .post("/api/workflows", slowWebhookWorkflow())
                    .json()
                    .path("id")
                    .asLong();
            assertThat(setup.owner
                            .post("/api/workflows/" + hook + "/activate", Map.of())
                            .status())
                    .isEqualTo(200);
        }
        Path log = dataB.resolve("server.log");
        Process b = ServerProcess.start(log, dataB.toString(), db.url(), db.user(), db.password(), name, "-");
        try {
            String url = awaitLine(b, log, "url ");
            ApiClient onB = new ApiClient(url);
            assertThat(onB.login(TestServer.OWNER, TestServer.OWNER_PASSWORD).status())
                    .isEqualTo(200);
            java.util.concurrent.CompletableFuture.runAsync(() ->
                    onB.post("/api/workflows/" + id + "/run", Map.of("items", List.of(Map.of("name", "ada")))));
            assertThat(awaitWebhook(url + "/webhook/slow", "{\"name\": \"grace\"}")
                            .body())
                    .isEqualTo("{\"message\":\"Workflow was started\"}");
            for (long workflow : new long[] {id, hook}) {
                List<JsonNode> running = awaitExecutions(
                        onB,
                        workflow,
                        list -> list.size() == 1
                                && list.get(0).path("status").asText().equals("running"));
                assertThat(running.get(0).path("finishedAt").isNull()).isTrue();
            }
            b.destroyForcibly(); // SIGKILL in the middle of both runs: nothing gets to record their end
            assertThat(b.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            b.destroyForcibly();
            b.waitFor(30, TimeUnit.SECONDS);
        }

        ClusterConfig sameMember =
                ClusterConfig.DEFAULTS.withName(name).withPort(5960).withLanes(1);
        try (NlinkServer again = NlinkServer.start(TestServer.config(dataB, db).withCluster(sameMember))) {
            ApiClient client = new ApiClient(again.url());
            assertThat(client.login(TestServer.OWNER, TestServer.OWNER_PASSWORD).status())
                    .isEqualTo(200);
            List<JsonNode> executions = awaitExecutions(client, id, list -> !list.isEmpty());
            assertThat(executions).singleElement().satisfies(e -> {
                assertThat(e.path("status").asText()).isEqualTo("crashed");
                assertThat(e.path("error").asText()).endsWith("before this execution finished");
            });
            JsonNode record = client.get(
                            "/api/executions/" + executions.get(0).path("id").asLong())
                    .json();
            assertThat(record.path("input").get(0).path("name").asText())
                    .as("the trigger's input is kept")
                    .isEqualTo("ada");
            assertThat(record.path("inputItems").asInt()).isEqualTo(1);
            assertThat(record.path("definition").path("name").asText()).isEqualTo("Slow");

            List<JsonNode> rerun = awaitExecutions(
                    client,
                    hook,
                    list -> list.size() == 1
                            && list.get(0).path("status").asText().equals("success"));
            JsonNode done = client.get(
                            "/api/executions/" + rerun.get(0).path("id").asLong())
                    .json();
            assertThat(done.path("output").get(0).path("name").asText())
                    .as("the acknowledged call ran again, with its body")
                    .isEqualTo("grace");
        }
    }

    /** Eight seconds of work in a Code node after a manual trigger: long enough to kill its member in the middle. */
    private static JsonNode slowWorkflow() throws java.io.IOException {
        return slowWorkflow("Slow", """
                {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 0], "parameters": {}}""");
    }

    /** The same work after a webhook on {@code /webhook/slow} that answers at once (responseMode onReceived). */
    private static JsonNode slowWebhookWorkflow() throws java.io.IOException {
        return slowWorkflow("Slow hook", """
                {"name": "Start", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
                 "parameters": {"path": "slow", "httpMethod": "POST", "responseMode": "onReceived"}}""");
    }

    private static JsonNode slowWorkflow(String name, String trigger) throws java.io.IOException {
        return Json.parse("""
                {"name": "%s", "nodes": [
                  %s,
                  {"name": "Work", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [200, 0],
                   "parameters": {"jsCode": "const t = Date.now(); while (Date.now() - t < 8000) {} return [{json: {done: true, name: $input.first().json.body?.name}}];"}}],
                 "connections": {"Start": {"main": [[{"node": "Work", "type": "main", "index": 0}]]}}}
                """.formatted(name, trigger));
    }

    /** A workflow's executions once {@code done} holds of them (within 60 s). */
    private static List<JsonNode> awaitExecutions(
            ApiClient client, long workflowId, java.util.function.Predicate<List<JsonNode>> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<JsonNode> list = new java.util.ArrayList<>();
            client.get("/api/executions?workflowId=" + workflowId)
                    .json()
                    .path("executions")
                    .forEach(list::add);
            if (done.test(list)) return list;
            assertThat(System.nanoTime())
                    .as("executions as expected within 60 s: %s", list)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** A webhook's answer once it listens (activation reaches other members a moment after the call returns). */
    private static java.net.http.HttpResponse<String> awaitWebhook(String url, String body) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                .build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            var answer = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 404 || System.nanoTime() > deadline) {
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                return answer;
            }
            Thread.sleep(50);
        }
    }

    /** The value after {@code prefix} on the server process's first line that starts with it. */
    private static String awaitLine(Process p, Path log, String prefix) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        Pattern line = Pattern.compile("(?m)^" + Pattern.quote(prefix) + "(\\S+)$");
        while (true) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            Matcher m = line.matcher(text);
            if (m.find()) return m.group(1);
            assertThat(p.isAlive()).as("server B is running: %s", text).isTrue();
            assertThat(System.nanoTime())
                    .as("server B up within 2 minutes: %s", text)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
