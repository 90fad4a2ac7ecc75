package io.nlink.cli;

import io.nlink.devkit.Packer;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pack", description = "Makes the upload ZIP of a built node, recording execution.wasm's SHA-256 in it.")
final class PackCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "A built node folder.")
    Path dir;

    @Option(names = "--out", paramLabel = "FILE", description = "Default: NAME-VERSION.zip in the current folder.")
    Path out;

    @Override
    public Integer call() throws Exception {
        NodePackage pkg = Packages.load(dir, System.err);
        if (pkg == null) return Main.INVALID;
        Path zip = out != null ? out : Path.of(pkg.manifest().name() + "-" + pkg.manifest().version() + ".zip");
        String sha256;
        try (OutputStream stream = Files.newOutputStream(zip)) {
            sha256 = Packer.pack(dir, pkg, stream);
        }
        PackageLoader.load(zip); // the upload must load exactly as the server will load it
        System.out.println(zip);
        System.err.println("nlink: packed " + pkg.id() + ", execution.wasm SHA-256 " + sha256);
        return 0;
    }
}
