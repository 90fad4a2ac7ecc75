package io.nlink.devkit;

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
            throw new IllegalArgumentException(packageDir + " has no build.sh; scaffold the node with nlink scaffold, or build execution.wasm yourself");
        }
        Process p = new ProcessBuilder("bash", "build.sh").directory(packageDir.toFile()).inheritIO().start();
        if (!p.waitFor(TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IOException("build.sh ran longer than " + TIMEOUT.toMinutes() + " minutes and was stopped");
        }
        return p.exitValue();
    }
}
