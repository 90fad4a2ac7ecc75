package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --trusted-proxy} through a real server: a proxy on 127.0.0.2 is trusted, so the sign-in
 * throttle and the audit log count its clients by the X-Forwarded-For hop it appended (and not by
 * what a client wrote further left), while the same header from any other connection is ignored.
 */
class TrustedProxyTest {
    private static final String PROXY = "127.0.0.2";
    private static final String ELSEWHERE = "127.0.0.3";

    @Test
    void theThrottleCountsClientsBehindATrustedProxyAndIgnoresTheHeaderFromOthers(@TempDir Path data) throws Exception {
        ServerConfig config = TestServer.config(data, TestDatabase.H2).withTrustedProxies(List.of(PROXY + "/32"));
        try (TestServer server = TestServer.start(config)) {
            String url = server.server.url();
            // 20 wrong passwords from one client behind the proxy lock that client's address...
            for (int i = 0; i < 20; i++)
                assertThat(login(url, PROXY, "203.0.113.7", "nobody" + i)).isEqualTo(401);
            assertThat(login(url, PROXY, "203.0.113.7", "nobody-more")).isEqualTo(429);
            // ...not the proxy's other clients,
            assertThat(login(url, PROXY, "203.0.113.8", "nobody-else")).isEqualTo(401);
            // and a client cannot step around it by writing its own header: the proxy's hop is last.
            assertThat(login(url, PROXY, "203.0.113.8, 203.0.113.7", "nobody-forged"))
                    .isEqualTo(429);

            // From a connection that is not a trusted proxy the header is ignored: the connection is locked.
            for (int i = 0; i < 20; i++)
                assertThat(login(url, ELSEWHERE, "198.51.100." + i, "someone" + i))
                        .isEqualTo(401);
            assertThat(login(url, ELSEWHERE, "198.51.100.99", "someone-more")).isEqualTo(429);

            List<String> addresses = new ArrayList<>();
            for (JsonNode e : server.owner.get("/api/audit?limit=500").json().path("entries")) {
                if (e.path("action").asText().equals("sign-in-failed"))
                    addresses.add(e.path("address").asText());
            }
            assertThat(addresses).filteredOn("203.0.113.7"::equals).hasSize(20);
            assertThat(addresses).filteredOn("203.0.113.8"::equals).hasSize(1);
            assertThat(addresses).filteredOn(ELSEWHERE::equals).hasSize(20);
            assertThat(addresses).noneMatch(a -> a.startsWith("198.51.100."));
        }
    }

    @Test
    void aTrustedProxyThatIsNotAnAddressIsRefusedAtStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ServerConfig.DEFAULTS.withTrustedProxies(List.of("proxy.example")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"proxy.example\" is not an IP address or CIDR block");
    }

    /** A sign-in with a wrong password over a connection from {@code local}, with that X-Forwarded-For; its status. */
    private static int login(String url, String local, String forwardedFor, String username) throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .localAddress(InetAddress.getByName(local))
                .build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/api/session"))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", forwardedFor)
                .POST(HttpRequest.BodyPublishers.ofByteArray(
                        Json.writeBytes(Map.of("username", username, "password", "wrong-password"))))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
