package io.nlink.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.cluster.ClusterBatch;
import io.nlink.cluster.NlinkCluster;
import io.nlink.devkit.Packer;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NoRuntimeException;
import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchSummary;
import io.nlink.runtime.batch.ItemBatch;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.InvalidParamsException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.text.Visible;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "run",
        description = {
            "Runs a node over input items and writes its output items as NDJSON ({\"json\": ...} per line).",
            "Guest logs and the summary go to stderr."
        })
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PACKAGE", description = "A node package folder or ZIP.")
    Path packagePath;

    @Option(
            names = "--params",
            paramLabel = "JSON|@FILE",
            description =
                    "The node's parameters as a JSON object, or @file to read them. Default: the definition's defaults.")
    String params;

    @Option(
            names = "--input",
            paramLabel = "FILE|-",
            description = "Items as a JSON array or NDJSON; - for stdin. Default: one empty item {}.")
    String input;

    @Option(names = "--output", paramLabel = "FILE", description = "Where to write output items. Default: stdout.")
    Path output;

    @Option(
            names = "--continue-on-fail",
            description = "Turn a failed item into an error item and go on, instead of stopping the batch.")
    boolean continueOnFail;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            description =
                    "Sandbox instances working at once, one per thread; output keeps input order. Default: the number of cores.")
    Integer parallelism;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            description = "Time bound per item, e.g. 500ms, 10s, 2m. Default: 10s.")
    String timeout;

    @Option(
            names = "--memory-pages",
            paramLabel = "N",
            description = "Guest memory cap in 64 KiB pages, at most 512 (32 MiB). Default: 512.")
    Integer memoryPages;

    @Option(
            names = "--max-output-bytes",
            paramLabel = "N",
            description = "Largest result one item may return. Default: 8388608.")
    Integer maxOutputBytes;

    @Option(
            names = "--js-memory",
            paramLabel = "MIB",
            description =
                    "What one execution.js run may allocate, in MiB, while the JVM heap is filling up; 0 for no bound. Size -Xmx for parallelism × this. Default: 64.")
    Integer jsMemoryMib;

    @Option(
            names = "--no-compile-cache",
            description =
                    "Compile the module afresh instead of using (and filling) the compiled-module cache in ~/.cache/nlink/compiled.")
    boolean noCompileCache;

    @Option(
            names = "--progress",
            paramLabel = "auto|always|never",
            description =
                    "A progress line on stderr: auto shows it when stderr is a terminal (the launcher tells). Default: auto.")
    String progress = "auto";

    @Option(
            names = "--interpreter",
            description = "Run the guest in the engine's interpreter instead of compiling it (slow; for debugging).")
    boolean interpreter;

    @Mixin
    ClusterOptions cluster;

    @Option(
            names = "--chunk-size",
            paramLabel = "N",
            description = "With --join: items per chunk handed to a member. Default: ${DEFAULT-VALUE}.")
    int chunkSize;

    @Override
    public Integer call() throws Exception {
        PrintStream err = System.err;
        NodePackage pkg = Packages.load(packagePath, err);
        if (pkg == null) return Main.INVALID;
        ObjectNode resolved;
        try {
            resolved = pkg.definition().resolveParams(readParams());
        } catch (InvalidParamsException e) {
            e.problems().forEach(p -> err.println("nlink: " + p));
            return Main.INVALID;
        }
        SandboxLimits limits = limits();

        try (NodeRuntime runtime =
                Packages.runtime(interpreter, !noCompileCache).limits(limits).build()) {
            LoadedNode node;
            try {
                node = runtime.load(pkg);
            } catch (NoRuntimeException e) {
                err.println("nlink: " + pkg.id() + " cannot run:");
                e.problems().forEach(p -> err.println("  - " + p));
                return Main.INVALID;
            }
            if (node.fallbackWhy() != null) {
                err.println("nlink: running execution.js because " + node.fallbackWhy());
            }
            if (cluster.join != null) {
                return runInCluster(err, pkg, runtime, node, resolved, limits);
            }
            return runBatch(err, node, node.batch(resolved, batchOptions()));
        }
    }

    /** The batch spread over the cluster's members, this process one of them (docs/scaling.md). */
    private int runInCluster(
            PrintStream err,
            NodePackage pkg,
            NodeRuntime runtime,
            LoadedNode node,
            ObjectNode resolved,
            SandboxLimits limits)
            throws IOException {
        if (parallelism != null) {
            throw new IllegalArgumentException(
                    "--parallelism is for a local run; with --join each member's --lanes say how many items it runs at once");
        }
        byte[] zip = packageZip(pkg);
        try (NlinkCluster member = NlinkCluster.start(cluster.config(), runtime)) {
            String sha256 = member.publish(zip);
            err.println("nlink: spreading the batch over a cluster of "
                    + member.members().size() + " member(s), " + member.totalLanes()
                    + " lane(s) in all; this member is " + member.address());
            ClusterBatch batch = member.newBatch(
                    sha256,
                    resolved,
                    limits,
                    ClusterBatch.Options.DEFAULTS.withChunkSize(chunkSize).withContinueOnFail(continueOnFail));
            int exit = runBatch(err, node, batch);
            StringBuilder shares = new StringBuilder();
            batch.itemsPerMember()
                    .forEach((address, n) -> shares.append(shares.isEmpty() ? "" : ", ")
                            .append(address)
                            .append(' ')
                            .append(n));
            err.println("nlink: items per member: " + shares + "; " + batch.rerunChunks()
                    + " chunk(s) rerun after a member left");
            return exit;
        }
    }

    /** The package as an upload ZIP: a ZIP as given, a folder packed as `nlink pack` would. */
    private byte[] packageZip(NodePackage pkg) throws IOException {
        if (!Files.isDirectory(packagePath)) return Files.readAllBytes(packagePath);
        if (pkg.wasm() == null) {
            throw new IllegalArgumentException(
                    packagePath + " has no execution.wasm; a cluster run needs one (build it, or pack the folder)");
        }
        var zip = new java.io.ByteArrayOutputStream();
        Packer.pack(packagePath, pkg, zip);
        return zip.toByteArray();
    }

    private int runBatch(PrintStream err, LoadedNode node, ItemBatch newBatch) throws IOException {
        boolean finished;
        BatchSummary summary;
        ItemResult lastFailure = null;
        try (ItemBatch batch = newBatch;
                CountingInputStream in = openInput();
                Progress bar =
                        showProgress() ? new Progress(err, in == null ? () -> 0 : in::count, inputSize()) : null;
                ItemReader reader = in == null ? null : new ItemReader(in, input.equals("-") ? "stdin" : input);
                OutputStream out = output == null ? nonClosing(System.out) : Files.newOutputStream(output);
                JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.setRootValueSeparator(null);
            Iterator<JsonNode> items = reader != null
                    ? reader
                    : List.<JsonNode>of(Json.MAPPER.createObjectNode()).iterator();
            ItemResult[] failed = new ItemResult[1];
            finished = batch.run(items, result -> {
                if (bar != null) {
                    bar.itemDone();
                    if (!result.stdout().isEmpty() || !result.stderr().isEmpty()) bar.clearLine();
                }
                printLogs(err, result);
                write(json, out, result);
                if (!result.ok()) failed[0] = result;
            });
            lastFailure = failed[0];
            summary = batch.summary();
        }
        if (!finished) {
            err.printf(
                    Locale.ROOT,
                    "nlink: stopped at item %d: %s%n",
                    lastFailure.index(),
                    lastFailure.failure().message());
        }
        err.println("nlink: " + describe(summary, node));
        return summary.failures() > 0 ? Main.ITEM_FAILED : 0;
    }

    private JsonNode readParams() throws IOException {
        if (params == null) return null;
        String text = params.startsWith("@") ? Files.readString(Path.of(params.substring(1))) : params;
        try {
            return Json.parse(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("--params is not valid JSON: " + e.getMessage());
        }
    }

    private CountingInputStream openInput() throws IOException {
        if (input == null) return null;
        return new CountingInputStream(
                input.equals("-") ? nonClosing(System.in) : Files.newInputStream(Path.of(input)));
    }

    private long inputSize() {
        try {
            return input == null || input.equals("-") ? -1 : Files.size(Path.of(input));
        } catch (IOException e) {
            return -1;
        }
    }

    private boolean showProgress() {
        return switch (progress) {
            case "always" -> true;
            case "never" -> false;
            case "auto" -> Boolean.getBoolean("nlink.stderrIsTerminal");
            default ->
                throw new IllegalArgumentException("--progress " + progress + ": expected auto, always or never");
        };
    }

    /** Counts the bytes read, so progress can say how much of a file is done. */
    static final class CountingInputStream extends java.io.FilterInputStream {
        private final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

        CountingInputStream(InputStream in) {
            super(in);
        }

        long count() {
            return count.get();
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count.incrementAndGet();
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count.addAndGet(n);
            return n;
        }
    }

    private BatchOptions batchOptions() {
        int lanes = parallelism != null ? parallelism : Runtime.getRuntime().availableProcessors();
        return BatchOptions.DEFAULTS.withParallelism(lanes).withContinueOnFail(continueOnFail);
    }

    private SandboxLimits limits() {
        SandboxLimits limits = SandboxLimits.DEFAULTS;
        if (timeout != null) limits = limits.withItemTimeout(parseDuration("--timeout", timeout));
        if (memoryPages != null) {
            if (memoryPages > SandboxLimits.PLATFORM_MAX_MEMORY_PAGES) {
                throw new IllegalArgumentException("--memory-pages " + memoryPages
                        + " is above the platform cap of 512 pages (32 MiB); it can only be lowered");
            }
            limits = limits.withMemoryPages(memoryPages);
        }
        if (maxOutputBytes != null) limits = limits.withMaxOutputBytes(maxOutputBytes);
        if (jsMemoryMib != null) {
            if (jsMemoryMib < 0)
                throw new IllegalArgumentException(
                        "--js-memory " + jsMemoryMib + ": expected a number of MiB, or 0 for no bound");
            limits = limits.withJsMemoryBytes(jsMemoryMib * 1024L * 1024);
        }
        return limits;
    }

    /** A duration as options take it: 500ms, 10s, 2m. */
    static Duration parseDuration(String option, String text) {
        var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m)").matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    option + " " + text + ": expected a number with ms, s or m, such as 500ms or 10s");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
    }

    /**
     * A guest's stdout and stderr, each line marked with its item: the guest chooses every byte, so
     * its control characters are shown escaped ({@link Visible#onTerminal}) rather than let loose
     * on the terminal, where an escape sequence could clear it, retitle it or rewrite earlier lines.
     */
    private static void printLogs(PrintStream err, ItemResult result) {
        if (result.fallbackWhy() != null) {
            err.println("[item " + result.index() + "] ran on " + result.runtime() + " because "
                    + Visible.onTerminal(result.fallbackWhy()));
        }
        printLog(err, result.index(), "stdout", result.stdout());
        printLog(err, result.index(), "stderr", result.stderr());
        if (result.logsTruncated()) {
            err.println("[item " + result.index() + "] (log truncated at the per-item bound)");
        }
    }

    private static void printLog(PrintStream err, long index, String stream, String text) {
        if (text.isEmpty()) return;
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty()) err.println("[item " + index + " " + stream + "] " + Visible.onTerminal(line));
        }
    }

    /** One NDJSON line per output item; a failed item (with --continue-on-fail) becomes an error item. */
    private static void write(JsonGenerator json, OutputStream out, ItemResult result) {
        try {
            if (result.ok()) {
                for (JsonNode item : result.items()) {
                    ObjectNode line = Json.MAPPER.createObjectNode();
                    line.set("json", item);
                    line.putObject("pairedItem").put("item", result.index());
                    writeLine(json, out, line);
                }
            } else {
                ObjectNode line = Json.MAPPER.createObjectNode();
                line.putObject("json").put("error", result.failure().message());
                ObjectNode error = line.putObject("error");
                error.put("kind", result.failure().kind().name());
                error.put("message", result.failure().message());
                if (result.failure().function() != null)
                    error.put("function", result.failure().function());
                line.putObject("pairedItem").put("item", result.index());
                writeLine(json, out, line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeLine(JsonGenerator json, OutputStream out, JsonNode line) throws IOException {
        Json.MAPPER.writeTree(json, line);
        json.writeRaw('\n');
        json.flush();
    }

    private static String describe(BatchSummary s, LoadedNode node) {
        NodeExecutable fallback = node.executable().perItemFallback();
        String counts = String.format(
                Locale.ROOT,
                "%d item(s) in, %d out, %d failed; runtime %s%s; %d instance(s), %.1f ms each to start, %d recycled; ",
                s.itemsIn(),
                s.itemsOut(),
                s.failures(),
                node.runtime(),
                fallback == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", %d item(s) re-run on %s (per-item fallback)",
                                s.fallbacks(),
                                fallback.runtime()),
                s.instances(),
                s.instances() == 0 ? 0.0 : s.instanceNanos() / 1e6 / s.instances(),
                s.recycled());
        if (node.compilation().isEmpty()) {
            return counts + String.format(Locale.ROOT, "%.0f µs/item", s.microsPerItem());
        }
        LoadedNode.Compilation compiled = node.compilation().get();
        return counts
                + String.format(
                        Locale.ROOT,
                        "peak guest memory %d of %d pages (%s of %s); %.0f µs/item; module %s in %d ms%s",
                        s.peakMemoryPages(),
                        s.memoryCapPages(),
                        SandboxLimits.describePages(s.peakMemoryPages()),
                        SandboxLimits.describePages(s.memoryCapPages()),
                        s.microsPerItem(),
                        compiled.fromCompileCache() ? "loaded from the compile cache" : "compiled",
                        compiled.nanos() / 1_000_000,
                        compiled.interpretedFunctions().isEmpty()
                                ? ""
                                : "; WARNING: "
                                        + compiled.interpretedFunctions().size()
                                        + " function(s) too large to compile run interpreted (70-80x slower)");
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    private static InputStream nonClosing(InputStream in) {
        return new java.io.FilterInputStream(in) {
            @Override
            public void close() {}
        };
    }
}
