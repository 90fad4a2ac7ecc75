package io.nlink.devkit;

import io.nlink.runtime.Sha256;
import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Makes the upload ZIP of a package: everything under one top-level folder except build outputs
 * and caches, plus {@code execution.wasm.sha256} recording the module's hash when the package has
 * a module (the loader checks it).
 *
 * <p>Every shape the loader accepts packs: execution.wasm only, execution.js only (the Community
 * Store runs it on the JavaScript engine), or both. What the loader would refuse is refused by
 * the loader itself: the caller hands in a package {@link PackageLoader} has already loaded, and
 * {@link #packTo} loads the written ZIP again before it is moved into place.
 *
 * <p>The folder is treated as hostile: symbolic links are skipped (never followed), file modes
 * are reduced to {@code rw-r--r--} or, for files the owner may execute, {@code rwxr-xr-x}, and a
 * folder larger than the loader's ZIP bound is refused before anything is read.
 */
public final class Packer {
    /** Folders that are build output or caches, never part of an upload (nor watched for changes). */
    static final Set<String> SKIPPED_DIRECTORIES =
            Set.of("node_modules", "target", "zig-cache", ".zig-cache", "zig-out", "build", ".git", ".cargo-home");

    private Packer() {}

    /**
     * What was packed.
     *
     * @param wasmSha256 execution.wasm's SHA-256, or null when the package has no module
     * @param files      how many files the ZIP holds, execution.wasm.sha256 included
     */
    public record Packed(String wasmSha256, int files) {}

    /**
     * The ZIP's file name for a package, {@code NAME-VERSION.zip}, with an npm scope's
     * {@code @scope/} flattened to {@code scope-} (as npm names its tarballs) so the name is one
     * path segment.
     */
    public static String zipFileName(NodePackage pkg) {
        return folderName(pkg) + "-" + pkg.manifest().version() + ".zip";
    }

    /**
     * Writes the upload ZIP to {@code target} through a temporary file beside it, loads that with
     * the real {@link PackageLoader} and only then moves it into place: when anything fails,
     * {@code target} is not created (or keeps its old content).
     *
     * @throws InvalidPackageException when the written ZIP would not load (for example when it
     *     inflates beyond the loader's bound)
     */
    public static Packed packTo(Path packageDir, NodePackage pkg, Path target) throws Exception {
        List<Path> files = filesToPack(packageDir, target);
        Packed[] packed = new Packed[1];
        AtomicFile.write(target, out -> packed[0] = write(packageDir, pkg, files, out), PackageLoader::load);
        return packed[0];
    }

    /** Writes the upload ZIP to {@code out}, which stays open. */
    public static Packed pack(Path packageDir, NodePackage pkg, OutputStream out) throws IOException {
        return write(packageDir, pkg, filesToPack(packageDir, null), out);
    }

    private static Packed write(Path packageDir, NodePackage pkg, List<Path> files, OutputStream out)
            throws IOException {
        String root = folderName(pkg) + "/";
        String sha256 = pkg.wasm() == null ? null : Sha256.hex(pkg.wasm());
        try (ZipArchiveWriter zip = new ZipArchiveWriter(out)) {
            for (Path file : files) {
                String name = root + packageDir.relativize(file).toString().replace('\\', '/');
                int mode = Files.isExecutable(file)
                        ? ZipArchiveWriter.EXECUTABLE_FILE_MODE
                        : ZipArchiveWriter.REGULAR_FILE_MODE;
                LocalDateTime modified =
                        LocalDateTime.ofInstant(Files.getLastModifiedTime(file).toInstant(), ZoneId.systemDefault());
                zip.add(name, Files.readAllBytes(file), mode, modified);
            }
            if (sha256 != null) {
                byte[] record = (sha256 + "  " + PackageLoader.WASM_FILE + "\n").getBytes(StandardCharsets.UTF_8);
                zip.add(
                        root + PackageLoader.WASM_SHA256_FILE,
                        record,
                        ZipArchiveWriter.REGULAR_FILE_MODE,
                        LocalDateTime.now());
            }
        }
        return new Packed(sha256, files.size() + (sha256 == null ? 0 : 1));
    }

    /**
     * The files to pack, sorted; {@code exclude} (the ZIP being written, which may sit in the
     * package folder) is left out so a second pack does not swallow the first.
     */
    private static List<Path> filesToPack(Path packageDir, Path exclude) throws IOException {
        Path excluded = exclude == null ? null : exclude.toAbsolutePath().normalize();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(packageDir)) {
            files = walk.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> packageDir.relativize(p).getNameCount() == 1
                            || !inSkippedDirectory(packageDir.relativize(p)))
                    .filter(p -> !p.getFileName().toString().equals(PackageLoader.WASM_SHA256_FILE))
                    .filter(p -> !p.getFileName().toString().endsWith(".o"))
                    .filter(p -> !p.toAbsolutePath().normalize().equals(excluded))
                    .sorted()
                    .toList();
        }
        long total = 0;
        for (Path file : files) {
            total += Files.size(file);
        }
        if (total > PackageLoader.MAX_ZIP_TOTAL_BYTES) {
            throw new IllegalArgumentException(
                    packageDir + " holds " + total / (1024 * 1024) + " MiB of files; an upload may inflate to at most "
                            + PackageLoader.MAX_ZIP_TOTAL_BYTES / (1024 * 1024)
                            + " MiB: move large files that are not part of the node out of the folder");
        }
        return files;
    }

    private static String folderName(NodePackage pkg) {
        String name = pkg.manifest().name();
        return name.startsWith("@") ? name.substring(1).replace('/', '-') : name;
    }

    /** Whether a file's path relative to the package folder passes through a build output or cache folder. */
    static boolean inSkippedDirectory(Path relative) {
        for (Path part : relative.getParent()) {
            if (SKIPPED_DIRECTORIES.contains(part.toString())) return true;
        }
        return false;
    }
}
