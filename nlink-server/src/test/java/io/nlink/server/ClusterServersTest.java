package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.cluster.ClusterConfig;
import io.nlink.runtime.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers on one PostgreSQL database, joined as a cluster: a node installed through one runs
 * on the other, and an execution triggered on a server that runs none itself is picked up by the
 * other member, which records it.
 */
class ClusterServersTest {
    @TempDir Path dataA;
    @TempDir Path dataB;

    @Test
    void anExecutionTriggeredOnOneServerRunsOnTheOtherWithNodesInstalledThroughTheFirst() throws Exception {
        TestDatabase db = TestDatabase.all().get(1).fresh(); // PostgreSQL: members share one database
        ClusterConfig cluster = ClusterConfig.DEFAULTS.withName("servers-" + ProcessHandle.current().pid()).withPort(5950).withLanes(1);
        // A runs no executions itself (--executions 0): whatever it triggers must run elsewhere.
        try (TestServer a = TestServer.start(TestServer.config(dataA, db).withCluster(cluster).withExecutions(0))) {
            NlinkServer b = NlinkServer.start(TestServer.config(dataB, db).withPort(0)
                    .withCluster(cluster.withMembers(List.of(a.server.cluster().address()))));
            boolean bRunning = true;
            try {
                assertThat(a.server.cluster().members()).hasSize(2);
                String bAddress = b.cluster().address();

                assertThat(a.owner.upload(TestNodes.helloGo()).status()).isEqualTo(201);
                assertThat(a.owner.upload(TestNodes.helloJs()).status()).isEqualTo(201);
                JsonNode workflow = Json.parse(Files.readAllBytes(TestNodes.WORKFLOWS.resolve("greetings.json")));
                long id = a.owner.post("/api/workflows", workflow).json().path("id").asLong();

                ApiClient.Response run = a.owner.post("/api/workflows/" + id + "/run", Map.of("items", List.of(Map.of("name", "ada", "age", 36))));
                assertThat(run.status()).as(run.toString()).isEqualTo(200);
                assertThat(run.json().path("status").asText()).as(run.toString()).isEqualTo("success");
                assertThat(run.json().path("member").asText()).as("the member that ran it").isEqualTo(bAddress);
                assertThat(run.json().path("output").get(0).path("message").asText())
                        .isEqualTo("Hello, ADA! Greetings from WebAssembly Runtime! 🚀");

                // B serves the same accounts and sees the execution it recorded.
                ApiClient onB = new ApiClient(b.url());
                assertThat(onB.login(TestServer.OWNER, TestServer.OWNER_PASSWORD).status()).isEqualTo(200);
                long executionId = run.json().path("id").asLong();
                assertThat(onB.get("/api/executions/" + executionId).json().path("member").asText()).isEqualTo(bAddress);

                // When B leaves, nobody offers executions: A says so instead of running them itself.
                b.close();
                bRunning = false;
                ApiClient.Response refused = a.owner.post("/api/workflows/" + id + "/run", Map.of());
                assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
                assertThat(refused.json().path("error").asText()).contains("no member of the cluster offers executions");
            } finally {
                if (bRunning) b.close();
            }
        }
    }
}
