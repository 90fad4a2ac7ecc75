package io.nlink.server.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.json.Json;
import io.nlink.server.db.Database;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recorder against a real H2 database: outcomes handed over faster than one transaction
 * writes them are all written by {@link ExecutionRecorder#close}, those handed over after it
 * too, and {@link ExecutionRecorder#flush} returns only once what came before it is readable.
 */
class ExecutionRecorderTest {
    @TempDir
    Path data;

    private static final int RUNS = 2000;

    @Test
    void closeWritesEverythingQueuedAndLaterOutcomesAreWrittenAtOnce() throws Exception {
        try (Database db = Database.open(null, null, null, data)) {
            List<Long> ids = startedRuns(db, RUNS + 1);
            AtomicInteger prunes = new AtomicInteger();
            ExecutionRecorder recorder = new ExecutionRecorder(db, prunes::incrementAndGet);
            for (int i = 0; i < RUNS; i++) recorder.finished(finished(ids.get(i), "success"));
            recorder.close(); // at once: most of the 2,000 are still queued
            assertThat(statusCount(db, "success")).isEqualTo(RUNS);
            assertThat(prunes.get()).as("a prune after the last outcomes").isPositive();

            recorder.finished(finished(ids.get(RUNS), "error")); // a run that ended during shutdown
            assertThat(statusCount(db, "error")).isEqualTo(1);
            assertThat(statusCount(db, "running")).isZero();
        }
    }

    @Test
    void flushMakesEarlierOutcomesReadable() throws Exception {
        try (Database db = Database.open(null, null, null, data)) {
            List<Long> ids = startedRuns(db, 500);
            ExecutionRecorder recorder = new ExecutionRecorder(db, () -> {});
            try {
                for (long id : ids) recorder.finished(finished(id, "success"));
                recorder.flush();
                assertThat(statusCount(db, "success")).isEqualTo(ids.size());
            } finally {
                recorder.close();
            }
        }
    }

    private static ExecutionRecorder.Finished finished(long id, String status) {
        Instant now = Instant.now();
        return new ExecutionRecorder.Finished(
                id,
                status,
                now,
                now,
                status.equals("error") ? "it failed" : null,
                null,
                Json.MAPPER.createObjectNode().put("status", status));
    }

    /** {@code count} executions recorded as running, as runs are when they start. */
    private static List<Long> startedRuns(Database db, int count) throws Exception {
        long workflow = db.transaction(c -> Database.insert(
                c,
                "INSERT INTO workflows (name, definition, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                "w",
                "{}",
                false,
                Instant.now(),
                Instant.now()));
        List<Long> ids = new ArrayList<>();
        db.transaction(c -> {
            for (int i = 0; i < count; i++) {
                ids.add(Database.insert(
                        c,
                        "INSERT INTO executions (workflow_id, mode, status, started_at, record) VALUES (?, ?, ?, ?, ?)",
                        workflow,
                        "webhook",
                        "running",
                        Instant.now(),
                        "{}"));
            }
            return null;
        });
        return ids;
    }

    private static long statusCount(Database db, String status) throws Exception {
        return db.queryOne("SELECT COUNT(*) FROM executions WHERE status = ?", r -> r.getLong(1), status)
                .orElseThrow();
    }
}
