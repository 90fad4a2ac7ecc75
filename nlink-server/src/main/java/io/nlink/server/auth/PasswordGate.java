package io.nlink.server.auth;

import io.nlink.server.http.ApiException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Bounds how many password hashes are computed at once. Each is 600,000 PBKDF2 iterations, and
 * sign-in is open to anyone: without a bound, a few anonymous clients keep every core busy and
 * starve the workflows. One hash per core may run; a caller beyond that waits up to
 * {@link #WAIT} and is then refused with 429 and Retry-After, so waiting callers never pile up
 * without bound.
 */
final class PasswordGate {
    /** Long enough to ride out a burst of honest sign-ins, short enough to hold no thread for long. */
    static final Duration WAIT = Duration.ofSeconds(2);

    static final long RETRY_AFTER_SECONDS = 2;

    /** The one gate all password work of this process passes through. */
    static final PasswordGate SHARED = new PasswordGate(Runtime.getRuntime().availableProcessors(), WAIT);

    private final Semaphore permits;
    private final Duration wait;

    PasswordGate(int concurrent, Duration wait) {
        this.permits = new Semaphore(Math.max(1, concurrent), true);
        this.wait = wait;
    }

    /** Runs {@code work} when a permit is free within the wait; otherwise 429 and {@code work} does not run. */
    <T> T run(Supplier<T> work) {
        boolean acquired;
        try {
            acquired = permits.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw ApiException.tooManyRequests(
                    "the server is busy checking other passwords; try again in " + RETRY_AFTER_SECONDS + " s",
                    RETRY_AFTER_SECONDS);
        }
        try {
            return work.get();
        } finally {
            permits.release();
        }
    }
}
