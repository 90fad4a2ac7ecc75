package io.nlink.runtime.internal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** The process-wide single-thread scheduler of the runtime (the spare-instance warmer and its idle check). */
final class DaemonTimer {
    private DaemonTimer() {}

    /**
     * One daemon thread named {@code name}, started on first use; cancelled tasks leave its queue
     * at once, so they release what they hold.
     */
    static ScheduledThreadPoolExecutor create(String name) {
        var timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = Executors.defaultThreadFactory().newThread(runnable);
            t.setName(name);
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
