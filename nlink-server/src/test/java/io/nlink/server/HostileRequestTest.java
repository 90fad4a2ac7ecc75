package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile requests: huge and deeply nested JSON, path traversal in every path parameter, forged credentials. */
class HostileRequestTest extends SharedServer {
    @Test
    void deeplyNestedJsonIsRefusedNotRecursedInto() {
        String nested = "[".repeat(100_000) + "]".repeat(100_000);
        for (String path :
                new String[] {"/api/workflows", "/api/nodes/x/versions/1.0.0/run", "/api/scaffold", "/api/session"}) {
            ApiClient.Response r = server.owner.postRaw(
                    path, "application/json", ("{\"a\": " + nested + "}").getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).as(path + ": " + r).isEqualTo(400);
            assertThat(r.json().path("error").asText()).as(path).contains("nesting depth");
        }
    }

    @Test
    void hugeJsonBodiesAreRefusedWithTheLimit() {
        byte[] body = ("{\"name\": \"" + "x".repeat(9 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        ApiClient.Response r = server.owner.postRaw("/api/api-keys", "application/json", body);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().path("error").asText()).isEqualTo("the JSON body is larger than 8 MiB");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "/api/nodes/..%2F..%2F..%2Fetc%2Fpasswd/versions/1.0.0",
                "/api/nodes/..%2F..%2F..%2Fetc%2Fpasswd/versions/1.0.0/package",
                "/api/nodes/x/versions/..%2F..%2Fetc%2Fpasswd/package",
                "/api/nodes/%2e%2e/versions/%2e%2e",
                "/api/workflows/..%2F1",
                "/api/executions/-1",
                "/api/api-keys/..%2F1",
                "/webhook/..%2F..%2Fapi%2Fusers",
                "/..%2F..%2F..%2Fetc%2Fpasswd",
                "/%2e%2e/%2e%2e/etc/passwd",
                "/dashboard/../../../../etc/passwd"
            })
    void pathTraversalReachesNoFile(String path) throws Exception {
        String key = server.owner
                .post("/api/api-keys", Map.of("name", "traversal"))
                .json()
                .path("key")
                .asText();
        String raw = rawGet(path, key);
        int status = Integer.parseInt(raw.substring(9, 12));
        assertThat(status).as(path + " → " + raw.lines().findFirst().orElse("")).isIn(400, 404);
        assertThat(raw).doesNotContain("root:x:0:0").doesNotContain("\"username\"");
    }

    /** The request line as written, not normalised by a client library; signed in with {@code key}. */
    private static String rawGet(String path, String key) throws Exception {
        URI base = URI.create(server.server.url());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer " + key
                            + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void forgedSessionsAndKeysAreRefused() {
        ApiClient forged = server.anonymous();
        forged.apiKey = "nlk_" + "A".repeat(43);
        assertThat(forged.get("/api/nodes").status()).isEqualTo(401);
        forged.apiKey = null;
        ApiClient.Response cookie = forged.send("GET", "/api/nodes", Map.of());
        assertThat(cookie.status()).isEqualTo(401);
        ApiClient wrongScheme = server.anonymous();
        assertThat(wrongScheme.get("/api/session").status()).isEqualTo(401);
    }
}
