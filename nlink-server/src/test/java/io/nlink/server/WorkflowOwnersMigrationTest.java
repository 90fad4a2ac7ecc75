package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Schema V4 gives the workflows stored before ownership existed to the owner account, on H2 and
 * on PostgreSQL: a database at V3 with workflows in it is opened by today's server.
 */
class WorkflowOwnersMigrationTest {
    @TempDir
    Path data;

    static List<TestDatabase> databases() {
        return TestDatabase.all();
    }

    private static final String DEFINITION =
            "{\"name\": \"Old\", \"nodes\": [{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\"}]}";

    /** A database as a server before ownership left it; with {@code users} in it, the first the owner. */
    private void atVersion3(TestDatabase db, String... users) throws Exception {
        Files.createDirectories(data.resolve("db"));
        String url = db.url() == null
                ? "jdbc:h2:file:" + data.toAbsolutePath().resolve("db/nlink") + ";DB_CLOSE_ON_EXIT=FALSE"
                : db.url();
        Flyway.configure()
                .dataSource(url, db.url() == null ? "nlink" : db.user(), db.url() == null ? "" : db.password())
                .locations("classpath:db/migration")
                .target("3")
                .load()
                .migrate();
        OffsetDateTime now = OffsetDateTime.now();
        try (Connection c = db.connect(data)) {
            for (int i = 0; i < users.length; i++) {
                try (PreparedStatement s = c.prepareStatement(
                        "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, 'x', ?, ?)")) {
                    s.setString(1, users[i]);
                    s.setString(2, i == 0 ? "owner" : "member");
                    s.setObject(3, now);
                    s.executeUpdate();
                }
            }
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO workflows (name, definition, active, created_at, updated_at, created_by) VALUES ('Old', ?, FALSE, ?, ?, ?)")) {
                s.setString(1, DEFINITION);
                s.setObject(2, now);
                s.setObject(3, now);
                s.setString(4, users.length > 1 ? users[1] : null);
                s.executeUpdate();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void workflowsFromBeforeOwnershipBelongToTheOwner(TestDatabase kind) throws Exception {
        TestDatabase db = kind.fresh();
        atVersion3(db);
        // No owner existed when V4 ran: the set-up link creates one, and it takes the workflow.
        try (TestServer server = TestServer.start(data, db)) {
            var workflows = server.owner.get("/api/workflows").json().path("workflows");
            assertThat(workflows).hasSize(1);
            assertThat(workflows.get(0).path("owner").asText()).isEqualTo(TestServer.OWNER);
            ApiClient member = server.user("newcomer", "member");
            assertThat(member.get("/api/workflows").json().path("workflows")).isEmpty();
            assertThat(member.get("/api/workflows/"
                                    + workflows.get(0).path("id").asLong())
                            .status())
                    .isEqualTo(404);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aMembersOldWorkflowGoesToTheOwnerToo(TestDatabase kind) throws Exception {
        TestDatabase db = kind.fresh();
        atVersion3(db, "boss", "mel");
        try (NlinkServer server = NlinkServer.start(TestServer.config(data, db))) {
            try (Connection c = db.connect(data);
                    var rows = c.createStatement()
                            .executeQuery(
                                    "SELECT u.username, w.created_by FROM workflows w JOIN users u ON u.id = w.owner_id")) {
                assertThat(rows.next()).isTrue();
                assertThat(Map.of(rows.getString(1), rows.getString(2))).isEqualTo(Map.of("boss", "mel"));
            }
        }
    }
}
