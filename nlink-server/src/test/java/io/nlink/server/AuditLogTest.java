package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log against a real server: sign-ins (a failed one from another address), account
 * management, a node installed and removed and a workflow deleted each leave an entry with who,
 * what and from where; the owner and admins page through it, a member and an anonymous caller
 * cannot read it.
 */
class AuditLogTest {
    private static final String MANUAL = """
            {"name": "Audited", "nodes": [{"name": "Start", "type": "n8n-nodes-base.manualTrigger"}]}""";

    @Test
    void actionsAreRecordedAndOnlyTheOwnerAndAdminsReadThem(@TempDir Path data) throws Exception {
        try (TestServer server = TestServer.start(data, TestDatabase.H2)) {
            ApiClient owner = server.owner;
            ApiClient fromElsewhere = ApiClient.from(server.server.url(), InetAddress.getByName("127.0.0.2"));
            assertThat(fromElsewhere.login(TestServer.OWNER, "not the password").status())
                    .isEqualTo(401);
            assertThat(fromElsewhere.login("nobody-here", "not the password").status())
                    .isEqualTo(401);

            ApiClient.Response created = owner.post(
                    "/api/users", Map.of("username", "carol", "password", "carol-password", "role", "member"));
            assertThat(created.status()).isEqualTo(201);
            long carol = created.json().path("id").asLong();
            ApiClient member = server.anonymous();
            assertThat(member.login("carol", "carol-password").status()).isEqualTo(200);

            assertThat(member.get("/api/audit").status())
                    .as("a member may not read the log")
                    .isEqualTo(403);
            assertThat(server.anonymous().get("/api/audit").status()).isEqualTo(401);

            assertThat(owner.send("PATCH", "/api/users/" + carol, Map.of("role", "admin"))
                            .status())
                    .isEqualTo(200);
            assertThat(owner.send("PATCH", "/api/users/" + carol, Map.of("disabled", true))
                            .status())
                    .isEqualTo(200);
            assertThat(owner.send("PATCH", "/api/users/" + carol, Map.of("disabled", false))
                            .status())
                    .isEqualTo(200);
            assertThat(owner.post("/api/users/" + carol + "/password-reset", Map.of())
                            .status())
                    .isEqualTo(201);

            ApiClient.Response installed = owner.upload(TestNodes.helloJs());
            assertThat(installed.status()).as(installed.toString()).isEqualTo(201);
            String node = installed.json().path("name").asText() + "@"
                    + installed.json().path("version").asText();
            assertThat(owner.delete("/api/nodes/"
                                    + installed.json().path("name").asText() + "/versions/"
                                    + installed.json().path("version").asText())
                            .status())
                    .isEqualTo(204);

            long workflow = owner.post("/api/workflows", io.nlink.runtime.json.Json.parse(MANUAL))
                    .json()
                    .path("id")
                    .asLong();
            assertThat(owner.delete("/api/workflows/" + workflow).status()).isEqualTo(204);
            assertThat(owner.delete("/api/users/" + carol).status()).isEqualTo(204);

            List<JsonNode> entries = all(owner);
            List<String> lines = entries.stream()
                    .map(e -> e.path("action").asText() + " " + e.path("actor").asText("-") + " "
                            + e.path("target").asText("-") + " "
                            + e.path("address").asText("-"))
                    .toList();
            assertThat(lines)
                    .containsExactly(
                            "user-removed owner carol 127.0.0.1",
                            "workflow-deleted owner workflow " + workflow + " \"Audited\" 127.0.0.1",
                            "node-removed owner " + node + " 127.0.0.1",
                            "node-installed owner " + node + " 127.0.0.1",
                            "password-reset-link owner carol 127.0.0.1",
                            "user-enabled owner carol 127.0.0.1",
                            "user-disabled owner carol 127.0.0.1",
                            "role-changed owner carol 127.0.0.1",
                            "sign-in carol carol 127.0.0.1",
                            "user-created owner carol 127.0.0.1",
                            "sign-in-failed - nobody-here 127.0.0.2",
                            "sign-in-failed - owner 127.0.0.2",
                            "owner-created owner owner 127.0.0.1");
            assertThat(entries.get(7).path("detail").asText()).isEqualTo("member to admin");
            assertThat(entries.get(11).path("detail").asText()).isEqualTo("wrong password");
            assertThat(entries.get(10).path("detail").asText()).isEqualTo("no such account");

            // An admin reads it too; a bad page size is refused with what to send.
            ApiClient admin = server.user("dave", "admin");
            assertThat(admin.get("/api/audit?limit=1").json().path("entries")).hasSize(1);
            ApiClient.Response refused = admin.get("/api/audit?limit=0");
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().path("error").asText()).contains("limit").contains("1 to 500");
        }
    }

    /** Every entry, newest first, read three at a time through nextBefore. */
    private static List<JsonNode> all(ApiClient reader) {
        List<JsonNode> entries = new ArrayList<>();
        String before = "";
        for (int pages = 0; pages < 100; pages++) {
            ApiClient.Response page = reader.get("/api/audit?limit=3" + before);
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            page.json().path("entries").forEach(entries::add);
            JsonNode next = page.json().path("nextBefore");
            if (next.isNull()) return entries;
            before = "&before=" + next.asLong();
        }
        throw new AssertionError("the pages never ended");
    }
}
