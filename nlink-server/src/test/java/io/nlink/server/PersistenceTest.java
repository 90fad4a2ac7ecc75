package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the server keeps survives a restart, on the embedded H2 default and on a real PostgreSQL:
 * the owner, sessions, API keys, accounts, and every installed version with its ZIP.
 */
class PersistenceTest {
    @TempDir
    Path data;

    static List<TestDatabase> databases() {
        return TestDatabase.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void everythingSurvivesARestart(TestDatabase kind) throws Exception {
        TestDatabase db = kind.fresh();
        String name;
        String key;
        ApiClient browser;
        long workflowId;
        long executionId;
        try (TestServer first = TestServer.start(data, db)) {
            assertThat(first.anonymous()
                            .get("/api/health")
                            .json()
                            .path("database")
                            .asText())
                    .isEqualTo(kind.name());
            ApiClient.Response upload = first.owner.upload(TestNodes.helloGo());
            assertThat(upload.status()).as(upload.toString()).isEqualTo(201);
            name = upload.json().path("name").asText();
            assertThat(first.owner
                            .upload(TestNodes.zip(TestNodes.withVersion(TestNodes.helloGoFiles(), "9.9.9")))
                            .status())
                    .isEqualTo(201);
            key = first.owner
                    .post("/api/api-keys", Map.of("name", "deploy"))
                    .json()
                    .path("key")
                    .asText();
            first.user("max", "admin");
            assertThat(first.owner.upload(TestNodes.helloJs()).status()).isEqualTo(201);
            var workflow = io.nlink.runtime.json.Json.parse(
                    java.nio.file.Files.readAllBytes(TestNodes.WORKFLOWS.resolve("greetings.json")));
            workflowId = first.owner
                    .post("/api/workflows", workflow)
                    .json()
                    .path("id")
                    .asLong();
            ApiClient.Response run = first.owner.post(
                    "/api/workflows/" + workflowId + "/run",
                    Map.of("items", List.of(Map.of("name", "ada", "age", 36))));
            assertThat(run.json().path("status").asText()).as(run.toString()).isEqualTo("success");
            executionId = run.json().path("id").asLong();
            browser = first.owner;
        }
        assertThat(db.count(data, "node_versions")).isEqualTo(3);
        assertThat(db.count(data, "package_blobs")).isEqualTo(3);
        assertThat(db.count(data, "executions")).isEqualTo(1);

        NlinkServer second = NlinkServer.start(TestServer.config(data, db).withPort(0));
        try {
            assertThat(second.setupUrl())
                    .as("the owner exists, so no set-up link")
                    .isEmpty();
            // The browser's session from before the restart still works: same cookie, CSRF token and all.
            ApiClient sameBrowser = browser.at(second.url());
            assertThat(sameBrowser
                            .get("/api/session")
                            .json()
                            .path("user")
                            .path("username")
                            .asText())
                    .isEqualTo(TestServer.OWNER);
            assertThat(sameBrowser
                            .post("/api/api-keys", Map.of("name", "after restart"))
                            .status())
                    .isEqualTo(201);
            assertThat(new ApiClient(second.url())
                            .login(TestServer.OWNER, TestServer.OWNER_PASSWORD)
                            .status())
                    .isEqualTo(200);
            ApiClient script = new ApiClient(second.url());
            script.apiKey = key;
            List<String> versions = new java.util.ArrayList<>();
            script.get("/api/nodes/" + name)
                    .json()
                    .path("versions")
                    .forEach(v -> versions.add(v.path("version").asText()));
            assertThat(versions).containsExactlyInAnyOrder("9.9.9", TestNodes.helloGoVersion());
            ApiClient.Response run = script.post(
                    "/api/nodes/" + name + "/versions/9.9.9/run", Map.of("params", Map.of("text", "again")));
            assertThat(run.json()
                            .path("results")
                            .get(0)
                            .path("items")
                            .get(0)
                            .path("message")
                            .asText())
                    .startsWith("Hello, again!");
            assertThat(script.get("/api/users").json().findValuesAsText("username"))
                    .containsExactly(TestServer.OWNER, "max");

            // The workflow and its execution, with the nodes' outputs, are still there.
            assertThat(script.get("/api/workflows/" + workflowId)
                            .json()
                            .path("name")
                            .asText())
                    .isEqualTo("Greetings");
            assertThat(script.get("/api/executions/" + executionId)
                            .json()
                            .path("output")
                            .get(0)
                            .path("message")
                            .asText())
                    .isEqualTo("Hello, ADA! Greetings from WebAssembly Runtime! 🚀");

            assertThat(script.delete("/api/nodes/" + name + "/versions/9.9.9").status())
                    .isEqualTo(204);
            assertThat(db.count(data, "node_versions")).isEqualTo(2);
            assertThat(db.count(data, "package_blobs")).isEqualTo(2);
        } finally {
            second.close();
        }
    }
}
