package io.nlink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What a short batch costs end to end, as a workflow execution pays it: take an instance, run a
 * few items, give the instance back. Batches run back to back on {@code THREADS} threads at once
 * (a server's concurrent executions); the figures are wall time and the whole process's CPU time
 * per batch, so work moved to background threads (starting spares, resets) is counted too:
 *
 * <pre>nlink-batches batches=N items_per_batch=K threads=T us_per_batch=X cpu_us_per_batch=Y reused=R spare=S snapshot=P</pre>
 *
 * Arguments: PACKAGE_DIR PARAMS_JSON BATCHES ITEMS_PER_BATCH THREADS WARMUP_BATCHES.
 */
public final class BatchCost {
    private BatchCost() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println(
                    "usage: BatchCost PACKAGE_DIR PARAMS_JSON BATCHES ITEMS_PER_BATCH THREADS WARMUP_BATCHES");
            System.exit(2);
        }
        NodePackage pkg = PackageLoader.load(Path.of(args[0]));
        ObjectNode params = pkg.definition().resolveParams(Json.parse(args[1]));
        int batches = Integer.parseInt(args[2]);
        int itemsPerBatch = Integer.parseInt(args[3]);
        int threads = Integer.parseInt(args[4]);
        int warmup = Integer.parseInt(args[5]);
        // Without the JavaScript fallback: the figures are the wasm module's, or the load fails.
        NodeRuntime runtime = NodeRuntime.builder().javascriptFallback(false).build();
        LoadedNode node = runtime.load(pkg);
        List<JsonNode> items = new ArrayList<>();
        for (int i = 0; i < itemsPerBatch; i++) items.add(Throughput.item(i));

        runBatches(node, params, items, warmup, threads);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        long start = System.nanoTime();
        runBatches(node, params, items, batches, threads);
        double wallMicros = (System.nanoTime() - start) / 1e3;
        double cpuMicros = (os.getProcessCpuTime() - cpuBefore) / 1e3;
        NodeRuntime.Metrics ran = runtime.metrics(); // the process's, and this node is all it runs
        System.out.printf(
                Locale.ROOT,
                "nlink-batches batches=%d items_per_batch=%d threads=%d us_per_batch=%.0f cpu_us_per_batch=%.0f reused=%d spare=%d snapshot=%d%n",
                batches,
                itemsPerBatch,
                threads,
                wallMicros * threads / batches,
                cpuMicros / batches,
                ran.reused(),
                ran.sparesServed(),
                ran.snapshotStarts());
        runtime.close();
    }

    private static void runBatches(LoadedNode node, ObjectNode params, List<JsonNode> items, int batches, int threads)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int share = batches / threads + (t < batches % threads ? 1 : 0);
                running.add(pool.submit(() -> {
                    for (int b = 0; b < share; b++) {
                        try (var batch = node.batch(params, BatchOptions.DEFAULTS.withParallelism(1))) {
                            for (JsonNode item : items) {
                                var r = batch.next(item);
                                if (!r.ok()) throw new IllegalStateException("item failed: " + r.failure());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) f.get();
        } finally {
            pool.shutdown();
        }
    }
}
