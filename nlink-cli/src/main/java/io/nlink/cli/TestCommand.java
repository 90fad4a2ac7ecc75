package io.nlink.cli;

import io.nlink.devkit.GoldenVectors;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.wasm.WasmNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "test", description = "Runs the node's golden vectors (tests/*.json) through the runtime under production limits.")
final class TestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "A built node folder.")
    Path dir;

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
        long failed = 0;
        for (GoldenVectors.Outcome o : outcomes) {
            out.println((o.passed() ? "ok    " : "FAIL  ") + o.vector() + (o.passed() ? "" : ": " + o.difference()));
            if (!o.passed()) failed++;
        }
        out.println((outcomes.size() - failed) + " passed, " + failed + " failed");
        return failed == 0 ? 0 : Main.ITEM_FAILED;
    }
}
