package io.nlink.server.workflows;

import io.nlink.server.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes how executions ended off the threads that ran them: one writer thread takes every
 * record waiting (at most {@value #MAX_QUEUED} records and {@value #MAX_QUEUED_CHARS} characters of
 * them wait) and writes them in one transaction, then prunes old executions when a second has
 * passed since it last did (pruning counts rows, so once per execution it cost more than the
 * execution itself: docs/performance.md). The caller of a webhook has its answer without waiting
 * for either.
 *
 * <p>Nothing is lost on shutdown: {@link #close} writes everything queued before it returns, and
 * a record handed over after that is written at once by the thread handing it over. A reader of
 * executions calls {@link #flush} first, so what the API shows includes every run that has
 * answered. Only a process killed outright loses what was queued (at most the last few
 * milliseconds of runs): their rows stay {@code running} from the start record and are marked
 * crashed, input kept, when the server starts again.
 */
final class ExecutionRecorder implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ExecutionRecorder.class);

    /**
     * Outcomes waiting at most; past it, a run's own thread writes its outcome, so a database
     * slower than the runs slows the runs instead of filling the heap.
     */
    private static final int MAX_QUEUED = 4096;
    /**
     * Characters of record text waiting at most (up to twice as many bytes of heap): records hold a
     * webhook's body and a sample of the output, so a count alone let a slow database and large
     * bodies queue hundreds of MiB (docs/reliability.md, H2 heap).
     */
    private static final long MAX_QUEUED_CHARS = 16L * 1024 * 1024;
    /** Records written per transaction at most. */
    private static final int BATCH = 256;
    /** How often old executions are pruned while runs finish. */
    private static final long PRUNE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * How one execution ended, as its row says it.
     *
     * @param record the execution record's JSON text, made by the run's thread: what waits is
     *     measured by it
     */
    record Finished(
            long id,
            String status,
            Instant startedAt,
            Instant finishedAt,
            String error,
            String errorNode,
            String record) {}

    /** Deletes executions past the retention policy. */
    @FunctionalInterface
    interface Pruner {
        void prune() throws SQLException;
    }

    private static final Object STOP = new Object();

    private final Database db;
    private final Pruner pruner;
    /** {@link Finished} records, flush barriers ({@link CompletableFuture}) and {@link #STOP}, in order. */
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();

    private final Thread writer;
    private volatile boolean closed;
    /** Runs ended since the last prune. */
    private final java.util.concurrent.atomic.AtomicLong unprunedRuns = new java.util.concurrent.atomic.AtomicLong();
    /** Characters of the records in the queue. */
    private final java.util.concurrent.atomic.AtomicLong queuedChars = new java.util.concurrent.atomic.AtomicLong();

    private long lastPrune = System.nanoTime();

    ExecutionRecorder(Database db, Pruner pruner) {
        this.db = db;
        this.pruner = pruner;
        this.writer =
                Thread.ofPlatform().daemon().name("nlink-execution-writer").start(this::writeUntilClosed);
    }

    /** Writes {@code finished} soon; at once when the recorder is closed. */
    void finished(Finished finished) {
        if (queue.size() >= MAX_QUEUED || !reserve(finished.record().length())) {
            write(List.of(finished));
            written();
            return;
        }
        queue.add(finished);
        if (closed) drainHere();
    }

    /** Counts {@code chars} as queued when they fit under {@link #MAX_QUEUED_CHARS}. */
    private boolean reserve(long chars) {
        if (queuedChars.addAndGet(chars) <= MAX_QUEUED_CHARS) return true;
        queuedChars.addAndGet(-chars);
        return false;
    }

    /** A run's outcome was written by its own thread: counts towards the next prune. */
    void written() {
        unprunedRuns.incrementAndGet();
    }

    /** Returns once every record handed over before the call is written and old executions are pruned. */
    void flush() {
        if (closed || Thread.currentThread() == writer) {
            drainHere();
            return;
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        queue.add(written);
        if (closed) drainHere(); // the writer may have stopped before it saw the barrier
        written.join();
    }

    private void writeUntilClosed() {
        List<Object> taken = new ArrayList<>();
        while (true) {
            try {
                Object first = queue.poll(PRUNE_EVERY_NANOS, TimeUnit.NANOSECONDS);
                taken.clear();
                if (first != null) {
                    taken.add(first);
                    queue.drainTo(taken, BATCH - 1);
                }
                if (process(taken)) return;
            } catch (InterruptedException e) {
                return; // close() writes what is left
            } catch (RuntimeException | Error e) {
                LOG.error("the execution writer failed; it carries on", e);
            }
        }
    }

    /** Writes the records among {@code taken}, prunes when due, releases the barriers; true at {@link #STOP}. */
    private synchronized boolean process(List<Object> taken) {
        List<Finished> records = new ArrayList<>();
        List<CompletableFuture<?>> barriers = new ArrayList<>();
        boolean stop = false;
        for (Object o : taken) {
            if (o instanceof Finished f) records.add(f);
            else if (o instanceof CompletableFuture<?> barrier) barriers.add(barrier);
            else stop = true;
        }
        write(records);
        queuedChars.addAndGet(
                -records.stream().mapToLong(f -> f.record().length()).sum());
        unprunedRuns.addAndGet(records.size());
        if (unprunedRuns.get() > 0
                && (!barriers.isEmpty() || stop || System.nanoTime() - lastPrune >= PRUNE_EVERY_NANOS)) {
            try {
                pruner.prune();
            } catch (SQLException | RuntimeException e) {
                LOG.warn("pruning old executions failed; trying again in a second: {}", e.getMessage());
            }
            unprunedRuns.set(0);
            lastPrune = System.nanoTime();
        }
        barriers.forEach(b -> b.complete(null));
        return stop;
    }

    /** Everything queued, written by this thread. */
    private void drainHere() {
        List<Object> taken = new ArrayList<>();
        queue.drainTo(taken);
        taken.removeIf(o -> o == STOP);
        process(taken);
    }

    /** One transaction for all; should it fail, each record alone, so one bad record costs only itself. */
    private void write(List<Finished> records) {
        if (records.isEmpty()) return;
        try {
            db.transaction(c -> update(c, records));
        } catch (SQLException | RuntimeException batchFailed) {
            for (Finished f : records) {
                try {
                    db.transaction(c -> update(c, List.of(f)));
                } catch (SQLException | RuntimeException e) {
                    LOG.error(
                            "execution {}: its outcome ({}) could not be written; its record stays as it started",
                            f.id(),
                            f.status(),
                            e);
                }
            }
        }
    }

    private static int update(Connection c, List<Finished> records) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE executions SET status = ?, started_at = ?, finished_at = ?, error = ?, error_node = ?, record = ? WHERE id = ?")) {
            for (Finished f : records) {
                s.setString(1, f.status());
                s.setObject(2, f.startedAt().atOffset(ZoneOffset.UTC));
                s.setObject(3, f.finishedAt().atOffset(ZoneOffset.UTC));
                s.setString(4, f.error());
                s.setString(5, f.errorNode());
                s.setString(6, f.record());
                s.setLong(7, f.id());
                s.addBatch();
            }
            s.executeBatch();
            return records.size();
        }
    }

    /** Writes everything queued, then stops the writer. */
    @Override
    public void close() {
        closed = true;
        queue.add(STOP);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) writer.interrupt();
        drainHere();
    }
}
