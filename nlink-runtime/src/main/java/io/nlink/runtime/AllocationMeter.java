package io.nlink.runtime;

import com.sun.management.GarbageCollectorMXBean;
import com.sun.management.GcInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the {@link Watchdog} reads to bound a JavaScript run's memory: how many bytes a thread has
 * allocated (HotSpot keeps a per-thread counter; reading it costs about 35 ns for the current
 * thread and 110 ns for another), and how full the heap was after the latest garbage collection.
 *
 * <p>Allocation alone says who, not how much is kept: GraalJS's interpreter allocates about 60
 * bytes per iteration of an empty integer loop, so a two-second honest loop allocates gigabytes
 * that the next young collection frees. Only a collection tells garbage from what a script keeps,
 * so the heap's occupancy after collections says when the heap is actually at risk.
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
            LOG.log(System.Logger.Level.WARNING, "JavaScript cannot run with a memory limit: " + why
                    + "; every JavaScript run with a limit fails until the limit is set to 0 (no limit)");
        }
    }

    private static final List<GarbageCollectorMXBean> COLLECTORS = ManagementFactory.getGarbageCollectorMXBeans().stream()
            .filter(GarbageCollectorMXBean.class::isInstance)
            .map(GarbageCollectorMXBean.class::cast)
            .toList();
    private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP)
            .map(MemoryPoolMXBean::getName)
            .collect(Collectors.toUnmodifiableSet());
    private static final long MAX_HEAP = Runtime.getRuntime().maxMemory();

    /** Collections seen by {@link #heapUsedAfterGc()}; touched by the sweeper thread only. */
    private static long collectionsSeen = -1;
    /** Heap in use after the latest collection, or -1 before the first one (or when unknown). */
    private static long usedAfterGc = -1;

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
     * The heap in use after the latest garbage collection (garbage in old regions not yet
     * collected counts as in use, so this errs high), or -1 when no collection has reported yet.
     * Looks at the collectors' details only when one has run since the last call.
     */
    static long heapUsedAfterGc() {
        long collections = 0;
        for (GarbageCollectorMXBean collector : COLLECTORS) {
            collections += Math.max(0, collector.getCollectionCount());
        }
        if (collections != collectionsSeen) {
            collectionsSeen = collections;
            usedAfterGc = latestUsedAfterGc();
        }
        return usedAfterGc;
    }

    private static long latestUsedAfterGc() {
        GcInfo latest = null;
        for (GarbageCollectorMXBean collector : COLLECTORS) {
            GcInfo info = collector.getLastGcInfo();
            if (info != null && (latest == null || info.getEndTime() >= latest.getEndTime())) {
                latest = info;
            }
        }
        if (latest == null) return -1;
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : latest.getMemoryUsageAfterGc().entrySet()) {
            if (HEAP_POOLS.contains(pool.getKey())) used += pool.getValue().getUsed();
        }
        return used;
    }

    /**
     * Whether the heap is at risk for a run that started when the heap held {@code baseline} bytes
     * after a collection (-1: none had reported yet): more than half the maximum heap is in use
     * after the latest collection, and the heap has grown by more than {@code budget} since or is
     * more than three quarters full. Growth alone is no risk: under G1 the heap in use after a
     * young collection creeps up with garbage promoted by every thread of the process (a busy
     * server grew by more than 64 MiB during an honest 8-second Code node loop, which was then
     * stopped), so a heap with half its room free is left alone. When
     * this JVM reports no collections at all, the heap is always taken to be at risk, so the
     * allocation budget alone applies.
     */
    static boolean heapAtRisk(long baseline, long budget) {
        if (COLLECTORS.isEmpty()) return true;
        long used = heapUsedAfterGc();
        if (used < 0) return false; // no collection yet: the heap has not even filled once
        return used > MAX_HEAP / 2 && (baseline < 0 || used - baseline > budget || used > MAX_HEAP / 4 * 3);
    }
}
