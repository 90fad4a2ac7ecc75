package io.nlink.runtime.internal;

import io.nlink.runtime.Cancellation;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Stops guests that run too long; internal to the runtimes. By default it interrupts the guarded
 * thread: the engine (Endive) checks the interrupt flag in guest loops and calls, so a spinning wasm guest
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
 * <p>A deadline may also carry an allocation budget (JavaScript runs do: GraalJS's community
 * edition cannot cap a context's heap). The sweeper then wakes every {@link #SAMPLE_NANOS} while at
 * least one budgeted deadline is armed, and never otherwise; each wake reads how much each guarded
 * thread has allocated since its call began ({@link AllocationMeter}, about 0.1 µs a thread). A call
 * over its budget is stopped like one past its time, but only while the heap is at risk (its tenured
 * pools leave less than two budgets of room per metered call):
 * allocation counts garbage too, and an honest loop in GraalJS's interpreter allocates hundreds of
 * MB a second that the next young collection frees. Arming costs one more counter read on the
 * calling thread (about 35 ns).
 *
 * <p>A deadline may also be tied to a caller's {@link Cancellation}: cancelling it stops the guest
 * with the same action, at once, from the cancelling thread ({@link Deadline#canceled()} then
 * tells), so a cancelled call ends as promptly as one past its time.
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
    /**
     * How often the allocation of budgeted calls is read. A script allocating as fast as GraalJS
     * can (about 1 GB/s on one core) gets about 5 MB past its budget before it is seen.
     */
    static final long SAMPLE_NANOS = 5_000_000;
    /** Armed deadlines with an allocation budget; the sweeper samples while there are any. */
    private static final AtomicInteger METERED = new AtomicInteger();
    /** How long the sweeper pauses after something went wrong in a sweep, before it sweeps again. */
    private static final long ERROR_PAUSE_NANOS = 1_000_000;

    private static final Thread SWEEPER = startSweeper();

    private Watchdog() {}

    /** Arms a deadline that interrupts the calling thread; {@link Deadline#close()} must follow the guarded work. */
    public static Deadline start(Duration timeout) {
        return start(timeout, Cancellation.NEVER);
    }

    /** As {@link #start(Duration)}, and interrupts it as soon as {@code cancellation} is cancelled. */
    public static Deadline start(Duration timeout, Cancellation cancellation) {
        return arm(new Deadline(timeout, Thread.currentThread(), null, 0), cancellation);
    }

    /** Arms a deadline that runs {@code onExpiry} (at most once, never after {@link Deadline#close()}). */
    public static Deadline start(Duration timeout, Runnable onExpiry) {
        return start(timeout, Cancellation.NEVER, onExpiry);
    }

    /** As {@link #start(Duration, Runnable)}, and runs {@code onExpiry} as soon as {@code cancellation} is cancelled. */
    public static Deadline start(Duration timeout, Cancellation cancellation, Runnable onExpiry) {
        return arm(new Deadline(timeout, null, onExpiry, 0), cancellation);
    }

    /**
     * Arms a deadline that runs {@code onExpiry} when the call runs past {@code timeout}, or when
     * the calling thread has allocated more than {@code allocationBudget} bytes since now while the
     * heap is at risk; {@link Deadline#overBudget()} tells which.
     *
     * @throws IllegalStateException when the calling thread's allocations cannot be counted
     *     ({@link #allocationsUncountedWhy()} says why): the caller must not run unbounded
     */
    public static Deadline start(
            Duration timeout, long allocationBudget, Cancellation cancellation, Runnable onExpiry) {
        if (allocationBudget <= 0) {
            throw new IllegalArgumentException("the allocation budget must be positive, got " + allocationBudget);
        }
        String why = AllocationMeter.unavailableWhy();
        if (why != null) {
            throw new IllegalStateException(why);
        }
        return arm(new Deadline(timeout, null, onExpiry, allocationBudget), cancellation);
    }

    /** Why an allocation budget cannot be kept on the calling thread, or null when it can. */
    public static String allocationsUncountedWhy() {
        return AllocationMeter.unavailableWhy();
    }

    private static Deadline arm(Deadline deadline, Cancellation cancellation) {
        ARMED.add(deadline);
        if (deadline.budget > 0) {
            METERED.incrementAndGet();
        }
        // Read after the add: either the sweeper's re-check sees this deadline, or this read sees
        // the sweeper's new wakeAt (both are volatile, so one of the two orders holds).
        if (before(deadline.wakeBy(), wakeAt)) {
            LockSupport.unpark(SWEEPER);
        }
        // Last: a token cancelled already fires the deadline here, which must then be fully armed.
        deadline.registration = cancellation.onCancel(deadline::cancel);
        return deadline;
    }

    /** How many deadlines are armed now; for tests that show nothing is left behind. */
    public static int armedCount() {
        return ARMED.size();
    }

    /** How many armed deadlines carry an allocation budget; for tests that show the sampling stops. */
    public static int meteredCount() {
        return METERED.get();
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

    /** Fires every deadline that is due or over its budget; returns the earliest instant still pending. */
    private static long expireDue() {
        long now = System.nanoTime();
        long next = NONE;
        for (Deadline deadline : ARMED) {
            if (deadline.at - now <= 0) {
                deadline.fire(Deadline.EXPIRED);
            } else if (deadline.budget > 0 && deadline.sampleOverBudget(now)) {
                deadline.fire(Deadline.OVER_BUDGET);
            } else if (before(deadline.wakeBy(), next)) {
                next = deadline.wakeBy();
            }
        }
        return next;
    }

    private static long earliest() {
        long earliest = NONE;
        for (Deadline deadline : ARMED) {
            if (before(deadline.wakeBy(), earliest)) {
                earliest = deadline.wakeBy();
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
        private static final int CLOSED = 1;
        // Claimed for one of these causes: the claim itself says why, so no reader sees a half-made answer.
        private static final int EXPIRED = 2;
        private static final int OVER_BUDGET = 3;
        private static final int CANCELED = 4;

        private final long at;
        /** The thread to interrupt, or null when {@link #onExpiry} stops the guest. */
        private final Thread interrupts;

        private final Runnable onExpiry;
        private final AtomicInteger state = new AtomicInteger(ARMED_STATE);
        /** Set, under this deadline's lock, once the claimed action has run. */
        private boolean actionDone;
        /** Ties the deadline to its caller's cancellation; closed with it. */
        private volatile Cancellation.Registration registration;
        /** Bytes the guarded thread may allocate, or 0 for no budget. */
        private final long budget;

        private final long threadId;
        private final long allocatedAtStart;
        /** When the sweeper next reads the allocation; written by the sweeper only. */
        private volatile long sampleAt;

        private Deadline(Duration timeout, Thread interrupts, Runnable onExpiry, long budget) {
            long now = System.nanoTime();
            this.at = now + timeout.toNanos();
            this.interrupts = interrupts;
            this.onExpiry = onExpiry;
            this.budget = budget;
            this.threadId = Thread.currentThread().threadId();
            this.allocatedAtStart = budget > 0 ? AllocationMeter.allocatedByCurrentThread() : 0;
            this.sampleAt = budget > 0 ? now + SAMPLE_NANOS : NONE;
        }

        /** The next instant the sweeper must look at this deadline. */
        private long wakeBy() {
            long sample = sampleAt;
            return before(sample, at) ? sample : at;
        }

        /** Runs on the sweeper thread: reads the allocation and schedules the next reading. */
        private boolean sampleOverBudget(long now) {
            sampleAt = now + SAMPLE_NANOS;
            long allocated = AllocationMeter.allocatedBy(threadId);
            return allocated >= 0
                    && allocated - allocatedAtStart > budget
                    && AllocationMeter.heapAtRisk(budget, METERED.get());
        }

        /**
         * Stops the guarded work now, as its expiry would, unless it ended or was stopped already:
         * what the caller's {@link Cancellation} runs, on the cancelling thread.
         */
        public void cancel() {
            fire(CANCELED);
        }

        /** Runs on the sweeper thread, or on the cancelling one. */
        private void fire(int cause) {
            ARMED.remove(this);
            if (!state.compareAndSet(ARMED_STATE, cause)) {
                return;
            }
            disarmed();
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
                    actionDone = true;
                    notifyAll();
                }
            }
        }

        private void disarmed() {
            if (budget > 0) {
                METERED.decrementAndGet();
            }
        }

        /**
         * Whether the guarded work was stopped before it ended: its deadline passed, its budget was
         * exceeded, or its caller cancelled it ({@link #overBudget()}, {@link #canceled()} tell).
         */
        public boolean expired() {
            return state.get() >= EXPIRED;
        }

        /** Whether the guarded work was stopped for its allocation rather than its time. */
        public boolean overBudget() {
            return state.get() == OVER_BUDGET;
        }

        /** Whether the guarded work was stopped by its caller's {@link Cancellation}. */
        public boolean canceled() {
            return state.get() == CANCELED;
        }

        /** Ends the guarded work; clears the interrupt this deadline caused, and only that one. */
        @Override
        public void close() {
            boolean claimed = !state.compareAndSet(ARMED_STATE, CLOSED);
            Cancellation.Registration tie = registration;
            if (tie != null) {
                tie.close();
            }
            if (!claimed) {
                ARMED.remove(this);
                disarmed();
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
            while (!actionDone) {
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
