package io.nlink.cli;

import io.nlink.devkit.Packer;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "pack",
        description =
                "Makes the upload ZIP of a node: execution.wasm, execution.js or both, with execution.wasm's SHA-256 recorded when"
                        + " there is a module. The ZIP is loaded back as the server would before it is kept; on failure no file is left.")
final class PackCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "A node folder, built when it has a module to build.")
    Path dir;

    @Option(names = "--out", paramLabel = "FILE", description = "Default: NAME-VERSION.zip in the current folder.")
    Path out;

    @Override
    public Integer call() throws Exception {
        NodePackage pkg = Packages.load(dir, System.err);
        if (pkg == null) return Main.INVALID;
        Path zip = out != null ? out : Path.of(Packer.zipFileName(pkg));
        Packer.Packed packed;
        try {
            packed = Packer.packTo(dir, pkg, zip);
        } catch (InvalidPackageException e) {
            System.err.println("nlink: not packed: the ZIP made from " + dir + " would not load: " + e.getMessage());
            return Main.INVALID;
        } catch (IllegalArgumentException e) {
            System.err.println("nlink: not packed: " + e.getMessage());
            return Main.INVALID;
        }
        System.out.println(zip);
        List<String> runs = new ArrayList<>();
        if (packed.wasmSha256() != null) runs.add("execution.wasm (SHA-256 " + packed.wasmSha256() + ")");
        if (pkg.javascript() != null) runs.add("execution.js");
        System.err.println(
                "nlink: packed " + pkg.id() + ", " + packed.files() + " file(s); runs " + String.join(" and ", runs));
        return 0;
    }
}
