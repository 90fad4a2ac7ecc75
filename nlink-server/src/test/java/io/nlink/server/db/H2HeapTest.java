package io.nlink.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Execution records written to the embedded H2 database are not kept on the heap (issue 23, docs/
 * reliability.md "H2 heap"). With H2's object cache on, the last 1,024 strings bound to any
 * statement stayed reachable through a soft reference, which full collections keep while the heap
 * has room: the heap after GC grew by a record per execution. The long form of this check is
 * scripts/soak-h2.sh (a real server under webhook load for 10 minutes).
 */
class H2HeapTest {
    private static final int RECORDS = 1_500;
    private static final int RECORD_CHARS = 64 * 1024;

    @Test
    void writingLargeRecordsLeavesNoneOfThemOnTheHeap(@TempDir Path data) throws Exception {
        long heapBefore;
        try (Database db = Database.open(null, null, null, data)) {
            Instant now = Instant.now();
            long workflow = db.transaction(c -> Database.insert(
                    c,
                    "INSERT INTO workflows (name, definition, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    "heap",
                    "{}",
                    false,
                    now,
                    now));
            heapBefore = usedHeapAfterGc();
            String lastWritten = null;
            for (int i = 0; i < RECORDS; i++) {
                lastWritten = record(i);
                db.update(
                        "INSERT INTO executions (workflow_id, mode, status, started_at, finished_at, record) VALUES (?, ?, ?, ?, ?, ?)",
                        workflow,
                        "webhook",
                        "success",
                        now,
                        now,
                        lastWritten);
                // Pruned as the server does, so the table itself stays small.
                if (i % 50 == 49) db.update("DELETE FROM executions WHERE workflow_id = ?", workflow);
            }
            // H2 hands back its cached instance for an equal string when it kept one.
            String equalCopy = new String(lastWritten.toCharArray());
            assertThat(org.h2.util.StringUtils.cache(equalCopy))
                    .as("H2 kept the last record written")
                    .isSameAs(equalCopy);
            assertThat(db.queryOne("SELECT COUNT(*) FROM executions", r -> r.getLong(1)))
                    .contains(0L);
        }
        // Read once the store is closed: H2 keeps a CLOB's pages softly while the store is open (on a
        // large heap they outlive a System.gc()); what H2 holds beyond its store, such as its object
        // cache, stays. 96 MiB written; that cache kept about 50 MiB of it.
        long heapAfter = usedHeapAfterGc();
        assertThat((heapAfter - heapBefore) / 1048576.0)
                .as("MiB of heap after GC grown by %d records of %d KiB", RECORDS, RECORD_CHARS / 1024)
                .isLessThan(24);
    }

    /** A distinct JSON-like text of RECORD_CHARS characters. */
    private static String record(int i) {
        StringBuilder s =
                new StringBuilder(RECORD_CHARS).append("{\"run\":").append(i).append(",\"pad\":\"");
        while (s.length() < RECORD_CHARS - 2) s.append((char) ('a' + (s.length() + i) % 26));
        return s.append("\"}").toString();
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
