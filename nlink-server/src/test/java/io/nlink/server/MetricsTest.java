package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus endpoint of a server started with metrics on, scraped over loopback after real
 * webhook runs: their counts are there by workflow and status, with the latency histogram, node
 * items, webhook requests, the database pool and the JVM; only the owner and admins may scrape.
 */
class MetricsTest {
    @TempDir
    Path data;

    @Test
    void aScrapeCountsTheExecutionsThatRan(@TempDir Path off) throws Exception {
        try (TestServer server =
                TestServer.start(TestServer.config(data, TestDatabase.H2).withMetrics(true))) {
            long id = server.owner
                    .post(
                            "/api/workflows",
                            Json.parse(ExecutionRecordingTest.SET_WORKFLOW.getBytes(StandardCharsets.UTF_8)))
                    .json()
                    .path("id")
                    .asLong();
            assertThat(server.owner
                            .post("/api/workflows/" + id + "/activate", Map.of())
                            .status())
                    .isEqualTo(200);
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> answer = http.send(
                        HttpRequest.newBuilder(URI.create(server.server.url() + "/webhook/recorded"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"n" + i + "\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            }
            // Run by hand with no webhook call, $json.body is missing: the Set node's expression fails the run.
            assertThat(server.owner
                            .post("/api/workflows/" + id + "/run", Map.of())
                            .json()
                            .path("status")
                            .asText())
                    .isEqualTo("error");

            assertThat(server.anonymous().get("/metrics").status()).isEqualTo(401);
            assertThat(server.user("member", "member").get("/metrics").status()).isEqualTo(403);
            ApiClient scraper = server.anonymous();
            scraper.apiKey = server.owner
                    .post("/api/api-keys", Map.of("name", "prometheus"))
                    .json()
                    .path("key")
                    .asText();
            ApiClient.Response scrape = scraper.get("/metrics");
            assertThat(scrape.status()).isEqualTo(200);
            assertThat(scrape.raw().headers().firstValue("Content-Type").orElse(""))
                    .startsWith("text/plain");
            String text = scrape.text();

            String workflow = "workflow_id=\"" + id + "\"";
            assertThat(value(text, "nlink_executions_total", workflow, "mode=\"webhook\"", "status=\"success\""))
                    .isEqualTo(3);
            assertThat(value(text, "nlink_executions_total", workflow, "mode=\"manual\"", "status=\"error\""))
                    .isEqualTo(1);
            assertThat(value(text, "nlink_execution_seconds_count", workflow)).isEqualTo(4);
            assertThat(value(text, "nlink_execution_seconds_bucket", workflow, "le=\"60.0\""))
                    .isEqualTo(4);
            assertThat(value(text, "nlink_node_runs_total", "type=\"n8n-nodes-base.set\"", "status=\"success\""))
                    .isEqualTo(3);
            assertThat(value(text, "nlink_node_runs_total", "type=\"n8n-nodes-base.set\"", "status=\"error\""))
                    .isEqualTo(1);
            assertThat(value(text, "nlink_node_items_in_total", "type=\"n8n-nodes-base.set\""))
                    .isEqualTo(4);
            assertThat(value(text, "nlink_node_items_out_total", "type=\"n8n-nodes-base.set\""))
                    .isEqualTo(3);
            assertThat(value(text, "nlink_webhook_requests_total", "method=\"POST\"", "status=\"200\""))
                    .isEqualTo(3);
            assertThat(value(text, "hikaricp_connections_max", "pool=\"nlink-db\""))
                    .isEqualTo(8);
            assertThat(value(text, "jvm_memory_used_bytes", "area=\"heap\"")).isPositive();
            assertThat(text).contains("nlink_runtime_ready_memory_budget_bytes");
        }
        try (TestServer plain = TestServer.start(off, TestDatabase.H2)) {
            assertThat(plain.owner.get("/metrics").status())
                    .as("no metrics unless asked for")
                    .isEqualTo(404);
        }
    }

    @Test
    void aScrapeCountsInstancesReusedAcrossExecutionsOfAWasmNode() throws Exception {
        try (TestServer server =
                TestServer.start(TestServer.config(data, TestDatabase.H2).withMetrics(true))) {
            assertThat(server.owner.upload(TestNodes.helloGo()).status()).isEqualTo(201);
            assertThat(server.owner.upload(TestNodes.helloJs()).status()).isEqualTo(201);
            long id = server.owner
                    .post("/api/workflows", WorkflowApiTest.example())
                    .json()
                    .path("id")
                    .asLong();
            var people = Json.parse(java.nio.file.Files.readAllBytes(TestNodes.WORKFLOWS.resolve("people.json")));
            double before = unlabelled(server.owner.get("/metrics").text(), "nlink_runtime_instances_reused_total");
            for (int i = 0; i < 3; i++) {
                var run = server.owner
                        .post("/api/workflows/" + id + "/run", Map.of("items", people))
                        .json();
                assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("success");
            }
            String text = server.owner.get("/metrics").text();
            // the first run's Go instance, reset, served the next two
            assertThat(unlabelled(text, "nlink_runtime_instances_reused_total") - before)
                    .isGreaterThanOrEqualTo(2);
            assertThat(unlabelled(text, "nlink_runtime_instances_started_total"))
                    .isPositive();
            assertThat(text).contains("nlink_runtime_instances_ready ", "nlink_runtime_host_faults_total ");
        }
    }

    /** The value of a metric without labels. */
    private static double unlabelled(String scrape, String metric) {
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(metric) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as(metric + " in:\n" + scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The sum of the samples of {@code metric} whose labels include every one of {@code labels}. */
    private static double value(String scrape, String metric, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)} (\\S+)$")
                .matcher(scrape);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            boolean all = true;
            for (String label : labels) all &= m.group(1).contains(label);
            if (all) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        assertThat(found)
                .as(metric + " with " + String.join(", ", labels) + " in:\n" + scrape)
                .isTrue();
        return sum;
    }
}
