package io.nlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nlink serve} as a user starts it: a fresh data directory, the set-up link, a clean stop. */
class ServeCommandTest {
    @Test
    void servesOnAFreshDataDirectoryAndPrintsTheSetUpLink(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.nlink.cli.Main",
                        "serve",
                        "--port",
                        "0",
                        "--data-dir",
                        data.toString())
                .redirectError(tmp.resolve("stderr.txt").toFile())
                .start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String serving = out.readLine();
            assertThat(serving)
                    .as(Files.readString(tmp.resolve("stderr.txt")))
                    .isNotNull()
                    .startsWith("nLink ")
                    .contains(" serving http://127.0.0.1:");
            assertThat(serving)
                    .contains("(database: H2 in " + data.toAbsolutePath().resolve("db") + ")");
            String base = serving.replaceAll(".* serving (http://[^ ]+) .*", "$1");
            String link = out.readLine();
            assertThat(link).startsWith("Create the owner account (one-time link): " + base + "/#/setup?token=");
            String token = link.substring(link.indexOf("token=") + 6);

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/api/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).contains("\"status\":\"ok\"", "\"database\":\"H2\"");
            HttpResponse<String> setup = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/api/setup"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + token
                                    + "\",\"username\":\"owner\",\"password\":\"owner-password\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(setup.statusCode()).as(setup.body()).isEqualTo(201);
            HttpResponse<String> dashboard = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/robots.txt")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(dashboard.statusCode()).isEqualTo(200);
        } finally {
            p.destroy(); // SIGTERM: the shutdown hook closes the server and the database
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
        }
        assertThat(Files.list(data.resolve("db")).map(f -> f.getFileName().toString()))
                .anyMatch(n -> n.endsWith(".mv.db"));
    }
}
