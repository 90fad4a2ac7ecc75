package io.nlink.runtime.batch;

/**
 * How a batch runs.
 *
 * @param parallelism    sandbox instances working at once, each on its own thread; output order
 *                       is input order whatever this is. Default 1; the CLI defaults to the number
 *                       of cores. Each instance costs its guest memory (up to the cap) plus an
 *                       instantiation.
 * @param continueOnFail when true a failed item becomes a failed result and the batch goes on;
 *                       when false (the default) the batch stops after the first failed item
 * @param recyclePercent replace an instance between items once its memory exceeds this share of
 *                       the cap, so a leaking guest is recycled before it fails. Default 75.
 */
public record BatchOptions(int parallelism, boolean continueOnFail, int recyclePercent) {
    public static final BatchOptions DEFAULTS = new BatchOptions(1, false, 75);

    public BatchOptions {
        if (parallelism < 1 || parallelism > 1024) {
            throw new IllegalArgumentException("parallelism must be between 1 and 1024, got " + parallelism);
        }
        if (recyclePercent < 1 || recyclePercent > 100) {
            throw new IllegalArgumentException("recyclePercent must be between 1 and 100, got " + recyclePercent);
        }
    }

    public BatchOptions withParallelism(int n) {
        return new BatchOptions(n, continueOnFail, recyclePercent);
    }

    public BatchOptions withContinueOnFail(boolean on) {
        return new BatchOptions(parallelism, on, recyclePercent);
    }

    public BatchOptions withRecyclePercent(int percent) {
        return new BatchOptions(parallelism, continueOnFail, percent);
    }
}
