package io.nlink.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.server.http.Refusals;
import io.nlink.server.refusal.Busy;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The throttle's table bound and timing, on a clock the test moves (the HTTP behaviour is SignInDefenceTest's). */
class LoginThrottleTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-01-01T00:00:00Z"));
    private final InstantSource clock = now::get;

    @Test
    void aFullTableKeepsItsLockOuts() {
        LoginThrottle throttle = new LoginThrottle(clock, 100);
        lockOut(throttle, "victim", "10.0.0.1");
        // A flood of new names, each from a fresh address, to push the lock-out out of the table.
        for (int i = 0; i < 1_000; i++) {
            tick(Duration.ofMillis(10));
            throttle.begin("flood-" + i, "10.1." + (i / 256) + "." + (i % 256));
        }
        assertThat(throttle.tracked()).isLessThanOrEqualTo(2 * 100);
        assertLocked(throttle, "victim", "10.0.0.2", "for this account");
    }

    @Test
    void aLockOutLetsOneAttemptThroughAfterTheMinuteAndItsFailureLocksAgain() {
        LoginThrottle throttle = new LoginThrottle(clock, 100);
        lockOut(throttle, "tom", "10.0.0.1");
        tick(LoginThrottle.LOCKOUT.plusSeconds(1));
        throttle.begin("tom", "10.0.0.1");
        assertLocked(throttle, "tom", "10.0.0.1", "for this account");
        tick(LoginThrottle.FORGET_AFTER.plusSeconds(1));
        throttle.begin("tom", "10.0.0.1").succeeded();
    }

    @Test
    void aSuccessForgivesTheNameAndACancelledAttemptDoesNotCount() {
        LoginThrottle throttle = new LoginThrottle(clock, 100);
        for (int i = 0; i < 10; i++) throttle.begin("ann", "10.0.0.1").cancelled();
        for (int i = 0; i < LoginThrottle.FREE_FAILURES_PER_NAME - 1; i++) throttle.begin("ann", "10.0.0.1");
        throttle.begin("ann", "10.0.0.1").succeeded();
        for (int i = 0; i < LoginThrottle.FREE_FAILURES_PER_NAME; i++) throttle.begin("ann", "10.0.0.1");
        assertLocked(throttle, "ann", "10.0.0.1", "for this account");
    }

    private void lockOut(LoginThrottle throttle, String name, String address) {
        for (int i = 0; i < LoginThrottle.FREE_FAILURES_PER_NAME; i++) throttle.begin(name, address);
        assertLocked(throttle, name, address, "for this account");
    }

    private static void assertLocked(LoginThrottle throttle, String name, String address, String why) {
        assertThatThrownBy(() -> throttle.begin(name, address))
                .isInstanceOfSatisfying(Busy.class, e -> {
                    assertThat(Refusals.status(e)).isEqualTo(429);
                    assertThat(e.retryAfterSeconds()).isBetween(1L, 60L);
                })
                .hasMessageContaining(why);
    }

    private void tick(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }
}
