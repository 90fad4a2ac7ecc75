package io.nlink.server.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.json.Json;
import io.nlink.server.db.Database;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
                Json.write(Json.MAPPER.createObjectNode().put("status", status)));
    }

    @Test
    void largeRecordsWaitingForASlowDatabaseAreBoundedBySizeNotOnlyByCount() throws Exception {
        try (Database db = Database.open(null, null, null, data)) {
            List<Long> ids = startedRuns(db, 40);
            CountDownLatch pruning = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // The writer's first prune blocks it: from then on what is handed over waits, as behind a slow database.
            ExecutionRecorder recorder = new ExecutionRecorder(db, () -> {
                pruning.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                Thread.sleep(1100); // a prune is due with the first record
                recorder.finished(large(ids.get(0), 1));
                assertThat(pruning.await(30, TimeUnit.SECONDS)).isTrue();
                // Records just under 2 Mi characters: 16 Mi wait at most, so eight wait and the ninth is
                // written by this thread at once.
                int almost2Mi = 2 * 1024 * 1024 - 64;
                for (int i = 1; i <= 8; i++) recorder.finished(large(ids.get(i), almost2Mi));
                assertThat(statusCount(db, "success"))
                        .as("the first, written before the prune")
                        .isEqualTo(1);
                recorder.finished(large(ids.get(9), almost2Mi));
                assertThat(statusCount(db, "success"))
                        .as("the ninth large record did not wait")
                        .isEqualTo(2);
            } finally {
                release.countDown();
                recorder.close();
            }
            assertThat(statusCount(db, "success")).as("nothing lost").isEqualTo(10);
        }
    }

    private static ExecutionRecorder.Finished large(long id, int chars) {
        Instant now = Instant.now();
        String record = Json.write(
                Json.MAPPER.createObjectNode().put("status", "success").put("body", "x".repeat(chars)));
        return new ExecutionRecorder.Finished(id, "success", now, now, null, null, record);
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
