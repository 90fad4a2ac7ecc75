package io.nlink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.NodeInstance;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-item path piece by piece (context encoding, result decoding, the whole guest call) and
 * instance creation, for one node package. Run with bench/jmh.sh; {@code node} is a package
 * folder relative to the repository root.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-XX:-DontCompileHugeMethods"})
public class PerItemBenchmark {
    @Param({"examples/hello-go"})
    public String node;

    @Param({"{\"text\":\"nLink\"}"})
    public String params;

    private ObjectNode resolved;
    private JsonNode item;
    private byte[] context;
    private byte[] result;
    private NodeRuntime runtime;
    private NodeExecutable wasm;
    private NodeInstance sandbox;
    private long index;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path root = Path.of(System.getProperty("nlink.root", "."));
        NodePackage pkg = PackageLoader.load(root.resolve(node));
        resolved = pkg.definition().resolveParams(io.nlink.runtime.json.Json.parse(params));
        item = Throughput.item(7);
        context = ItemCodec.encodeContext(resolved, item);
        // Without the JavaScript fallback, the executable is the compiled module itself, as a batch lane sees it.
        runtime = NodeRuntime.builder().javascriptFallback(false).build();
        wasm = runtime.load(pkg).executable();
        sandbox = wasm.newInstance(SandboxLimits.DEFAULTS);
        ItemResult first = sandbox.call(0, context);
        if (!first.ok()) throw new IllegalStateException("the node failed: " + first.failure());
        result = io.nlink.runtime.json.Json.writeBytes(
                java.util.List.of(java.util.Map.of("json", first.items().get(0))));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sandbox.close();
        runtime.close();
    }

    /** Building the context JSON for one item. */
    @Benchmark
    public byte[] encodeContext() {
        return ItemCodec.encodeContext(resolved, item);
    }

    /** Parsing and checking a node's result. */
    @Benchmark
    public Object decodeResult() {
        return ItemCodec.decodeResult(result);
    }

    /** One whole item: allocate, copy in, execute_node, bounds check, copy out, deallocate, decode. */
    @Benchmark
    public ItemResult call() {
        ItemResult r = sandbox.call(++index, context);
        if (!r.ok()) throw new IllegalStateException(r.failure().toString());
        return r;
    }

    /** A batch's fixed cost: instantiate from the compiled module and run _initialize. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void newInstance() throws Exception {
        try (NodeInstance s = wasm.newInstance(SandboxLimits.DEFAULTS)) {
            // created, initialised and closed
        }
    }
}
