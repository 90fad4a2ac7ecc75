package io.nlink.runtime.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * What the {@link Watchdog} reads to bound a JavaScript run's memory: how many bytes a thread has
 * allocated (HotSpot keeps a per-thread counter; reading it costs about 35 ns for the current
 * thread and 110 ns for another), and how full the heap's tenured pools are.
 *
 * <p>Allocation alone says who, not how much is kept: GraalJS's interpreter allocates about 60
 * bytes per iteration of an empty integer loop, so a two-second honest loop allocates gigabytes
 * that the next young collection frees. What a script keeps ends up in the tenured pools (promoted,
 * or allocated there directly when large), so their occupancy says when the heap is at risk.
 */
final class AllocationMeter {
    private static final System.Logger LOG = System.getLogger(AllocationMeter.class.getName());

    /** Null when allocations can be counted; otherwise why not, in words for an error message. */
    private static final String UNAVAILABLE_WHY;

    private static final com.sun.management.ThreadMXBean THREADS;

    static {
        String why = null;
        com.sun.management.ThreadMXBean threads = null;
        try {
            if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t)) {
                why = "this JVM has no com.sun.management.ThreadMXBean";
            } else if (!t.isThreadAllocatedMemorySupported()) {
                why = "this JVM does not support ThreadMXBean allocation counting";
            } else {
                if (!t.isThreadAllocatedMemoryEnabled()) {
                    t.setThreadAllocatedMemoryEnabled(true);
                }
                threads = t;
            }
        } catch (RuntimeException | LinkageError e) {
            why = "this JVM refused ThreadMXBean allocation counting (" + e + ")";
        }
        UNAVAILABLE_WHY = why;
        THREADS = threads;
        if (why != null) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "JavaScript cannot run with a memory limit: " + why
                            + "; every JavaScript run with a limit fails until the limit is set to 0 (no limit)");
        }
    }

    /**
     * The heap's pools that hold what survives: every heap pool but the young generation's eden
     * and survivor spaces (G1's old generation, humongous arrays included; a single-pool
     * collector's whole heap).
     */
    private static final List<MemoryPoolMXBean> TENURED_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP)
            .filter(pool -> !pool.getName().contains("Eden") && !pool.getName().contains("Survivor"))
            .toList();

    private static final long MAX_HEAP = Runtime.getRuntime().maxMemory();

    private AllocationMeter() {}

    /** Why allocations cannot be counted on the calling thread, or null when they can. */
    static String unavailableWhy() {
        if (UNAVAILABLE_WHY != null) return UNAVAILABLE_WHY;
        if (Thread.currentThread().isVirtual()) return "the JVM does not count a virtual thread's allocations";
        return null;
    }

    /** Bytes the calling thread has allocated so far; only when {@link #unavailableWhy()} is null. */
    static long allocatedByCurrentThread() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /** Bytes thread {@code threadId} has allocated so far, or -1 once it has ended. */
    static long allocatedBy(long threadId) {
        return THREADS.getThreadAllocatedBytes(threadId);
    }

    /**
     * Bytes in the tenured pools now: what survived young collections plus arrays too large for
     * the young generation (a script's big arrays go straight there). It holds garbage too, until
     * an old collection, but unlike the heap in use after the latest collection it is never stale:
     * humongous allocations fill G1's old regions without any collection to report them (a
     * 256 MiB JVM ran out while that figure still showed the heap half empty).
     */
    static long tenuredUsed() {
        long used = 0;
        for (MemoryPoolMXBean pool : TENURED_POOLS) {
            used += pool.getUsage().getUsed();
        }
        return used;
    }

    /**
     * Whether the heap is at risk while {@code running} metered runs of {@code budget} bytes each
     * are under way: the tenured pools leave less than two budgets of room per run. Above that,
     * what a run allocates cannot be told from what it keeps, and a script that builds a large
     * value in one step (a string flattened, an array split) needs that much room at once: with
     * only half the heap free, two such scripts side by side ran a 256 MiB JVM out of heap. Below
     * it, a run over its allocation budget is left alone, since the heap has room for it: a busy
     * server's tenured pools creep up with garbage every thread promotes until G1 collects them,
     * and an honest 8-second Code node loop, stopped on growth alone, was the cost of not
     * waiting. So a small heap holds every script to its budget strictly (a 256 MiB JVM with two
     * running: always), a large one only when it is nearly full. When no tenured pool can be
     * read, the heap is always taken to be at risk.
     */
    static boolean heapAtRisk(long budget, int running) {
        if (TENURED_POOLS.isEmpty()) return true;
        return tenuredUsed() > MAX_HEAP - 2 * budget * Math.max(1, running);
    }
}
