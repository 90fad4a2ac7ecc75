package io.nlink.server.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.server.db.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruning old executions against a real H2 database: by age and by count, it deletes only runs
 * that ended. A run still queued or running (paused in a Wait while newer runs end) keeps its
 * row, whose outcome is yet to be written.
 */
class PruneTest {
    @TempDir
    Path data;

    @Test
    void onlyEndedRunsArePrunedByCountAndByAge() throws Exception {
        try (Database db = Database.open(null, null, null, data)) {
            long workflow = db.transaction(c -> Database.insert(
                    c,
                    "INSERT INTO workflows (name, definition, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    "w",
                    "{}",
                    false,
                    Instant.now(),
                    Instant.now()));
            Instant monthAgo = Instant.now().minus(Duration.ofDays(30));
            long oldRunning = execution(db, workflow, "running", monthAgo);
            long oldSuccess = execution(db, workflow, "success", monthAgo);
            long queued = execution(db, workflow, "queued", Instant.now());
            long running = execution(db, workflow, "running", Instant.now());
            List<Long> ended = List.of(
                    execution(db, workflow, "success", Instant.now()),
                    execution(db, workflow, "error", Instant.now()),
                    execution(db, workflow, "success", Instant.now()),
                    execution(db, workflow, "canceled", Instant.now()),
                    execution(db, workflow, "success", Instant.now()));

            try (ExecutionLog log = new ExecutionLog(db, Duration.ofDays(14), 3)) {
                log.prune();
            }

            List<Long> left = db.query("SELECT id FROM executions ORDER BY id", r -> r.getLong(1));
            assertThat(left)
                    .as("the three newest runs kept by count, and every unfinished run whatever its age or place")
                    .containsExactly(oldRunning, queued, running, ended.get(2), ended.get(3), ended.get(4));
            assertThat(left).doesNotContain(oldSuccess, ended.get(0), ended.get(1));
        }
    }

    private static long execution(Database db, long workflow, String status, Instant startedAt) throws Exception {
        return db.transaction(c -> Database.insert(
                c,
                "INSERT INTO executions (workflow_id, mode, status, started_at, record) VALUES (?, ?, ?, ?, ?)",
                workflow,
                "webhook",
                status,
                startedAt,
                "{}"));
    }
}
