package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Managing accounts against a real server (docs/security.md, Managing accounts): disabling and
 * removing end access at once, role changes, reset links and password changes, and every refusal
 * that protects the owner account.
 */
class UserManagementTest extends SharedServer {
    private static final String MANUAL = """
            {"name": "%s", "nodes": [{"name": "Start", "type": "n8n-nodes-base.manualTrigger"}]}""";

    private static long userId(String name) {
        for (JsonNode u : server.owner.get("/api/users").json()) {
            if (u.path("username").asText().equals(name)) return u.path("id").asLong();
        }
        throw new AssertionError("no account " + name);
    }

    private static String error(ApiClient.Response r) {
        return r.json().path("error").asText();
    }

    /** A script calling with an API key that {@code signedIn} made. */
    private static ApiClient script(ApiClient signedIn) {
        ApiClient.Response created = signedIn.post("/api/api-keys", Map.of("name", "script"));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        ApiClient script = server.anonymous();
        script.apiKey = created.json().path("key").asText();
        assertThat(script.get("/api/workflows").status()).isEqualTo(200);
        return script;
    }

    @Test
    void aDisabledAccountsSessionAndKeyStopAtOnceAndItCannotSignIn() {
        ApiClient dee = server.user("dee", "member");
        ApiClient key = script(dee);
        ApiClient admin = server.user("adele", "admin");
        long id = userId("dee");

        ApiClient.Response disabled = admin.send("PATCH", "/api/users/" + id, Map.of("disabled", true));
        assertThat(disabled.status()).as(disabled.toString()).isEqualTo(200);
        assertThat(disabled.json().path("disabled").asBoolean()).isTrue();

        // The very next request of each is refused.
        assertThat(dee.get("/api/session").status()).isEqualTo(401);
        assertThat(dee.get("/api/workflows").status()).isEqualTo(401);
        assertThat(key.get("/api/workflows").status()).isEqualTo(401);
        assertThat(key.post("/api/workflows", Json.MAPPER.createObjectNode()).status())
                .isEqualTo(401);
        ApiClient.Response signIn = server.anonymous().login("dee", "dee-password");
        assertThat(signIn.status()).isEqualTo(403);
        assertThat(error(signIn)).contains("disabled");
        // A wrong password still says only that.
        assertThat(error(server.anonymous().login("dee", "not-the-password"))).isEqualTo("wrong username or password");
        assertThat(admin.post("/api/users/" + id + "/password-reset", Map.of()).status())
                .as("enable it first")
                .isEqualTo(409);

        assertThat(admin.send("PATCH", "/api/users/" + id, Map.of("disabled", false))
                        .json()
                        .path("disabled")
                        .asBoolean())
                .isFalse();
        ApiClient again = server.anonymous();
        assertThat(again.login("dee", "dee-password").status()).isEqualTo(200);
        assertThat(again.get("/api/workflows").status()).isEqualTo(200);
        assertThat(key.get("/api/workflows").status())
                .as("its keys ended with the disabling")
                .isEqualTo(401);
    }

    @Test
    void aRemovedAccountCannotSignInAndItsWorkflowsPassToTheOwner() throws Exception {
        ApiClient rex = server.user("rex", "member");
        ApiClient key = script(rex);
        long workflow = rex.post("/api/workflows", Json.parse(MANUAL.formatted("Rex's")))
                .json()
                .path("id")
                .asLong();
        long execution = rex.post("/api/workflows/" + workflow + "/run", Map.of())
                .json()
                .path("id")
                .asLong();
        long id = userId("rex");

        assertThat(server.owner.delete("/api/users/" + id).status()).isEqualTo(204);
        assertThat(rex.get("/api/session").status()).isEqualTo(401);
        assertThat(key.get("/api/workflows").status()).isEqualTo(401);
        ApiClient.Response signIn = server.anonymous().login("rex", "rex-password");
        assertThat(signIn.status()).isEqualTo(401);
        assertThat(error(signIn)).isEqualTo("wrong username or password");
        assertThat(server.owner.get("/api/users").json().findValuesAsText("username"))
                .doesNotContain("rex");
        assertThat(server.owner.delete("/api/users/" + id).status()).isEqualTo(404);

        JsonNode kept = server.owner.get("/api/workflows/" + workflow).json();
        assertThat(kept.path("owner").asText()).isEqualTo(TestServer.OWNER);
        assertThat(kept.path("createdBy").asText()).isEqualTo("rex");
        assertThat(server.owner.get("/api/executions/" + execution).status()).isEqualTo(200);
    }

    @Test
    void theOwnerCannotBeDemotedDisabledRemovedOrResetByAnyone() {
        long owner = userId(TestServer.OWNER);
        String path = "/api/users/" + owner;
        for (ApiClient.Response r : List.of(
                server.owner.send("PATCH", path, Map.of("role", "admin")),
                server.owner.send("PATCH", path, Map.of("disabled", true)),
                server.owner.delete(path),
                server.owner.post(path + "/password-reset", Map.of()))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(409);
            assertThat(error(r)).contains("owner account cannot be");
        }
        ApiClient admin = server.user("oscar", "admin");
        for (ApiClient.Response r : List.of(
                admin.send("PATCH", path, Map.of("role", "member")),
                admin.send("PATCH", path, Map.of("disabled", true)),
                admin.delete(path),
                admin.post(path + "/password-reset", Map.of()))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(403);
            assertThat(error(r)).contains("only the owner manages the owner account");
        }
        // Nor is there a second owner, nor does anyone lock themselves out.
        server.user("olive", "member");
        long member = userId("olive");
        ApiClient.Response promoted = admin.send("PATCH", "/api/users/" + member, Map.of("role", "owner"));
        assertThat(promoted.status()).isEqualTo(400);
        assertThat(error(promoted)).contains("one owner");
        assertThat(admin.send("PATCH", "/api/users/" + userId("oscar"), Map.of("role", "member"))
                        .status())
                .isEqualTo(409);
        assertThat(admin.delete("/api/users/" + userId("oscar")).status()).isEqualTo(409);

        ApiClient.Response session =
                new ApiClient(server.server.url()).login(TestServer.OWNER, TestServer.OWNER_PASSWORD);
        assertThat(session.json().path("user").path("role").asText()).isEqualTo("owner");
    }

    @Test
    void membersCannotManageAccounts() {
        ApiClient member = server.user("nina", "member");
        server.user("nils", "member");
        long other = userId("nils");
        String path = "/api/users/" + other;
        for (ApiClient.Response r : List.of(
                member.get("/api/users"),
                member.post("/api/users", Map.of("username", "sneaky", "password", "long enough", "role", "admin")),
                member.send("PATCH", path, Map.of("disabled", true)),
                member.send("PATCH", "/api/users/" + userId("nina"), Map.of("role", "admin")),
                member.delete(path),
                member.post(path + "/password-reset", Map.of()))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(403);
            assertThat(error(r)).contains("only the owner or an admin");
        }
        assertThat(server.owner.get("/api/users").json().findValuesAsText("username"))
                .contains("nils")
                .doesNotContain("sneaky");
    }

    @Test
    void aRoleChangeTakesEffectOnTheNextRequest() {
        ApiClient rick = server.user("rick", "member");
        assertThat(rick.get("/api/users").status()).isEqualTo(403);
        long id = userId("rick");
        ApiClient.Response promoted = server.owner.send("PATCH", "/api/users/" + id, Map.of("role", "admin"));
        assertThat(promoted.json().path("role").asText())
                .as(promoted.toString())
                .isEqualTo("admin");
        assertThat(rick.get("/api/users").status()).isEqualTo(200);
        assertThat(rick.get("/api/session").json().path("user").path("role").asText())
                .isEqualTo("admin");
        server.owner.send("PATCH", "/api/users/" + id, Map.of("role", "member"));
        assertThat(rick.get("/api/users").status()).isEqualTo(403);
        assertThat(server.owner
                        .send("PATCH", "/api/users/" + id, Map.of("role", "king"))
                        .status())
                .isEqualTo(400);
        assertThat(server.owner
                        .send("PATCH", "/api/users/" + id, Map.of("disabled", "yes"))
                        .status())
                .isEqualTo(400);
        assertThat(server.owner.send("PATCH", "/api/users/" + id, Map.of()).status())
                .isEqualTo(400);
        assertThat(server.owner
                        .send("PATCH", "/api/users/999999", Map.of("role", "admin"))
                        .status())
                .isEqualTo(404);
    }

    @Test
    void aResetLinkSetsThePasswordOnceAndEndsTheSessions() {
        ApiClient rita = server.user("rita", "member");
        long id = userId("rita");
        ApiClient.Response first = server.owner.post("/api/users/" + id + "/password-reset", Map.of());
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        ApiClient.Response link = server.owner.post("/api/users/" + id + "/password-reset", Map.of());
        String token = link.json().path("token").asText();
        assertThat(link.json().path("path").asText()).isEqualTo("/#/reset-password?token=" + token);

        ApiClient anonymous = server.anonymous();
        ApiClient.Response stale = anonymous.post(
                "/api/password-reset",
                Map.of("token", first.json().path("token").asText(), "password", "a new password"));
        assertThat(stale.status()).as("a newer link replaces the older").isEqualTo(403);
        assertThat(anonymous
                        .post("/api/password-reset", Map.of("token", token, "password", "short"))
                        .status())
                .isEqualTo(400);
        assertThat(anonymous
                        .post("/api/password-reset", Map.of("token", "guess", "password", "a new password"))
                        .status())
                .isEqualTo(403);

        ApiClient.Response reset =
                anonymous.post("/api/password-reset", Map.of("token", token, "password", "a new password"));
        assertThat(reset.status())
                .as("a refused short password did not spend the link: " + reset)
                .isEqualTo(204);
        assertThat(rita.get("/api/session").status()).isEqualTo(401);
        assertThat(server.anonymous().login("rita", "rita-password").status()).isEqualTo(401);
        assertThat(server.anonymous().login("rita", "a new password").status()).isEqualTo(200);
        ApiClient.Response reused =
                anonymous.post("/api/password-reset", Map.of("token", token, "password", "another password"));
        assertThat(reused.status()).isEqualTo(403);
        assertThat(error(reused)).contains("unknown, used or expired");
    }

    @Test
    void changingYourPasswordNeedsTheCurrentOneAndEndsYourOtherSessions() {
        ApiClient here = server.user("cy", "member");
        ApiClient elsewhere = new ApiClient(server.server.url());
        assertThat(elsewhere.login("cy", "cy-password").status()).isEqualTo(200);

        ApiClient.Response wrong =
                here.send("PUT", "/api/password", Map.of("currentPassword", "guess", "newPassword", "fresh password"));
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(error(wrong)).contains("current password is wrong");
        assertThat(here.send("PUT", "/api/password", Map.of("currentPassword", "cy-password", "newPassword", "short"))
                        .status())
                .isEqualTo(400);

        assertThat(here.send(
                                "PUT",
                                "/api/password",
                                Map.of("currentPassword", "cy-password", "newPassword", "fresh password"))
                        .status())
                .isEqualTo(204);
        assertThat(here.get("/api/session").status())
                .as("the session that changed it stays")
                .isEqualTo(200);
        assertThat(elsewhere.get("/api/session").status()).isEqualTo(401);
        assertThat(server.anonymous().login("cy", "cy-password").status()).isEqualTo(401);
        assertThat(server.anonymous().login("cy", "fresh password").status()).isEqualTo(200);
    }
}
