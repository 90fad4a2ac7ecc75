package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document the server serves describes exactly the routes it has, and who may call each. */
class OpenApiTest {
    private static final java.util.Set<String> METHODS = java.util.Set.of("get", "post", "put", "patch", "delete");

    @Test
    void theDocumentMatchesTheRoutes(@TempDir Path data) throws Exception {
        try (TestServer server = TestServer.start(data, TestDatabase.H2)) {
            ApiClient.Response served = server.anonymous().get("/api/openapi.json");
            assertThat(served.status()).isEqualTo(200);
            JsonNode doc = served.json();
            assertThat(doc.path("openapi").asText()).startsWith("3.1");
            // One version everywhere: the pom's, which Maven writes into version.properties.
            assertThat(NlinkServer.VERSION).isEqualTo(System.getProperty("nlink.project.version"));
            assertThat(doc.path("info").path("version").asText()).isEqualTo(NlinkServer.VERSION);
            assertThat(server.anonymous()
                            .get("/api/health")
                            .json()
                            .path("version")
                            .asText())
                    .isEqualTo(NlinkServer.VERSION);

            Map<String, String> documented = new TreeMap<>();
            doc.path("paths")
                    .properties()
                    .forEach(path -> path.getValue().properties().forEach(op -> {
                        if (METHODS.contains(op.getKey())) {
                            // OpenAPI writes a path parameter that may hold slashes as {path}; Javalin as <path>.
                            String route = path.getKey().equals("/webhook/{path}") ? "/webhook/<path>" : path.getKey();
                            documented.put(
                                    op.getKey().toUpperCase(Locale.ROOT) + " " + route,
                                    op.getValue().path("x-nlink-access").asText(null));
                        }
                    }));
            Map<String, String> routes = server.server.routes();
            assertThat(routes).as("every route declares who may call it").doesNotContainValue(null);
            assertThat(documented).isEqualTo(routes);
        }
    }

    @Test
    void everyMutatingRouteThatAnyoneMayCallIsOnlySignInSetUpOrAReset(@TempDir Path data) throws Exception {
        try (TestServer server = TestServer.start(data, TestDatabase.H2)) {
            Map<String, String> open = new TreeMap<>();
            server.server.routes().forEach((route, access) -> {
                if ("anyone".equals(access) && !route.startsWith("GET ")) open.put(route, access);
            });
            // Webhooks are public by design: the path is the secret (docs/workflows.md).
            open.keySet().removeIf(route -> route.endsWith(" /webhook/<path>"));
            // A password-reset link is a one-time secret, like the set-up link.
            assertThat(open.keySet())
                    .containsExactlyInAnyOrder("POST /api/session", "POST /api/setup", "POST /api/password-reset");
        }
    }
}
