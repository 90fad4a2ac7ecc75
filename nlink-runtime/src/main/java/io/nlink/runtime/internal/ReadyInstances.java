package io.nlink.runtime.internal;

import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The instances of one node that are ready for its next batch, so that a batch (or a lane
 * replacing an instance it had to discard) gets one instead of paying instantiation and start-up
 * on its own critical path. Two kinds:
 * <ul>
 *   <li><b>Given back</b>: an instance a batch has finished with and that its runtime reset in place
 *       to exactly its freshly started state ({@link #giveBack}; wasm reactors whose whole state a
 *       snapshot captures, see WasmNode). The last one given back is the first taken, and at most
 *       {@link #MAX_KEPT} are kept, so their number follows the node's concurrent use.
 *   <li><b>The spare</b>: one instance started ahead of need. Each spare taken is replaced in the
 *       background; when a given-back instance serves the take, the spare is left for later.
 * </ul>
 * Either kind nobody takes within the idle time is discarded and not replaced until the node is
 * used again, so idle nodes hold no guest memory; together with every other node's they hold at
 * most {@link ReadyMemory}'s budget (an eighth of the heap), and what does not fit is discarded.
 *
 * <p>A ready instance has never served an item since it was started or reset: taking one is exactly
 * like starting one, so nothing one batch did can reach the next. A ready instance made under
 * other limits than asked for is discarded, not used.
 *
 * <p>The spare's replacement is a task that whoever needs it first runs: the warmer thread in the
 * background, or the taker itself when the warmer has not reached it yet, so waiting for a spare
 * is never slower than starting an instance. Thread-safe.
 */
public final class ReadyInstances<I extends NodeInstance> {
    /** Starts one instance under the given limits. */
    @FunctionalInterface
    public interface Starter<I> {
        I start(SandboxLimits limits) throws SandboxException;
    }

    /**
     * Given-back instances kept per node at most: a server runs several executions of one node at
     * once, more than it has cores when they wait on I/O. ReadyMemory's budget bounds their memory.
     */
    static final int MAX_KEPT = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());

    /** One thread for the whole process: spares are replaced one at a time, off every lane's path. */
    private static final ScheduledThreadPoolExecutor WARMER = DaemonTimer.create("nlink-instance-warmer");

    private final Starter<I> starter;
    private final Duration idle;
    private final AtomicReference<Pending> spare = new AtomicReference<>();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong reused = new AtomicLong();
    private volatile boolean closed;
    /** Given-back instances, the last one given back at the end; guarded by itself. */
    private final ArrayDeque<Kept<I>> kept = new ArrayDeque<>();
    /** Whether an idle check of {@link #kept} is scheduled; guarded by {@link #kept}. */
    private boolean keptExpiryScheduled;

    /** A given-back instance, reset, with what it holds of {@link ReadyMemory}'s budget. */
    private record Kept<T>(T instance, SandboxLimits limits, long bytes, long keptAtNanos) {}

    /**
     * @param idle how long a spare may wait for a taker before it is closed; {@link Duration#ZERO}
     *     keeps no spare at all (every take starts an instance on the caller's thread)
     */
    public ReadyInstances(Starter<I> starter, Duration idle) {
        this.starter = starter;
        this.idle = checkIdle(idle);
    }

    /** The idle time, refused when null or negative: for options that take one, to refuse it early. */
    public static Duration checkIdle(Duration idle) {
        if (idle == null || idle.isNegative()) {
            throw new IllegalArgumentException(
                    "the idle time of a spare instance must be zero (no spare) or positive, got " + idle);
        }
        return idle;
    }

    /**
     * A replacement started (or to be started) under {@code limits}, by whoever runs it first.
     * Whoever removes it from {@link #spare} owns it: takes it, or discards it.
     */
    private final class Pending {
        private static final int NEW = 0, STARTED = 1, CANCELLED = 2;
        final SandboxLimits limits;
        private final AtomicInteger state = new AtomicInteger(NEW);
        private final CompletableFuture<I> started = new CompletableFuture<>();
        /** The close that ends its idle time; cancelled once taken, so it holds no taken instance. */
        private volatile ScheduledFuture<?> expiry;

        Pending(SandboxLimits limits) {
            this.limits = limits;
        }

        /** What this spare holds of {@link ReadyMemory}'s budget; given back when it is taken or closed. */
        private long reserved;

        /**
         * Starts the instance unless somebody already did (or it was discarded first). An instance
         * that does not fit in {@link ReadyMemory}'s budget is closed at once: no spare this time.
         */
        void run() {
            if (!state.compareAndSet(NEW, STARTED)) return;
            try {
                I instance = starter.start(limits);
                STARTS.incrementAndGet();
                long bytes = instance.heldBytes();
                if (!ReadyMemory.reserve(bytes)) {
                    instance.discard();
                    started.complete(null);
                    return;
                }
                reserved = bytes; // before complete: the taker reads it after get()
                started.complete(instance);
            } catch (Throwable e) { // whatever it was, a waiting taker must not wait forever
                started.completeExceptionally(e);
            }
        }

        private void releaseReserved() {
            ReadyMemory.release(reserved);
            reserved = 0;
        }

        /** The instance, or null when it failed to start or did not fit (the taker then starts one). */
        I await() {
            run();
            try {
                I instance = started.get();
                if (instance != null) releaseReserved();
                return instance;
            } catch (ExecutionException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                discard();
                return null;
            }
        }

        void cancelExpiry() {
            ScheduledFuture<?> f = expiry;
            if (f != null) f.cancel(false);
        }

        /** Closes it once its start has finished, or makes sure it never starts. */
        void discard() {
            if (state.compareAndSet(NEW, CANCELLED)) return;
            started.thenAccept(instance -> {
                if (instance == null) return;
                releaseReserved();
                instance.discard();
            });
        }
    }

    /**
     * A fresh instance under {@code limits}: the spare when there is one for these limits (waiting
     * for it, or starting it here, if it is not ready yet), else one started on this thread. Either
     * way a replacement spare is then started in the background.
     *
     * @throws SandboxException when the node cannot start under these limits
     */
    public I take(SandboxLimits limits) throws SandboxException {
        I given = takeKept(limits);
        if (given != null) {
            reused.incrementAndGet();
            REUSED.incrementAndGet();
            return given;
        }
        Pending pending = spare.getAndSet(null);
        I instance = null;
        if (pending != null) {
            pending.cancelExpiry();
            if (pending.limits.equals(limits)) {
                instance = pending.await();
                if (instance != null) {
                    served.incrementAndGet();
                    SPARES_SERVED.incrementAndGet();
                }
            } else {
                pending.discard();
            }
        }
        if (instance == null) {
            instance = starter.start(limits); // no spare, or it failed to start: say why from here
            STARTS.incrementAndGet();
        }
        replace(limits);
        return instance;
    }

    private static final AtomicLong STARTS = new AtomicLong();
    private static final AtomicLong SPARES_SERVED = new AtomicLong();
    private static final AtomicLong REUSED = new AtomicLong();
    private static final AtomicLong NOT_KEPT = new AtomicLong();
    private static final AtomicLong KEPT = new AtomicLong();

    /**
     * Every node's figures in this process, for operators (the server's metrics).
     *
     * @param started   instances started, on a taker's thread or as spares in the background
     * @param sparesServed takes served by a spare
     * @param reused    takes served by an instance a batch gave back, reset
     * @param notKept   instances given back but ended: not resettable (failed, or a module or guest
     *                  a reset cannot cover), or no room (per node, or in ReadyMemory's budget)
     * @param keptNow   reset instances waiting for a batch now
     */
    public record Totals(long started, long sparesServed, long reused, long notKept, long keptNow) {}

    public static Totals totals() {
        return new Totals(STARTS.get(), SPARES_SERVED.get(), REUSED.get(), NOT_KEPT.get(), KEPT.get());
    }

    /** Instances handed out from a spare rather than started on the taker's thread. */
    public long served() {
        return served.get();
    }

    /** Instances handed out again after a batch gave them back reset. */
    public long reused() {
        return reused.get();
    }

    /** Given-back instances ready now. */
    public int keptCount() {
        synchronized (kept) {
            return kept.size();
        }
    }

    /**
     * Takes back an instance a batch has finished with: kept for the next {@link #take} under the
     * same limits when {@code reset} puts it back into its freshly started state (it answers false
     * when it cannot, and then nothing is kept) and there is room, discarded otherwise.
     */
    public void giveBack(I instance, SandboxLimits limits, Predicate<I> reset) {
        if (closed || idle.isZero() || !instance.usable() || keptCount() >= MAX_KEPT || !reset.test(instance)) {
            NOT_KEPT.incrementAndGet();
            instance.discard();
            return;
        }
        long bytes = instance.heldBytes();
        if (!ReadyMemory.reserve(bytes)) {
            NOT_KEPT.incrementAndGet();
            instance.discard();
            return;
        }
        KEPT.incrementAndGet();
        Kept<I> entry = new Kept<>(instance, limits, bytes, System.nanoTime());
        Kept<I> overflow = null;
        synchronized (kept) {
            kept.addLast(entry);
            if (kept.size() > MAX_KEPT) overflow = kept.removeFirst(); // given back concurrently
            if (!keptExpiryScheduled) {
                keptExpiryScheduled = true;
                WARMER.schedule(this::expireKept, idle.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
        if (overflow != null) discard(overflow);
        if (closed) discardKept(); // closed meanwhile: keep nothing
    }

    /** The most recently given-back instance for {@code limits}, or null; ones for other limits are discarded. */
    private I takeKept(SandboxLimits limits) {
        while (true) {
            Kept<I> entry;
            synchronized (kept) {
                entry = kept.pollLast();
            }
            if (entry == null) return null;
            if (entry.limits().equals(limits)) {
                KEPT.decrementAndGet();
                ReadyMemory.release(entry.bytes());
                return entry.instance();
            }
            discard(entry);
        }
    }

    /** Discards given-back instances that waited longer than the idle time; checks again while some remain. */
    private void expireKept() {
        long now = System.nanoTime();
        List<Kept<I>> expired = new ArrayList<>();
        synchronized (kept) {
            while (!kept.isEmpty() && now - kept.peekFirst().keptAtNanos() >= idle.toNanos()) {
                expired.add(kept.removeFirst());
            }
            if (kept.isEmpty()) {
                keptExpiryScheduled = false;
            } else {
                long wait = kept.peekFirst().keptAtNanos() + idle.toNanos() - now;
                WARMER.schedule(this::expireKept, Math.max(wait, 1_000_000L), TimeUnit.NANOSECONDS);
            }
        }
        expired.forEach(this::discard);
    }

    private void discard(Kept<I> entry) {
        KEPT.decrementAndGet();
        ReadyMemory.release(entry.bytes());
        entry.instance().discard();
    }

    private void discardKept() {
        List<Kept<I>> all;
        synchronized (kept) {
            all = new ArrayList<>(kept);
            kept.clear();
        }
        all.forEach(this::discard);
    }

    /**
     * Keeps no ready instance from now on, discarding those there are: for the owner of what the
     * instances need (a JavaScript engine) before it closes that. Takes still start instances.
     */
    public void close() {
        closed = true;
        Pending pending = spare.getAndSet(null);
        if (pending != null) pending.discard();
        discardKept();
    }

    private void replace(SandboxLimits limits) {
        if (idle.isZero() || closed) return;
        Pending pending = new Pending(limits);
        if (!spare.compareAndSet(null, pending)) return; // another taker's replacement is already on its way
        WARMER.execute(() -> {
            pending.run();
            if (spare.get() != pending) return; // taken (or discarded) already
            pending.expiry = WARMER.schedule(() -> expire(pending), idle.toNanos(), TimeUnit.NANOSECONDS);
            if (spare.get() != pending)
                pending.cancelExpiry(); // taken meanwhile: whoever took it may have missed the expiry
        });
    }

    /** Closes the spare if nobody took it within the idle time. */
    private void expire(Pending pending) {
        if (spare.compareAndSet(pending, null)) {
            pending.discard();
        }
    }
}
