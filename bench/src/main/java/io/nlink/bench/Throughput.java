package io.nlink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Items per second of one node through nLink's batch path, after a warm-up, in the same terms as
 * bench/wazero prints them, so bench/compare.sh can put both side by side:
 *
 * <pre>nlink items=N lanes=L items_per_s=X us_per_item=Y instance_us=Z ready_us=R</pre>
 *
 * {@code instance_us} is what starting an instance costs; {@code ready_us} what a batch waits for
 * one when the node's spare is ready (it was used a moment before).
 *
 * Arguments: PACKAGE_DIR PARAMS_JSON ITEMS LANES WARMUP [js|native:hello|native:sha256]. Items are
 * generated like bench/wazero's: {"i":k,"name":"item k","tags":["a","b"],"nested":{"x":3.5}}.
 * With {@code js} the package's execution.js runs (GraalJS); with native:NAME the same logic runs
 * as plain Java (NativeNodes), the physical limit of the host side.
 */
public final class Throughput {
    private Throughput() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println(
                    "usage: Throughput PACKAGE_DIR PARAMS_JSON ITEMS LANES WARMUP [js|native:hello|native:sha256]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        JsonNode given = Json.parse(args[1]);
        int items = Integer.parseInt(args[2]);
        int lanes = Integer.parseInt(args[3]);
        int warmup = Integer.parseInt(args[4]);
        String engineName = args.length > 5 ? args[5] : "wasm";

        NodePackage pkg = PackageLoader.load(dir);
        ObjectNode params = pkg.definition().resolveParams(given);
        if (engineName.startsWith("native:")) {
            NativeNodes.Node node = NativeNodes.of(engineName.substring("native:".length()));
            run(
                    "native-" + node.name(),
                    items,
                    lanes,
                    warmup,
                    "instance_us=0",
                    () -> new NativeBatch(node, params, lanes));
            return;
        }
        boolean js = engineName.equals("js");
        // Two runtimes, one keeping no spare instance, to measure what starting one costs (as wazero's
        // instantiation does); they share a compile cache so the module is compiled once.
        Path compiled = Files.createTempDirectory("nlink-bench-compiled");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(compiled)));
        // Without the JavaScript fallback the wasm runs or the load fails; for js, the package without its wasm.
        NodePackage measured =
                js ? new NodePackage(pkg.source(), pkg.manifest(), pkg.definition(), null, pkg.javascript()) : pkg;
        NodeRuntime spared = NodeRuntime.builder()
                .compileCache(compiled)
                .javascriptFallback(false)
                .build();
        NodeRuntime unsparedRuntime = NodeRuntime.builder()
                .compileCache(compiled)
                .javascriptFallback(false)
                .readyInstanceIdle(Duration.ZERO)
                .build();
        NodeExecutable node = spared.load(measured).executable();
        NodeExecutable unspared = unsparedRuntime.load(measured).executable();
        double instanceMicros = instanceMicros(unspared);
        double readyMicros = readyMicros(node, instanceMicros);
        BatchOptions options = BatchOptions.DEFAULTS.withParallelism(lanes);
        run(
                js ? "nlink-js" : "nlink",
                items,
                lanes,
                warmup,
                String.format(Locale.ROOT, "instance_us=%.0f ready_us=%.1f", instanceMicros, readyMicros),
                () -> new WasmBatch(new BatchRunner(node, SandboxLimits.DEFAULTS, params, options)));
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not remove " + dir + ": " + e);
        }
    }

    /** Mean time to instantiate from the compiled module and run _initialize, over 5 instances. */
    static double instanceMicros(NodeExecutable node) throws Exception {
        try (NodeInstance warm = node.newInstance(SandboxLimits.DEFAULTS)) {
            // the first instance pays class initialisation; not counted
        }
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            try (NodeInstance s = node.newInstance(SandboxLimits.DEFAULTS)) {
                // created and closed
            }
        }
        return (System.nanoTime() - start) / 5 / 1000.0;
    }

    /**
     * Mean time a batch waits for its instance when the node was used a moment before: the node's
     * spare has been started in the background meanwhile (ReadyInstances). Over the last 5 of 10
     * takes (the first ones run the take's own code cold), each after a pause long enough for the
     * spare to be ready.
     */
    static double readyMicros(NodeExecutable node, double instanceMicros) throws Exception {
        long pauseMillis = 100 + (long) (10 * instanceMicros / 1000);
        long total = 0;
        for (int i = 0; i < 10; i++) {
            Thread.sleep(pauseMillis);
            long start = System.nanoTime();
            NodeInstance s = node.newInstance(SandboxLimits.DEFAULTS);
            if (i >= 5) total += System.nanoTime() - start;
            s.close();
        }
        return total / 5 / 1000.0;
    }

    interface Batch extends AutoCloseable {
        long run(Iterator<JsonNode> items);

        @Override
        void close();
    }

    record WasmBatch(BatchRunner runner) implements Batch {
        @Override
        public long run(Iterator<JsonNode> items) {
            long[] out = new long[1];
            boolean finished = runner.run(items, r -> {
                if (!r.ok()) throw new IllegalStateException("item " + r.index() + " failed: " + r.failure());
                out[0] += r.items().size();
            });
            if (!finished) throw new IllegalStateException("the batch stopped");
            return out[0];
        }

        @Override
        public void close() {
            runner.close();
        }
    }

    record NativeBatch(NativeNodes.Node node, ObjectNode params, int lanes) implements Batch {
        @Override
        public long run(Iterator<JsonNode> items) {
            // Lanes for native code: a parallel stream over the materialised chunk would change
            // the measurement; the native baseline is per core, so it runs on one thread.
            long out = 0;
            while (items.hasNext()) {
                out += node.apply(params, items.next()).size();
            }
            return out;
        }

        @Override
        public void close() {}
    }

    interface BatchFactory {
        Batch create() throws Exception;
    }

    static void run(String label, int items, int lanes, int warmup, String instanceFigures, BatchFactory factory)
            throws Exception {
        try (Batch warm = factory.create()) {
            warm.run(generated(warmup * lanes));
        }
        try (Batch batch = factory.create()) {
            long start = System.nanoTime();
            long out = batch.run(generated(items));
            double seconds = (System.nanoTime() - start) / 1e9;
            if (out != items) throw new IllegalStateException("expected " + items + " output items, got " + out);
            int effectiveLanes = label.startsWith("native") ? 1 : lanes;
            System.out.printf(
                    Locale.ROOT,
                    "%s items=%d lanes=%d items_per_s=%.0f us_per_item=%.2f %s%n",
                    label,
                    items,
                    effectiveLanes,
                    items / seconds,
                    seconds * 1e6 * effectiveLanes / items,
                    instanceFigures);
        }
    }

    static Iterator<JsonNode> generated(int n) {
        return IntStream.range(0, n).<JsonNode>mapToObj(Throughput::item).iterator();
    }

    static JsonNode item(int k) {
        ObjectNode item = Json.MAPPER.createObjectNode();
        item.put("i", k);
        item.put("name", "item " + k);
        item.putArray("tags").add("a").add("b");
        item.putObject("nested").put("x", 3.5);
        return item;
    }
}
