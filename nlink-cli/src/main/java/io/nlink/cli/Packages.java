package io.nlink.cli;

import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NoRuntimeException;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/** Loading steps the commands share; each prints every problem and returns null on failure. */
final class Packages {
    private Packages() {}

    static NodePackage load(Path path, PrintStream err) throws IOException {
        try {
            return PackageLoader.load(path);
        } catch (InvalidPackageException e) {
            err.println("nlink: " + e.getMessage());
            return null;
        }
    }

    /**
     * The CLI's runtime, to finish with {@code .limits(...)} and {@code build()}. Compiled modules
     * are kept in the first of: system property {@code nlink.cacheDir}, environment variable
     * {@code NLINK_CACHE_DIR}, {@code $XDG_CACHE_HOME/nlink/compiled}, {@code ~/.cache/nlink/compiled}.
     */
    static NodeRuntime.Builder runtime(boolean interpreter, boolean useCache) {
        return NodeRuntime.builder().interpreter(interpreter).compileCache(useCache ? cacheDirectory() : null);
    }

    static Path cacheDirectory() {
        String configured = System.getProperty("nlink.cacheDir", System.getenv("NLINK_CACHE_DIR"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("nlink").resolve("compiled");
    }

    /**
     * The package's execution.wasm, compiled: what {@code nlink test} and {@code nlink validate}
     * check, so execution.js never stands in for it.
     */
    static LoadedNode compile(NodeRuntime runtime, NodePackage pkg, PrintStream err) {
        try {
            return runtime.load(pkg);
        } catch (NoRuntimeException e) {
            err.println("nlink: " + pkg.source() + "/execution.wasm cannot run as a node:");
            wasmProblems(e).forEach(p -> err.println("  - it " + p));
            return null;
        }
    }

    /** The module's problems without the "execution.wasm " each begins with. */
    static java.util.List<String> wasmProblems(NoRuntimeException e) {
        String prefix = PackageLoader.WASM_FILE + " ";
        return e.problems().stream()
                .map(p -> p.startsWith(prefix) ? p.substring(prefix.length()) : p)
                .toList();
    }
}
