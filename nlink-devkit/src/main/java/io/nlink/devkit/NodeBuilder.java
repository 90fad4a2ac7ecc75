package io.nlink.devkit;

import io.nlink.runtime.pkg.PackageLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Runs a package's own {@code build.sh}, which compiles execution.wasm from its source. */
public final class NodeBuilder {
    /** The exit code a template's build.sh uses when its toolchain is missing. */
    public static final int TOOLCHAIN_MISSING = 3;

    public static final Duration TIMEOUT = Duration.ofMinutes(15);

    private NodeBuilder() {}

    /**
     * Runs {@code bash build.sh} in {@code packageDir} with this process's stdout and stderr.
     *
     * @return the script's exit code: 0 built, {@link #TOOLCHAIN_MISSING} when it said which
     *     toolchain to install, anything else a failed build
     */
    public static int build(Path packageDir) throws IOException, InterruptedException {
        Path script = packageDir.resolve("build.sh");
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException(withoutBuildScript(packageDir));
        }
        Process p = new ProcessBuilder("bash", "build.sh")
                .directory(packageDir.toFile())
                .inheritIO()
                .start();
        if (!p.waitFor(TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IOException("build.sh ran longer than " + TIMEOUT.toMinutes() + " minutes and was stopped");
        }
        return p.exitValue();
    }

    /** Why there is nothing to run, and what to do instead, for a folder without build.sh. */
    private static String withoutBuildScript(Path packageDir) {
        if (Files.isRegularFile(packageDir.resolve(PackageLoader.JS_FILE))
                && !Files.exists(packageDir.resolve(PackageLoader.WASM_FILE))) {
            return packageDir + " has no build.sh and needs none: it runs " + PackageLoader.JS_FILE
                    + " as it is; nlink test and nlink pack take it directly";
        }
        if (Files.isRegularFile(packageDir.resolve(PackageLoader.WASM_FILE))) {
            return packageDir + " has no build.sh: its " + PackageLoader.WASM_FILE
                    + " was built some other way; rebuild it with"
                    + " the toolchain that made it (docs/abi.md, \"Building\"), or add a build.sh that does";
        }
        return packageDir + " has no build.sh: start from a template with nlink scaffold --name NAME --lang LANG,"
                + " or build " + PackageLoader.WASM_FILE + " yourself (docs/abi.md, \"Building\")";
    }
}
