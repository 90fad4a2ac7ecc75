package io.nlink.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.server.http.ApiException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class PasswordGateTest {
    @Test
    void aCallerBeyondTheBoundWaitsBrieflyThenGets429WithRetryAfter() throws Exception {
        PasswordGate gate = new PasswordGate(1, Duration.ofMillis(200));
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> busy = CompletableFuture.supplyAsync(() -> gate.run(() -> {
            running.countDown();
            await(release);
            return "first";
        }));
        running.await();
        long started = System.nanoTime();
        assertThatThrownBy(() -> gate.run(() -> "second"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.retryAfterSeconds()).isPositive();
                })
                .hasMessageContaining("busy checking other passwords");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        release.countDown();
        assertThat(busy.get()).isEqualTo("first");
        assertThat(gate.run(() -> "third")).as("the permit came back").isEqualTo("third");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
