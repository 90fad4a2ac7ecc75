package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every refusal the access rules promise, proven against a real server. */
class AccessTest extends SharedServer {
    @ParameterizedTest(name = "anonymous {0} {1} is refused")
    @CsvSource({
        "POST, /api/nodes",
        "DELETE, /api/nodes/nlink-community.x/versions/1.0.0",
        "POST, /api/nodes/nlink-community.x/versions/1.0.0/run",
        "POST, /api/scaffold",
        "POST, /api/api-keys",
        "DELETE, /api/api-keys/1",
        "POST, /api/users",
        "DELETE, /api/users/2",
        "POST, /api/users/2/password-reset",
        "DELETE, /api/session",
        "GET, /api/nodes",
        "GET, /api/users"
    })
    void anonymousCallsAreRefused(String method, String path) {
        ApiClient anonymous = server.anonymous();
        ApiClient.Response r = method.equals("DELETE")
                ? anonymous.delete(path)
                : method.equals("GET") ? anonymous.get(path) : anonymous.post(path, Map.of());
        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.json().path("error").asText()).contains("sign in");
    }

    @Test
    void theSetUpLinkWorksOnceAndOnlyWithItsToken() {
        ApiClient anonymous = server.anonymous();
        assertThat(anonymous.get("/api/setup").json().path("required").asBoolean())
                .isFalse();
        ApiClient.Response again = anonymous.post(
                "/api/setup", Map.of("token", "guess", "username", "mallory", "password", "long enough pw"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(server.server.setupUrl()).isEmpty();
    }

    @Test
    void aCookieWithoutTheCsrfTokenCannotMutate() {
        ApiClient browser = new ApiClient(server.server.url());
        assertThat(browser.login(TestServer.OWNER, TestServer.OWNER_PASSWORD).status())
                .isEqualTo(200);
        String token = browser.csrf;
        browser.csrf = null;
        ApiClient.Response missing = browser.post("/api/api-keys", Map.of("name", "x"));
        assertThat(missing.status()).isEqualTo(403);
        assertThat(missing.json().path("error").asText()).contains("X-CSRF-Token");
        browser.csrf = "forged";
        assertThat(browser.post("/api/api-keys", Map.of("name", "x")).status()).isEqualTo(403);
        assertThat(browser.upload(TestNodes.helloGo()).status()).isEqualTo(403);
        // Reading needs no token; with the right one the same call works.
        assertThat(browser.get("/api/nodes").status()).isEqualTo(200);
        browser.csrf = token;
        assertThat(browser.post("/api/api-keys", Map.of("name", "x")).status()).isEqualTo(201);
    }

    @Test
    void membersMayRunButNotUploadOrRemoveNorManageAccounts() {
        ApiClient member = server.user("mia", "member");
        ApiClient.Response upload = member.upload(TestNodes.helloGo());
        assertThat(upload.status()).as(upload.toString()).isEqualTo(403);
        assertThat(upload.json().path("error").asText()).contains("owner or an admin");
        assertThat(member.delete("/api/nodes/nlink-community.x/versions/1.0.0").status())
                .isEqualTo(403);
        assertThat(member.post("/api/users", Map.of("username", "eve", "password", "12345678", "role", "admin"))
                        .status())
                .isEqualTo(403);
        assertThat(member.get("/api/nodes").status()).isEqualTo(200);
        // Admins manage accounts too (all but the owner's: UserManagementTest).
        ApiClient admin = server.user("ada", "admin");
        assertThat(admin.post("/api/users", Map.of("username", "eve", "password", "12345678", "role", "admin"))
                        .status())
                .isEqualTo(201);
    }

    @Test
    void apiKeysNeedNoCsrfAndStopWorkingWhenRevoked() {
        ApiClient.Response created = server.owner.post("/api/api-keys", Map.of("name", "ci"));
        assertThat(created.status()).isEqualTo(201);
        String key = created.json().path("key").asText();
        assertThat(key).startsWith("nlk_");
        ApiClient script = server.anonymous();
        script.apiKey = key;
        assertThat(script.get("/api/session")
                        .json()
                        .path("user")
                        .path("username")
                        .asText())
                .isEqualTo(TestServer.OWNER);
        assertThat(script.post("/api/scaffold", Map.of("name", "by_key")).status())
                .isEqualTo(200);
        long id = created.json().path("id").asLong();
        assertThat(server.owner.get("/api/api-keys").text())
                .contains("\"prefix\":\"" + key.substring(0, 12) + "\"")
                .doesNotContain(key);
        assertThat(server.owner.delete("/api/api-keys/" + id).status()).isEqualTo(204);
        ApiClient.Response revoked = script.get("/api/nodes");
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(revoked.json().path("error").asText()).contains("revoked");
    }

    @Test
    void wrongPasswordsAreThrottled() {
        server.user("tom", "member");
        ApiClient guesser = server.anonymous();
        for (int i = 0; i < 5; i++) {
            assertThat(guesser.login("tom", "guess-" + i).status()).isEqualTo(401);
        }
        ApiClient.Response throttled = guesser.login("tom", "tom-password");
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.json().path("error").asText()).contains("too many wrong passwords");
        // An unknown name gets the same answer as a wrong password.
        assertThat(guesser.login("nobody", "whatever1").json().path("error").asText())
                .isEqualTo("wrong username or password");
    }

    @Test
    void signingOutEndsTheSession() {
        ApiClient browser = new ApiClient(server.server.url());
        browser.login(TestServer.OWNER, TestServer.OWNER_PASSWORD);
        assertThat(browser.get("/api/session").status()).isEqualTo(200);
        assertThat(browser.delete("/api/session").status()).isEqualTo(204);
        assertThat(browser.get("/api/session").status()).isEqualTo(401);
    }

    @Test
    void responsesCarryTheSecurityHeaders() {
        ApiClient.Response r = server.anonymous().get("/api/health");
        assertThat(r.raw().headers().firstValue("Content-Security-Policy"))
                .get()
                .asString()
                .contains("script-src 'self'");
        assertThat(r.raw().headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(r.json().path("database").asText()).isEqualTo("H2");
    }
}
