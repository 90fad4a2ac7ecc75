package io.nlink.cli;

import io.nlink.devkit.Language;
import io.nlink.devkit.NodeBuilder;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "build", description = "Builds execution.wasm from the node's source with its build.sh.")
final class BuildCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "A scaffolded node folder.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        int exit = NodeBuilder.build(dir);
        if (exit == 0) return 0;
        explain(dir, exit);
        return exit == NodeBuilder.TOOLCHAIN_MISSING ? Main.INVALID : Main.ITEM_FAILED;
    }

    /** What a failed build.sh means, after its own output: for a missing toolchain, what installs it. */
    static void explain(Path dir, int exit) {
        if (exit == NodeBuilder.TOOLCHAIN_MISSING) {
            System.err.println(Language.ofPackage(dir)
                    .map(l -> "nlink: the " + l.displayName()
                            + " toolchain is missing: build.sh said what to install (above); from a clone of"
                            + " nLink, scripts/setup-guests.sh " + l.id() + " installs it")
                    .orElse(
                            "nlink: this node's toolchain is missing: build.sh said what to install (above); from a clone of nLink,"
                                    + " scripts/setup-guests.sh installs every toolchain the templates use"));
        } else {
            System.err.println("nlink: build.sh failed with exit code " + exit);
        }
    }
}
