package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.wasm.InvalidModuleException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds what loading modules takes from the host: the parse and compile of each module runs on a
 * worker thread of its own, at most {@link #SLOTS} at once in the process (one per core), and is
 * stopped once that thread has used its budget of CPU time. CPU time, not wall time, so that a
 * real module on a busy machine (the Go node took 19 s of wall time at a load average of 18, about
 * 3 s quiet) is not refused for its neighbours' work; where the JVM cannot measure a thread's CPU
 * time, wall time counts instead.
 *
 * <p>The compiler cannot be stopped at any instruction: it is interrupted, and stops at its next
 * generated class ({@link EndiveCompiler}). The caller does not wait for that; it is refused at
 * the budget. The worker keeps its slot until it has really ended, so stopped compiles still
 * count against {@link #SLOTS} and can never add up to more cores than that.
 */
final class CompileBudget {
    private CompileBudget() {}

    /** Compiles that may run at once in this process: one per core. */
    static final int SLOTS = Math.max(1, Runtime.getRuntime().availableProcessors());

    /** How often a waiting caller reads the worker's CPU time; the latest a refusal comes. */
    private static final long POLL_MILLIS = 25;

    /**
     * Stack of a compile worker: Endive's compiler recurses over a function's nested blocks, and a
     * module may nest as deep as its function size allows.
     */
    private static final long WORKER_STACK_BYTES = 64L << 20;

    private static final Semaphore FREE = new Semaphore(SLOTS, true);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final AtomicInteger WORKERS = new AtomicInteger();

    /**
     * Runs {@code compile} on a compile worker and returns once it is done, or refuses the module
     * once the worker has used {@code budget} of CPU time (the compile is cancelled: every waiter
     * on {@code compile} sees a {@link java.util.concurrent.CancellationException}). Waits for a
     * free slot first, at most {@code budget} (wall time).
     *
     * @throws InvalidModuleException when the compile ran out of its budget
     * @throws IllegalStateException when no slot came free within the budget, or the caller was
     *     interrupted (the compile is cancelled either way)
     */
    static void run(FutureTask<?> compile, Duration budget, String module) throws InvalidModuleException {
        try {
            if (!FREE.tryAcquire(budget.toMillis(), TimeUnit.MILLISECONDS)) {
                compile.cancel(false);
                throw new IllegalStateException("no compile slot came free within " + seconds(budget.toNanos()) + ": "
                        + SLOTS + " modules are being compiled; try again later");
            }
        } catch (InterruptedException e) {
            compile.cancel(false);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to compile module " + module, e);
        }
        Thread worker;
        try {
            worker = new Thread(
                    null,
                    () -> {
                        try {
                            compile.run();
                        } finally {
                            FREE.release();
                        }
                    },
                    "nlink-compile-" + WORKERS.incrementAndGet(),
                    WORKER_STACK_BYTES);
            worker.setDaemon(true);
            worker.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            FREE.release();
            compile.cancel(false);
            throw e;
        }
        awaitWithin(compile, worker, budget.toNanos());
    }

    private static void awaitWithin(Future<?> compile, Thread worker, long budgetNanos) throws InvalidModuleException {
        long start = System.nanoTime();
        long cpuAtStart = cpuTime(worker);
        while (true) {
            try {
                compile.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException | java.util.concurrent.CancellationException done) {
                return; // the caller reads the outcome from the task itself
            } catch (TimeoutException stillCompiling) {
                long cpu = cpuTime(worker);
                long used = cpu < 0 || cpuAtStart < 0 ? System.nanoTime() - start : cpu - cpuAtStart;
                if (used > budgetNanos && !compile.isDone()) {
                    compile.cancel(true);
                    throw new InvalidModuleException(List.of(overBudget(budgetNanos, System.nanoTime() - start)));
                }
            } catch (InterruptedException e) {
                compile.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while compiling", e);
            }
        }
    }

    /** The refusal of a module whose load ran past its budget, for every caller that waited on it. */
    static String overBudget(long budgetNanos, long wallNanos) {
        return "loading it (parse and compile) took more than the host's compile budget of "
                + seconds(budgetNanos) + " of CPU time, and was stopped after " + seconds(wallNanos)
                + ": build a smaller module (fewer and smaller functions, without debug information)";
    }

    private static long cpuTime(Thread worker) {
        try {
            return THREADS.isThreadCpuTimeSupported() ? THREADS.getThreadCpuTime(worker.threadId()) : -1;
        } catch (UnsupportedOperationException e) {
            return -1;
        }
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
