package io.nlink.devkit;

import io.nlink.runtime.Sha256;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Makes the upload ZIP of a built package: everything under {@code nlink-community.NAME/} except
 * build outputs and caches, plus {@code execution.wasm.sha256} recording the module's hash (the
 * loader checks it).
 */
public final class Packer {
    /** Folders that are build output or caches, never part of an upload. */
    private static final Set<String> SKIPPED_DIRECTORIES =
            Set.of("node_modules", "target", "zig-cache", ".zig-cache", "zig-out", "build", ".git", ".cargo-home");

    private Packer() {}

    /** @return the module's SHA-256 */
    public static String pack(Path packageDir, NodePackage pkg, OutputStream out) throws IOException {
        if (pkg.wasm() == null) {
            throw new IllegalArgumentException(packageDir + " has no execution.wasm; run nlink build first");
        }
        String sha256 = Sha256.hex(pkg.wasm());
        String root = pkg.manifest().name() + "/";
        List<Path> files;
        try (Stream<Path> walk = Files.walk(packageDir)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> !Files.isSymbolicLink(p))
                    .filter(p -> packageDir.relativize(p).getNameCount() == 1 || !skipped(packageDir.relativize(p)))
                    .filter(p -> !p.getFileName().toString().equals(PackageLoader.WASM_SHA256_FILE))
                    .filter(p -> !p.getFileName().toString().endsWith(".o"))
                    .sorted()
                    .toList();
        }
        ZipOutputStream zip = new ZipOutputStream(out);
        for (Path file : files) {
            zip.putNextEntry(new ZipEntry(root + packageDir.relativize(file).toString().replace('\\', '/')));
            Files.copy(file, zip);
            zip.closeEntry();
        }
        zip.putNextEntry(new ZipEntry(root + PackageLoader.WASM_SHA256_FILE));
        zip.write((sha256 + "  " + PackageLoader.WASM_FILE + "\n").getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
        zip.finish();
        return sha256;
    }

    private static boolean skipped(Path relative) {
        for (Path part : relative.getParent()) {
            if (SKIPPED_DIRECTORIES.contains(part.toString())) return true;
        }
        return false;
    }
}
