package io.nlink.runtime.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.Cancellation;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.SandboxLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs one node over a stream of items with one set of parameters: the unit nLink calls a batch.
 *
 * <p>Items are read one chunk at a time and results handed on in input order as soon as they
 * exist, so neither side of the batch is ever held whole: host memory does not grow with the
 * batch. Each of {@link BatchOptions#parallelism()} lanes owns one sandbox instance for the whole
 * batch (instantiation and {@code _initialize} paid once per lane, not per item); a lane replaces
 * its instance after a failure that discards it, or when the guest's memory passes the recycle
 * threshold.
 *
 * <p>With {@code continueOnFail} a failed item becomes a failed {@link ItemResult} and the batch
 * goes on; without it the batch stops after the first failed item (in input order), whose result
 * is the last one handed on.
 */
public final class BatchRunner implements ItemBatch {
    /** Items per task handed to a lane: amortises the hand-over, keeps output latency low. */
    private static final int CHUNK = 16;

    /** Chunks in flight per lane: enough to keep lanes busy while the head chunk is awaited. */
    private static final int CHUNKS_IN_FLIGHT_PER_LANE = 4;

    private final BatchOptions options;
    private final SandboxLimits limits;
    private final List<SandboxWorker> workers = new ArrayList<>();
    private long index;

    public BatchRunner(NodeExecutable node, SandboxLimits limits, ObjectNode params, BatchOptions options) {
        this(node, limits, params, options, Cancellation.NEVER);
    }

    /**
     * A batch its caller may cut short: cancelling {@code cancellation} ends each lane's call
     * under way (its item fails with {@link io.nlink.runtime.NodeFailure.Kind#CANCELED}), and
     * every later item fails at once without starting an instance.
     */
    public BatchRunner(
            NodeExecutable node,
            SandboxLimits limits,
            ObjectNode params,
            BatchOptions options,
            Cancellation cancellation) {
        this.options = options;
        this.limits = limits;
        int recyclePages = Math.max(1, limits.memoryPages() * options.recyclePercent() / 100);
        for (int i = 0; i < options.parallelism(); i++) {
            workers.add(new SandboxWorker(node, limits, params, recyclePages, cancellation));
        }
    }

    @Override
    public boolean run(Iterator<JsonNode> items, Consumer<ItemResult> sink) {
        return options.parallelism() == 1 ? runInline(items, sink) : runParallel(items, sink);
    }

    /** Runs one item, the next in this batch, on the first lane. */
    public ItemResult next(JsonNode item) {
        return workers.get(0).run(index++, item);
    }

    /**
     * Runs one item with parameters of its own instead of the batch's, on the first lane's
     * instance: a workflow whose parameters hold expressions resolves them per item, yet the
     * batch still starts one sandbox.
     */
    public ItemResult next(ObjectNode itemParams, JsonNode item) {
        return workers.get(0).run(index++, itemParams, item);
    }

    private boolean runInline(Iterator<JsonNode> items, Consumer<ItemResult> sink) {
        while (items.hasNext()) {
            ItemResult result = next(items.next());
            sink.accept(result);
            if (!result.ok() && !options.continueOnFail()) {
                return false;
            }
        }
        return true;
    }

    private boolean runParallel(Iterator<JsonNode> items, Consumer<ItemResult> sink) {
        BlockingQueue<SandboxWorker> idle = new ArrayBlockingQueue<>(workers.size(), false, workers);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService lanes = Executors.newFixedThreadPool(workers.size(), r -> {
            Thread t = new Thread(r, "nlink-batch-lane-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ArrayDeque<Future<List<ItemResult>>> inFlight = new ArrayDeque<>();
        int window = workers.size() * CHUNKS_IN_FLIGHT_PER_LANE;
        try {
            while (items.hasNext()) {
                long first = index;
                List<JsonNode> chunk = new ArrayList<>(CHUNK);
                while (chunk.size() < CHUNK && items.hasNext()) {
                    chunk.add(items.next());
                }
                index += chunk.size();
                inFlight.add(lanes.submit(() -> runChunk(idle, first, chunk)));
                if (inFlight.size() >= window && !emit(inFlight.poll(), sink)) {
                    return false;
                }
            }
            while (!inFlight.isEmpty()) {
                if (!emit(inFlight.poll(), sink)) {
                    return false;
                }
            }
            return true;
        } finally {
            inFlight.forEach(f -> f.cancel(false));
            lanes.shutdown();
            awaitQuietly(lanes);
        }
    }

    private List<ItemResult> runChunk(BlockingQueue<SandboxWorker> idle, long first, List<JsonNode> chunk)
            throws InterruptedException {
        SandboxWorker worker = idle.take();
        try {
            List<ItemResult> results = new ArrayList<>(chunk.size());
            for (int i = 0; i < chunk.size(); i++) {
                ItemResult r = worker.run(first + i, chunk.get(i));
                results.add(r);
                if (!r.ok() && !options.continueOnFail()) {
                    break; // the batch stops here; the rest of this chunk never runs
                }
            }
            return results;
        } finally {
            idle.put(worker);
        }
    }

    /** Hands a chunk's results on in order; false when one of them stops the batch. */
    private boolean emit(Future<List<ItemResult>> chunk, Consumer<ItemResult> sink) {
        List<ItemResult> results;
        try {
            results = chunk.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for batch results", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a batch lane failed: " + e.getCause(), e.getCause());
        }
        for (ItemResult r : results) {
            sink.accept(r);
            if (!r.ok() && !options.continueOnFail()) {
                return false;
            }
        }
        return true;
    }

    private static void awaitQuietly(ExecutorService lanes) {
        try {
            lanes.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Totals over every lane; read it after {@link #run} returns. */
    @Override
    public BatchSummary summary() {
        long in = 0, out = 0, failures = 0, fallbacks = 0, callNanos = 0, instanceNanos = 0;
        int instances = 0, recycled = 0, peak = 0;
        for (SandboxWorker w : workers) {
            in += w.items;
            out += w.itemsOut;
            failures += w.failures;
            fallbacks += w.fallbacks;
            instances += w.instances;
            recycled += w.recycled;
            peak = Math.max(peak, w.peakMemoryPages);
            callNanos += w.callNanos;
            instanceNanos += w.instanceNanos;
        }
        return new BatchSummary(
                in,
                out,
                failures,
                instances,
                recycled,
                peak,
                limits.memoryPages(),
                callNanos,
                instanceNanos,
                fallbacks);
    }

    @Override
    public void close() {
        workers.forEach(SandboxWorker::close);
    }
}
