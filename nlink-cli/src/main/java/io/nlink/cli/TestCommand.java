package io.nlink.cli;

import io.nlink.devkit.GoldenVectors;
import io.nlink.devkit.NodeBuilder;
import io.nlink.devkit.SourceWatcher;
import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.pkg.NodePackage;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "test",
        description =
                "Runs the node's golden vectors (tests/*.json) through the runtime under production limits: on execution.wasm, or on"
                        + " execution.js when the node has no module.")
final class TestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "A built node folder.")
    Path dir;

    @Option(
            names = "--parity",
            description = "Run the vectors through both execution.wasm and execution.js and report every difference.")
    boolean parity;

    @Option(
            names = "--watch",
            description =
                    "Keep watching the folder: when a source file or vector changes, rebuild (when there is a build.sh) and rerun"
                            + " the vectors. Ctrl-C ends it.")
    boolean watch;

    /** How often --watch looks at the folder; a property so tests need not wait a whole second. */
    static final Duration WATCH_INTERVAL = Duration.ofMillis(Long.getLong("nlink.watchIntervalMillis", 500));

    @Override
    public Integer call() throws Exception {
        if (!watch) return runOnce();
        SourceWatcher watcher = new SourceWatcher(dir);
        System.err.println("nlink: watching " + dir + " (Ctrl-C ends it)");
        while (true) {
            if (Files.isRegularFile(dir.resolve("build.sh"))) {
                System.err.println("nlink: building " + dir);
                int exit = NodeBuilder.build(dir);
                if (exit != 0) BuildCommand.explain(dir, exit);
                if (exit == 0) runOnce();
            } else {
                runOnce();
            }
            watcher.mark();
            System.err.println("nlink: waiting for a change in " + dir);
            List<Path> changed = watcher.awaitChange(WATCH_INTERVAL);
            System.err.println("nlink: changed: "
                    + changed.stream()
                            .map(Path::toString)
                            .reduce((a, b) -> a + ", " + b)
                            .orElse(""));
        }
    }

    private int runOnce() throws Exception {
        PrintStream out = System.out;
        NodePackage pkg = Packages.load(dir, System.err);
        if (pkg == null) return Main.INVALID;
        if (parity && (pkg.wasm() == null || pkg.javascript() == null)) {
            System.err.println("nlink: --parity needs both execution.wasm and execution.js in " + dir
                    + (pkg.wasm() == null ? "; build execution.wasm first (nlink build " + dir + ")" : ""));
            return Main.INVALID;
        }
        if (pkg.wasm() == null) {
            return runOnJavaScript(out, pkg);
        }
        try (NodeRuntime runtime =
                Packages.runtime(false, true).javascriptFallback(false).build()) {
            LoadedNode node = Packages.compile(runtime, pkg, System.err);
            if (node == null) return Main.INVALID;
            List<GoldenVectors.Outcome> outcomes = GoldenVectors.run(dir, pkg, node.executable());
            if (outcomes.isEmpty()) return noVectors();
            long failed = report(out, parity ? "wasm " : "", outcomes);
            if (parity) {
                failed += report(
                        out,
                        "js   ",
                        GoldenVectors.run(dir, pkg, runtime.javascript().load(pkg.javascript())));
            }
            out.println((outcomes.size() * (parity ? 2 : 1) - failed) + " passed, " + failed + " failed");
            return failed == 0 ? 0 : Main.ITEM_FAILED;
        }
    }

    /** A package without a module runs on execution.js in a workflow and in the store, so its vectors do too. */
    private int runOnJavaScript(PrintStream out, NodePackage pkg) throws Exception {
        System.err.println("nlink: " + dir + " has no execution.wasm: running the vectors on execution.js"
                + (Files.isRegularFile(dir.resolve("build.sh")) ? " (nlink build " + dir + " makes the module)" : ""));
        try (NodeRuntime runtime = NodeRuntime.builder().build()) {
            List<GoldenVectors.Outcome> outcomes =
                    GoldenVectors.run(dir, pkg, runtime.javascript().load(pkg.javascript()));
            if (outcomes.isEmpty()) return noVectors();
            long failed = report(out, "", outcomes);
            out.println((outcomes.size() - failed) + " passed, " + failed + " failed");
            return failed == 0 ? 0 : Main.ITEM_FAILED;
        }
    }

    private int noVectors() {
        System.err.println("nlink: " + dir + "/" + GoldenVectors.DIRECTORY + " holds no *.json vectors");
        return Main.INVALID;
    }

    /** Prints one line per vector; returns how many failed. */
    private static long report(PrintStream out, String runtime, List<GoldenVectors.Outcome> outcomes) {
        long failed = 0;
        for (GoldenVectors.Outcome o : outcomes) {
            out.println((o.passed() ? "ok    " : "FAIL  ")
                    + runtime
                    + o.vector()
                    + (o.passed() ? "" : ": " + o.difference()));
            if (!o.passed()) failed++;
        }
        return failed;
    }
}
