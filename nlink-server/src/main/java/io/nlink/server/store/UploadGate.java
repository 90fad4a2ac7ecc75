package io.nlink.server.store;

import io.nlink.server.http.ApiException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how many uploads are validated (compiled, started, their golden vectors run) at once.
 * Each can take seconds of a core, up to the runtime's compile budget, and uploads need only a
 * signed-in member: without a bound, a few clients uploading modules that are slow to compile hold
 * as many request threads and every core. One validation per core may run; an upload beyond that
 * waits up to {@link #WAIT} and is then refused with 429 and Retry-After. Refusing rather than
 * queueing: a queued upload would hold its request thread for as long as the ones ahead of it
 * take, and an honest client (the dashboard, {@code nlink publish}) can simply retry.
 */
final class UploadGate {
    /** Long enough for an honest upload that arrives beside another to get its turn. */
    static final Duration WAIT = Duration.ofSeconds(5);

    /** About what validating the Go example takes on a busy 2-core machine. */
    static final long RETRY_AFTER_SECONDS = 10;

    private final Semaphore permits;
    private final Duration wait;

    UploadGate(int concurrent, Duration wait) {
        this.permits = new Semaphore(Math.max(1, concurrent), true);
        this.wait = wait;
    }

    /** Runs {@code validation} when a permit is free within the wait; otherwise 429 and it does not run. */
    <T, E extends Exception> T run(ThrowingSupplier<T, E> validation) throws E {
        boolean acquired;
        try {
            acquired = permits.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw ApiException.tooManyRequests(
                    "the server is busy validating other uploads; try again in " + RETRY_AFTER_SECONDS + " s",
                    RETRY_AFTER_SECONDS);
        }
        try {
            return validation.get();
        } finally {
            permits.release();
        }
    }

    /** Work that may throw a checked exception of a known type. */
    @FunctionalInterface
    interface ThrowingSupplier<T, E extends Exception> {
        T get() throws E;
    }
}
