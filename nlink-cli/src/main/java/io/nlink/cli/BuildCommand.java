package io.nlink.cli;

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
        if (exit == NodeBuilder.TOOLCHAIN_MISSING) {
            System.err.println("nlink: the toolchain for this node is missing (see above); nLink's scripts/setup-guests.sh installs every supported one");
            return Main.INVALID;
        }
        if (exit != 0) {
            System.err.println("nlink: build.sh failed with exit code " + exit);
            return Main.ITEM_FAILED;
        }
        return 0;
    }
}
