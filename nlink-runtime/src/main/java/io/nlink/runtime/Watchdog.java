package io.nlink.runtime;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Stops guests that run too long; internal to the runtimes. By default it interrupts the guarded
 * thread: Chicory checks the interrupt flag in guest loops and calls, so a spinning wasm guest
 * stops within about a millisecond. A runtime that is stopped another way (a JavaScript context
 * is cancelled) passes its own action. One daemon thread serves every sandbox in the process.
 *
 * <p>The delicate part is the race at the end of a call: the interrupt must never land after the
 * call has finished and leak into the caller's next item. {@link Deadline} settles it with a lock:
 * either the watchdog fires while the call is still running, or the call ends first and the
 * watchdog does nothing.
 */
public final class Watchdog {
    private static final ScheduledThreadPoolExecutor TIMER = DaemonTimer.create("nlink-sandbox-watchdog");

    private Watchdog() {}

    /** Arms a deadline that interrupts the calling thread; {@link Deadline#close()} must follow the guarded work. */
    public static Deadline start(Duration timeout) {
        Thread thread = Thread.currentThread();
        return start(timeout, thread::interrupt, true);
    }

    /** Arms a deadline that runs {@code onExpiry} (at most once, never after {@link Deadline#close()}). */
    public static Deadline start(Duration timeout, Runnable onExpiry) {
        return start(timeout, onExpiry, false);
    }

    private static Deadline start(Duration timeout, Runnable onExpiry, boolean interrupts) {
        Deadline deadline = new Deadline(onExpiry, interrupts);
        deadline.future = TIMER.schedule(deadline::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return deadline;
    }

    public static final class Deadline implements AutoCloseable {
        private final Runnable onExpiry;
        private final boolean interrupts;
        private ScheduledFuture<?> future;
        private boolean finished;
        private boolean expired;

        private Deadline(Runnable onExpiry, boolean interrupts) {
            this.onExpiry = onExpiry;
            this.interrupts = interrupts;
        }

        private synchronized void expire() {
            if (!finished) {
                expired = true;
                onExpiry.run();
            }
        }

        public synchronized boolean expired() {
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
            if (fired && interrupts) {
                Thread.interrupted();
            }
        }
    }
}
