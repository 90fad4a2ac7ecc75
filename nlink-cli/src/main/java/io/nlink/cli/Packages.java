package io.nlink.cli;

import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.wasm.InvalidModuleException;
import io.nlink.runtime.wasm.WasmEngine;
import io.nlink.runtime.wasm.WasmNode;
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
     * The CLI's engine. Compiled modules are kept in the first of: system property
     * {@code nlink.cacheDir}, environment variable {@code NLINK_CACHE_DIR},
     * {@code $XDG_CACHE_HOME/nlink/compiled}, {@code ~/.cache/nlink/compiled}.
     */
    static WasmEngine engine(boolean interpreter, boolean useCache) {
        WasmEngine.Options options = WasmEngine.Options.DEFAULTS;
        if (interpreter) {
            options = options.withMode(WasmEngine.ExecutionMode.INTERPRETED);
        }
        if (useCache) {
            options = options.withCacheDirectory(cacheDirectory());
        }
        return new WasmEngine(options);
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

    static WasmNode compile(WasmEngine engine, NodePackage pkg, PrintStream err) {
        try {
            return engine.load(pkg.wasm(), pkg.definition().warmUpContexts());
        } catch (InvalidModuleException e) {
            err.println("nlink: " + pkg.source() + "/execution.wasm cannot run as a node:");
            e.problems().forEach(p -> err.println("  - it " + p));
            return null;
        }
    }
}
