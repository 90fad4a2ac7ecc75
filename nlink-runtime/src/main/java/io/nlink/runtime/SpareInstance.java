package io.nlink.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One instance of a node started ahead of need, so that the next batch (or a lane replacing an
 * instance it had to discard) gets a ready one instead of paying instantiation and start-up on
 * its own critical path. Each taken spare is replaced in the background; a spare nobody takes
 * within the idle time is closed and not replaced until the node is used again, so idle nodes hold
 * no guest memory.
 *
 * <p>Spares of all nodes together hold at most {@link ReadyMemory}'s budget (an eighth of the
 * heap); a node whose spare does not fit keeps none until there is room.
 *
 * <p>A spare is a fresh instance, never handed an item: taking one is exactly like starting one,
 * so nothing one batch did can reach the next. Its start-up ran under the same limits and bounds;
 * a spare started under other limits than asked for is discarded, not used.
 *
 * <p>The replacement is a task that whoever needs it first runs: the warmer thread in the
 * background, or the taker itself when the warmer has not reached it yet, so waiting for a spare
 * is never slower than starting an instance. Thread-safe.
 */
public final class SpareInstance<I extends NodeInstance> {
    /** Starts one instance under the given limits. */
    @FunctionalInterface
    public interface Starter<I> {
        I start(SandboxLimits limits) throws SandboxException;
    }

    /**
     * What a spare counts against {@link ReadyMemory} at least: a JavaScript context's own share,
     * which its runtime cannot measure ({@link NodeInstance#memoryPages()} is 0 there).
     */
    static final long MIN_SPARE_BYTES = 1 << 20;

    /** One thread for the whole process: spares are replaced one at a time, off every lane's path. */
    private static final ScheduledThreadPoolExecutor WARMER = DaemonTimer.create("nlink-instance-warmer");

    private final Starter<I> starter;
    private final Duration idle;
    private final AtomicReference<Pending> spare = new AtomicReference<>();
    private final AtomicLong served = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param idle how long a spare may wait for a taker before it is closed; {@link Duration#ZERO}
     *     keeps no spare at all (every take starts an instance on the caller's thread)
     */
    public SpareInstance(Starter<I> starter, Duration idle) {
        this.starter = starter;
        this.idle = checkIdle(idle);
    }

    /** The idle time, refused when null or negative: for options that take one, to refuse it early. */
    public static Duration checkIdle(Duration idle) {
        if (idle == null || idle.isNegative()) {
            throw new IllegalArgumentException("the idle time of a spare instance must be zero (no spare) or positive, got " + idle);
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
                long bytes = Math.max(MIN_SPARE_BYTES, (long) instance.memoryPages() * SandboxLimits.PAGE_SIZE);
                if (!ReadyMemory.reserve(bytes)) {
                    instance.close();
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
                instance.close();
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
        Pending pending = spare.getAndSet(null);
        I instance = null;
        if (pending != null) {
            pending.cancelExpiry();
            if (pending.limits.equals(limits)) {
                instance = pending.await();
                if (instance != null) served.incrementAndGet();
            } else {
                pending.discard();
            }
        }
        if (instance == null) {
            instance = starter.start(limits); // no spare, or it failed to start: say why from here
        }
        replace(limits);
        return instance;
    }

    /** Instances handed out from a spare rather than started on the taker's thread. */
    public long served() {
        return served.get();
    }

    /**
     * Keeps no spare from now on, closing the one there is: for the owner of what the instances
     * need (a JavaScript engine) before it closes that. Takes still start instances.
     */
    public void close() {
        closed = true;
        Pending pending = spare.getAndSet(null);
        if (pending != null) pending.discard();
    }

    private void replace(SandboxLimits limits) {
        if (idle.isZero() || closed) return;
        Pending pending = new Pending(limits);
        if (!spare.compareAndSet(null, pending)) return; // another taker's replacement is already on its way
        WARMER.execute(() -> {
            pending.run();
            if (spare.get() != pending) return; // taken (or discarded) already
            pending.expiry = WARMER.schedule(() -> expire(pending), idle.toNanos(), TimeUnit.NANOSECONDS);
            if (spare.get() != pending) pending.cancelExpiry(); // taken meanwhile: whoever took it may have missed the expiry
        });
    }

    /** Closes the spare if nobody took it within the idle time. */
    private void expire(Pending pending) {
        if (spare.compareAndSet(pending, null)) {
            pending.discard();
        }
    }
}
