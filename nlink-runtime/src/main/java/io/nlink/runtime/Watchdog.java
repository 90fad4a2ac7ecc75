package io.nlink.runtime;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Stops guests that run too long; internal to the runtimes. By default it interrupts the guarded
 * thread: Chicory checks the interrupt flag in guest loops and calls, so a spinning wasm guest
 * stops within about a millisecond. A runtime that is stopped another way (a JavaScript context
 * is cancelled) passes its own action.
 *
 * <p>Every item is guarded, so arming and disarming must cost next to nothing. A deadline is
 * therefore not a scheduled task (scheduling and cancelling one wakes the timer thread twice, which
 * measured about 3.5 µs per JavaScript item, a third of its time): arming adds it to a set and
 * disarming removes it. One daemon sweeper thread sleeps until the earliest deadline in the set and
 * is woken only when a new deadline is earlier than the one it sleeps towards, which in a stream of
 * items with equal timeouts is about once per timeout period rather than once per item.
 *
 * <p>The delicate part is the race at the end of a call: the expiry action must never run after the
 * call has finished, or an interrupt would leak into the caller's next item. Each {@link Deadline}
 * settles it with one compare-and-set: either the sweeper claims it while the call is still
 * running, or the call ends first and the sweeper leaves it alone.
 */
public final class Watchdog {
    /** No instant: nothing armed. {@link System#nanoTime()} values are compared by difference, never with this. */
    private static final long NONE = Long.MAX_VALUE;
    private static final Set<Deadline> ARMED = ConcurrentHashMap.newKeySet();
    /** The instant the sweeper sleeps towards, or {@link #NONE} while it waits for a deadline. */
    private static volatile long wakeAt = NONE;
    /** How long the sweeper pauses after something went wrong in a sweep, before it sweeps again. */
    private static final long ERROR_PAUSE_NANOS = 1_000_000;
    private static final Thread SWEEPER = startSweeper();

    private Watchdog() {}

    /** Arms a deadline that interrupts the calling thread; {@link Deadline#close()} must follow the guarded work. */
    public static Deadline start(Duration timeout) {
        return arm(new Deadline(timeout, Thread.currentThread(), null));
    }

    /** Arms a deadline that runs {@code onExpiry} (at most once, never after {@link Deadline#close()}). */
    public static Deadline start(Duration timeout, Runnable onExpiry) {
        return arm(new Deadline(timeout, null, onExpiry));
    }

    private static Deadline arm(Deadline deadline) {
        ARMED.add(deadline);
        // Read after the add: either the sweeper's re-check sees this deadline, or this read sees
        // the sweeper's new wakeAt (both are volatile, so one of the two orders holds).
        if (before(deadline.at, wakeAt)) {
            LockSupport.unpark(SWEEPER);
        }
        return deadline;
    }

    /** How many deadlines are armed now; for tests that show nothing is left behind. */
    static int armedCount() {
        return ARMED.size();
    }

    private static Thread startSweeper() {
        Thread sweeper = new Thread(Watchdog::sweep, "nlink-sandbox-watchdog");
        sweeper.setDaemon(true);
        sweeper.start();
        return sweeper;
    }

    /**
     * The sweeper's loop. It must outlive anything: if it ended, no bound would ever fire again in
     * this process. So every Throwable is caught, Errors included (an expiry action or the sweep
     * itself may meet an OutOfMemoryError while a guest fills the heap, or a StackOverflowError).
     */
    private static void sweep() {
        while (true) {
            try {
                sweepOnce();
            } catch (Throwable t) {
                // most likely the heap is full right now: pause briefly rather than spin, then go on
                // (a wakeAt of now tells arm() that the sweeper looks again soon without waking it)
                wakeAt = System.nanoTime();
                LockSupport.parkNanos(ERROR_PAUSE_NANOS);
            }
            Thread.interrupted(); // nothing interrupts the sweeper on purpose; never let it stop
        }
    }

    private static void sweepOnce() {
        long next = expireDue();
        wakeAt = next;
        if (before(earliest(), next)) {
            return; // armed while we scanned, earlier than what we were about to sleep towards
        }
        if (next == NONE) {
            LockSupport.park();
        } else {
            LockSupport.parkNanos(next - System.nanoTime());
        }
    }

    /** Fires every deadline that is due; returns the earliest one still pending. */
    private static long expireDue() {
        long now = System.nanoTime();
        long next = NONE;
        for (Deadline deadline : ARMED) {
            if (deadline.at - now <= 0) {
                deadline.fire();
            } else if (before(deadline.at, next)) {
                next = deadline.at;
            }
        }
        return next;
    }

    private static long earliest() {
        long earliest = NONE;
        for (Deadline deadline : ARMED) {
            if (before(deadline.at, earliest)) {
                earliest = deadline.at;
            }
        }
        return earliest;
    }

    /** Whether instant {@code a} comes before {@code b}; {@link #NONE} comes after every instant. */
    private static boolean before(long a, long b) {
        return a != NONE && (b == NONE || a - b < 0);
    }

    /** One guarded call; close it (try-with-resources) when the call returns or throws. */
    public static final class Deadline implements AutoCloseable {
        private static final int ARMED_STATE = 0;
        private static final int FIRING = 1;
        private static final int FIRED = 2;
        private static final int CLOSED = 3;

        private final long at;
        /** The thread to interrupt, or null when {@link #onExpiry} stops the guest. */
        private final Thread interrupts;
        private final Runnable onExpiry;
        private final AtomicInteger state = new AtomicInteger(ARMED_STATE);

        private Deadline(Duration timeout, Thread interrupts, Runnable onExpiry) {
            this.at = System.nanoTime() + timeout.toNanos();
            this.interrupts = interrupts;
            this.onExpiry = onExpiry;
        }

        /** Runs on the sweeper thread. */
        private void fire() {
            ARMED.remove(this);
            if (!state.compareAndSet(ARMED_STATE, FIRING)) {
                return;
            }
            try {
                if (interrupts != null) {
                    interrupts.interrupt();
                } else {
                    onExpiry.run();
                }
            } catch (Throwable t) {
                // a failing stop action, even one that meets an Error, must not end the sweeper
            } finally {
                synchronized (this) {
                    state.set(FIRED);
                    notifyAll();
                }
            }
        }

        /** Whether the deadline passed before the guarded work ended. */
        public boolean expired() {
            int s = state.get();
            return s == FIRING || s == FIRED;
        }

        /** Ends the guarded work; clears the interrupt this deadline caused, and only that one. */
        @Override
        public void close() {
            if (state.compareAndSet(ARMED_STATE, CLOSED)) {
                ARMED.remove(this);
                return;
            }
            awaitExpiryAction();
            if (interrupts != null) {
                Thread.interrupted();
            }
        }

        /** The sweeper claimed this deadline: wait until its action is done so none of it lands later. */
        private synchronized void awaitExpiryAction() {
            boolean interrupted = false;
            while (state.get() == FIRING) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the interrupt we are waiting for; cleared by close()
                }
            }
            if (interrupted && interrupts == null) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
