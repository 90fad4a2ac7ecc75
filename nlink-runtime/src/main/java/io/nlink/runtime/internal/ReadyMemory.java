package io.nlink.runtime.internal;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process-wide bound on guest memory nLink keeps ready between batches: spare instances
 * ({@link ReadyInstances}, each holding its whole linear memory) and the post-{@code _initialize}
 * snapshots new instances start from. Each is a speed-up, never a necessity, so past the bound a
 * node simply keeps none and pays its start on the caller's path.
 *
 * <p>Why a bound: both are kept per node, and nothing bounds how many nodes a server sees. The
 * store validates every upload by starting an instance, so eight uploads of different nodes
 * declaring 32 MiB each left 256 MiB of spares for 30 s and ended a 256 MiB server with
 * OutOfMemoryError (HostileGuestServerTest); snapshots of up to 10 MiB for each of the engine's 32
 * cached modules could hold 320 MiB. The bound is an eighth of the maximum heap: 32 MiB in a
 * 256 MiB heap (three Go nodes' spares), 512 MiB in 4 GiB.
 */
public final class ReadyMemory {
    private ReadyMemory() {}

    private static final long BUDGET = Runtime.getRuntime().maxMemory() / 8;
    private static final AtomicLong HELD = new AtomicLong();
    private static final Cleaner CLEANER = Cleaner.create();

    /** Takes {@code bytes} of the budget, or nothing and false when they do not fit. */
    public static boolean reserve(long bytes) {
        while (true) {
            long held = HELD.get();
            if (held + bytes > BUDGET) return false;
            if (HELD.compareAndSet(held, held + bytes)) return true;
        }
    }

    /** Gives back what {@link #reserve} took. */
    public static void release(long bytes) {
        HELD.addAndGet(-bytes);
    }

    /** Gives back {@code bytes} reserved for {@code holder} once nothing references it any more. */
    public static void releaseWhenUnreachable(Object holder, long bytes) {
        CLEANER.register(holder, () -> release(bytes));
    }

    /** Bytes held ready now; for tests and reports. */
    public static long held() {
        return HELD.get();
    }

    /** The bound, in bytes. */
    public static long budget() {
        return BUDGET;
    }
}
