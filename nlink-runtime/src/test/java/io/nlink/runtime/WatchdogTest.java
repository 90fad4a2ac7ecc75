package io.nlink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.internal.Watchdog;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The watchdog stops work that overruns, and nothing else: no action after a call has ended, no
 * interrupt left behind for the next item, no deadline left armed.
 */
class WatchdogTest {
    /** How long a test waits for something that should happen within milliseconds before it fails. */
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(20);

    @Test
    void anOverrunningCallIsInterruptedAndTheInterruptIsClearedOnClose() {
        Watchdog.Deadline deadline = Watchdog.start(Duration.ofMillis(20));
        try (deadline) {
            spinUntilInterrupted();
            assertThat(deadline.expired()).isTrue();
        }
        assertThat(Thread.currentThread().isInterrupted())
                .as("interrupt left for the next item")
                .isFalse();
        assertThat(Watchdog.armedCount()).isZero();
    }

    @Test
    void aCallThatEndsInTimeIsLeftAlone() throws Exception {
        AtomicInteger actions = new AtomicInteger();
        for (int i = 0; i < 100_000; i++) {
            try (Watchdog.Deadline deadline = Watchdog.start(Duration.ofSeconds(30), actions::incrementAndGet)) {
                assertThat(deadline.expired()).isFalse();
            }
        }
        Thread.sleep(50);
        assertThat(actions.get()).isZero();
        assertThat(Watchdog.armedCount()).isZero();
    }

    @Test
    void anEarlierDeadlineIsHonouredWhileALaterOneIsPending() throws Exception {
        CountDownLatch armed = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread longCall = new Thread(() -> {
            try (Watchdog.Deadline ignored = Watchdog.start(Duration.ofMinutes(10), () -> {})) {
                armed.countDown();
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        longCall.start();
        armed.await();
        Thread.sleep(20); // let the sweeper settle on the ten-minute deadline
        try {
            try (Watchdog.Deadline deadline = Watchdog.start(Duration.ofMillis(20))) {
                spinUntilInterrupted();
                assertThat(deadline.expired()).isTrue();
            }
        } finally {
            done.countDown();
            longCall.join();
        }
        assertThat(Watchdog.armedCount()).isZero();
    }

    /**
     * An expiry action that throws an Error (as {@code context.close(true)} may while a script
     * fills the heap) neither ends the sweeper nor leaves its deadline half-fired: a later deadline
     * still fires, and the failed one reads as expired.
     */
    @Test
    void anActionThatThrowsAnErrorDoesNotStopTheSweeper() {
        AtomicInteger thrown = new AtomicInteger();
        for (Error error : new Error[] {new OutOfMemoryError("test: the heap is full"), new StackOverflowError()}) {
            try (Watchdog.Deadline deadline = Watchdog.start(Duration.ofMillis(5), () -> {
                thrown.incrementAndGet();
                throw error;
            })) {
                long start = System.nanoTime();
                while (!deadline.expired()) {
                    if (System.nanoTime() - start > PATIENCE_NANOS) {
                        throw new AssertionError("the deadline did not fire within 20 s");
                    }
                    Thread.onSpinWait();
                }
            }
        }
        assertThat(thrown.get()).isEqualTo(2);
        try (Watchdog.Deadline later = Watchdog.start(Duration.ofMillis(20))) {
            spinUntilInterrupted();
            assertThat(later.expired()).isTrue();
        }
        assertThat(Watchdog.armedCount()).isZero();
    }

    /**
     * Deadlines that expire just as calls end, on several threads at once: every action that ran
     * ran before its call ended, each at most once, and no thread keeps an interrupt it did not get
     * from a deadline that fired.
     */
    @Test
    void theExpiryActionNeverRunsAfterTheCallEnded() throws Exception {
        AtomicInteger late = new AtomicInteger();
        AtomicInteger fired = new AtomicInteger();
        AtomicInteger leaked = new AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 2_000; i++) {
                    AtomicBoolean ended = new AtomicBoolean();
                    AtomicInteger runs = new AtomicInteger();
                    Duration timeout = Duration.ofNanos(50_000 + (i % 7) * 20_000);
                    Watchdog.Deadline deadline = i % 2 == 0
                            ? Watchdog.start(timeout) // interrupts: shows whether one leaks past close
                            : Watchdog.start(timeout, () -> {
                                if (ended.get() || runs.incrementAndGet() > 1) {
                                    late.incrementAndGet();
                                }
                            });
                    try (deadline) {
                        long until = System.nanoTime() + (i % 5) * 30_000;
                        while (System.nanoTime() - until < 0) {
                            Thread.onSpinWait();
                        }
                    }
                    ended.set(true);
                    if (deadline.expired()) {
                        fired.incrementAndGet();
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        leaked.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        Thread.sleep(50);
        assertThat(late.get()).as("actions after the call ended or twice").isZero();
        assertThat(leaked.get()).isZero();
        assertThat(fired.get())
                .as("some deadlines should have expired mid-call")
                .isPositive();
        assertThat(Watchdog.armedCount()).isZero();
    }

    private static void spinUntilInterrupted() {
        long start = System.nanoTime();
        while (!Thread.currentThread().isInterrupted()) {
            if (System.nanoTime() - start > PATIENCE_NANOS) {
                throw new AssertionError("the watchdog did not interrupt within 20 s");
            }
            Thread.onSpinWait();
        }
    }
}
