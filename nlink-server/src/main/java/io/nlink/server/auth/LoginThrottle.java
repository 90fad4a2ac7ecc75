package io.nlink.server.auth;

import io.nlink.server.http.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing: after {@link #FREE_FAILURES} wrong passwords for one username, further
 * attempts for it are refused (429) until {@link #LOCKOUT} has passed since the last failure.
 * Kept in memory: a restart forgives, which is acceptable for a bound on guessing speed.
 */
final class LoginThrottle {
    static final int FREE_FAILURES = 5;
    static final Duration LOCKOUT = Duration.ofMinutes(1);
    private static final int MAX_TRACKED = 10_000;

    private record Failures(int count, Instant last) {}

    private final ConcurrentHashMap<String, Failures> failures = new ConcurrentHashMap<>();

    void check(String username) {
        Failures f = failures.get(username);
        if (f != null && f.count() >= FREE_FAILURES) {
            Duration left = Duration.between(Instant.now(), f.last().plus(LOCKOUT));
            if (!left.isNegative()) {
                throw new ApiException(429, "too many wrong passwords for this account; try again in " + Math.max(1, left.toSeconds()) + " s");
            }
        }
    }

    void failed(String username) {
        if (failures.size() >= MAX_TRACKED) failures.clear(); // a flood of names must not grow memory
        failures.merge(username, new Failures(1, Instant.now()), (old, one) -> new Failures(old.count() + 1, one.last()));
    }

    void succeeded(String username) {
        failures.remove(username);
    }
}
