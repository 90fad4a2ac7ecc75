package io.nlink.server.refusal;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how many of one kind of costly work run at once, for work anyone can ask for (a password
 * hash at sign-in, an upload's validation): without a bound, a few clients keep every core and
 * request thread busy and starve the workflows. A caller beyond the bound waits up to its wait and
 * is then refused as {@link Busy}, with a wait (429 and Retry-After), so waiting callers never pile up; an honest client
 * retries. Thread-safe.
 */
public final class BusyGate {
    private final Semaphore permits;
    private final Duration wait;
    private final String busyWith;
    private final long retryAfterSeconds;

    /**
     * @param concurrent how many may run at once (at least 1)
     * @param wait how long a caller beyond that waits for a turn
     * @param busyWith what the server is busy with, for the refusal ("checking other passwords")
     * @param retryAfterSeconds the refusal's Retry-After
     */
    public BusyGate(int concurrent, Duration wait, String busyWith, long retryAfterSeconds) {
        this.permits = new Semaphore(Math.max(1, concurrent), true);
        this.wait = wait;
        this.busyWith = busyWith;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Runs {@code work} when a turn comes within the wait; otherwise {@link Busy} and {@code work} does not run. */
    public <T, E extends Exception> T run(Work<T, E> work) throws E {
        boolean acquired;
        try {
            acquired = permits.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw new Busy(
                    "the server is busy " + busyWith + "; try again in " + retryAfterSeconds + " s", retryAfterSeconds);
        }
        try {
            return work.get();
        } finally {
            permits.release();
        }
    }

    /** Work that may throw a checked exception of a known type. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T get() throws E;
    }
}
