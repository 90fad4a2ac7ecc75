package io.nlink.server.refusal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.server.http.Refusals;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class BusyGateTest {
    @Test
    void aCallerBeyondTheBoundWaitsBrieflyThenGets429WithRetryAfter() throws Exception {
        BusyGate gate = new BusyGate(1, Duration.ofMillis(200), "checking other passwords", 2);
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
                .isInstanceOfSatisfying(Busy.class, e -> {
                    assertThat(Refusals.status(e)).isEqualTo(429);
                    assertThat(e.retryAfterSeconds()).isEqualTo(2);
                })
                .hasMessage("the server is busy checking other passwords; try again in 2 s");
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
