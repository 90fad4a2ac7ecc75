package io.nlink.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded H2 database survives what a busy server does to it (issue 23, docs/reliability.md
 * "H2 file"): executions with large records written, then pruned many at a time. With the record
 * in the row, H2 2.5.252 failed this within one to three rounds ("Reading from file … failed …
 * remaining 128", or "File corrupted in chunk N, expected page length 4..4" when the stale bytes
 * were inside the file) and refused every write after: a prune's transaction put undo-log pages of
 * over 2 MiB into a chunk H2 then read back before writing it. {@link ExecutionRecordsOutOfRow}
 * moves the record out of the row. The long form of this check is scripts/soak-h2.sh.
 */
class H2FileTest {
    private static final int ROUNDS = 12;
    /** A second of executions on a busy server, as the once-a-second prune finds them. */
    private static final int RUNS_PER_ROUND = 200;

    private static final int RECORD_CHARS = 64 * 1024;

    @Test
    void pruningManyLargeRecordsAtOnceKeepsTheFileReadable(@TempDir Path data) throws Exception {
        String record = "{\"pad\":\"" + "x".repeat(RECORD_CHARS) + "\"}";
        try (Database db = Database.open(null, null, null, data)) {
            Instant now = Instant.now();
            long workflow = db.transaction(c -> Database.insert(
                    c,
                    "INSERT INTO workflows (name, definition, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    "file",
                    "{}",
                    false,
                    now,
                    now));
            for (int round = 0; round < ROUNDS; round++) {
                long last = db.transaction(c -> {
                    long id = 0;
                    for (int i = 0; i < RUNS_PER_ROUND; i++) {
                        id = Database.insert(
                                c,
                                "INSERT INTO executions (workflow_id, mode, status, started_at, finished_at, record) VALUES (?, ?, ?, ?, ?, ?)",
                                workflow,
                                "webhook",
                                "success",
                                now,
                                now,
                                record);
                    }
                    return id;
                });
                // WorkflowService.prune's statement: every ended run up to the cut-off, in one transaction.
                int pruned = db.update(
                        "DELETE FROM executions WHERE id <= ? AND status NOT IN (?, ?)", last, "queued", "running");
                assertThat(pruned).as("round %d", round).isEqualTo(RUNS_PER_ROUND);
            }
            db.update(
                    "INSERT INTO executions (workflow_id, mode, status, started_at, finished_at, record) VALUES (?, ?, ?, ?, ?, ?)",
                    workflow,
                    "webhook",
                    "success",
                    now,
                    now,
                    record);
            assertThat(db.queryOne("SELECT record FROM executions", r -> r.getString(1)))
                    .contains(record);
        }
    }

    @Test
    void aDatabaseOfVersion9KeepsItsRecordsAndMovesThemOutOfTheRow(@TempDir Path data) throws Exception {
        Files.createDirectories(data.resolve("db"));
        String url = "jdbc:h2:file:" + data.toAbsolutePath().resolve("db/nlink") + ";DB_CLOSE_ON_EXIT=FALSE";
        Flyway.configure()
                .dataSource(url, "nlink", "")
                .locations("classpath:db/migration")
                .target("9")
                .load()
                .migrate();
        String record = "{\"pad\":\"" + "é".repeat(RECORD_CHARS) + "\"}";
        try (Connection c = DriverManager.getConnection(url, "nlink", "")) {
            OffsetDateTime now = OffsetDateTime.now();
            c.createStatement()
                    .execute("INSERT INTO workflows (id, name, definition, active, created_at, updated_at)"
                            + " VALUES (1, 'old', '{}', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO executions (workflow_id, mode, status, started_at, finished_at, record) VALUES (1, 'manual', 'success', ?, ?, ?)")) {
                s.setObject(1, now);
                s.setObject(2, now);
                s.setString(3, record);
                s.executeUpdate();
            }
        }
        try (Database db = Database.open(null, null, null, data)) {
            assertThat(db.queryOne("SELECT record FROM executions", r -> r.getString(1)))
                    .contains(record);
            assertThat(db.queryOne(
                            "SELECT data_type FROM information_schema.columns WHERE table_name = 'EXECUTIONS' AND column_name = 'RECORD'",
                            r -> r.getString(1)))
                    .contains("CHARACTER LARGE OBJECT");
            assertThat(db.queryOne(
                            "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'EXECUTIONS' AND column_name = 'RECORD'",
                            r -> r.getString(1)))
                    .as("still NOT NULL")
                    .contains("NO");
        }
    }
}
