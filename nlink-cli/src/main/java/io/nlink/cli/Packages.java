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

    static WasmNode compile(WasmEngine engine, NodePackage pkg, PrintStream err) {
        try {
            return engine.load(pkg.wasm());
        } catch (InvalidModuleException e) {
            err.println("nlink: " + pkg.source() + "/execution.wasm cannot run as a node:");
            e.problems().forEach(p -> err.println("  - it " + p));
            return null;
        }
    }
}
