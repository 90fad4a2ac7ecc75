package io.nlink.server.refusal;

import java.util.List;

/** The caller asks too often, or the work it asks for has no free slot now: it should wait and try again. */
public final class Busy extends Refusal {
    private final long retryAfterSeconds;

    /** Busy without a known wait. */
    public Busy(String message) {
        super(message, List.of());
        this.retryAfterSeconds = 0;
    }

    /** @param retryAfterSeconds how long to wait; at least 1, as a client must not be told to retry at once */
    public Busy(String message, long retryAfterSeconds) {
        super(message, List.of());
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    /** Seconds the caller should wait before trying again, or 0 when no wait is known. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
