package io.nlink.runtime.wasm;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Stops guests that run too long. Chicory checks the executing thread's interrupt flag in guest
 * loops and calls, so interrupting the thread stops a spinning guest within about a millisecond;
 * one daemon thread serves every sandbox in the process.
 *
 * <p>The delicate part is the race at the end of a call: the interrupt must never land after the
 * call has finished and leak into the caller's next item. {@link Deadline} settles it with a lock:
 * either the watchdog fires while the call is still running, or the call ends first and the
 * watchdog does nothing.
 */
final class Watchdog {
    private static final ScheduledThreadPoolExecutor TIMER = createTimer();

    private Watchdog() {}

    private static ScheduledThreadPoolExecutor createTimer() {
        var timer =
                new ScheduledThreadPoolExecutor(
                        1,
                        runnable -> {
                            Thread t = Executors.defaultThreadFactory().newThread(runnable);
                            t.setName("nlink-sandbox-watchdog");
                            t.setDaemon(true);
                            return t;
                        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Arms a deadline for the calling thread; {@link Deadline#close()} must follow the guarded work. */
    static Deadline start(Duration timeout) {
        Deadline deadline = new Deadline(Thread.currentThread());
        deadline.future = TIMER.schedule(deadline::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return deadline;
    }

    static final class Deadline implements AutoCloseable {
        private final Thread thread;
        private ScheduledFuture<?> future;
        private boolean finished;
        private boolean expired;

        private Deadline(Thread thread) {
            this.thread = thread;
        }

        private synchronized void expire() {
            if (!finished) {
                expired = true;
                thread.interrupt();
            }
        }

        synchronized boolean expired() {
            return expired;
        }

        /** Ends the guarded work; clears the interrupt this deadline caused, and only that one. */
        @Override
        public void close() {
            boolean fired;
            synchronized (this) {
                finished = true;
                fired = expired;
            }
            future.cancel(false);
            if (fired) {
                Thread.interrupted();
            }
        }
    }
}
