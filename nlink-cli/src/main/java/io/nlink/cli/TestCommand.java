package io.nlink.cli;

import io.nlink.devkit.GoldenVectors;
import io.nlink.runtime.js.JsEngine;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.wasm.WasmNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "test", description = "Runs the node's golden vectors (tests/*.json) through the runtime under production limits.")
final class TestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "A built node folder.")
    Path dir;

    @Option(names = "--parity", description = "Run the vectors through both execution.wasm and execution.js and report every difference.")
    boolean parity;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        NodePackage pkg = Packages.load(dir, System.err);
        if (pkg == null) return Main.INVALID;
        if (pkg.wasm() == null) {
            System.err.println("nlink: " + dir + " has no execution.wasm; run nlink build " + dir + " first");
            return Main.INVALID;
        }
        WasmNode node = Packages.compile(Packages.engine(false, true), pkg, System.err);
        if (node == null) return Main.INVALID;
        List<GoldenVectors.Outcome> outcomes = GoldenVectors.run(dir, pkg, node);
        if (outcomes.isEmpty()) {
            System.err.println("nlink: " + dir + "/" + GoldenVectors.DIRECTORY + " holds no *.json vectors");
            return Main.INVALID;
        }
        long failed = report(out, parity ? "wasm " : "", outcomes);
        if (parity) {
            if (pkg.javascript() == null) {
                System.err.println("nlink: --parity needs execution.js beside execution.wasm");
                return Main.INVALID;
            }
            try (JsEngine js = new JsEngine()) {
                failed += report(out, "js   ", GoldenVectors.run(dir, pkg, js.load(pkg.javascript())));
            }
        }
        out.println((outcomes.size() * (parity ? 2 : 1) - failed) + " passed, " + failed + " failed");
        return failed == 0 ? 0 : Main.ITEM_FAILED;
    }

    /** Prints one line per vector; returns how many failed. */
    private static long report(PrintStream out, String runtime, List<GoldenVectors.Outcome> outcomes) {
        long failed = 0;
        for (GoldenVectors.Outcome o : outcomes) {
            out.println((o.passed() ? "ok    " : "FAIL  ") + runtime + o.vector() + (o.passed() ? "" : ": " + o.difference()));
            if (!o.passed()) failed++;
        }
        return failed;
    }
}
