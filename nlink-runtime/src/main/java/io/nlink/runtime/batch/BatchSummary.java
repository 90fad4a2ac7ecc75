package io.nlink.runtime.batch;

/**
 * What a batch did, for the end-of-run report.
 *
 * @param itemsIn          items handed to the node
 * @param itemsOut         output items produced
 * @param failures         items that failed (node errors included; a fallback item counts when
 *                         its execution.js run failed too)
 * @param instances        sandbox instances created (one per lane, plus one per discarding
 *                         failure or recycle, plus the execution.js ones per-item fallback started)
 * @param recycled         instances replaced between items because their memory passed the
 *                         recycle threshold (a leaking guest)
 * @param peakMemoryPages  largest guest memory seen in any instance, in 64 KiB pages
 * @param memoryCapPages   the cap it ran under
 * @param callNanos        time spent in item calls, summed over lanes
 * @param instanceNanos    time spent creating instances (instantiation + _initialize), in total
 * @param fallbacks        items re-run on execution.js after their wasm run failed (the package
 *                         opted in to per-item fallback); each such result says why
 */
public record BatchSummary(
        long itemsIn,
        long itemsOut,
        long failures,
        int instances,
        int recycled,
        int peakMemoryPages,
        int memoryCapPages,
        long callNanos,
        long instanceNanos,
        long fallbacks) {

    /** Mean time per item call in microseconds, 0 for an empty batch. */
    public double microsPerItem() {
        return itemsIn == 0 ? 0 : callNanos / 1000.0 / itemsIn;
    }
}
