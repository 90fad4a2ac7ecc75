package io.nlink.server.db;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Directories and files only the server's own user may read: the data directory holds the H2
 * database (password hashes, workflows, every execution's data) and installed nodes, and the
 * default umask (often 022) would leave them readable by every local user.
 *
 * <p>On a file system without POSIX permissions (Windows) nothing is changed; the folder's ACL
 * rules there.
 */
public final class OwnerOnly {
    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private OwnerOnly() {}

    /**
     * Creates {@code dir} and any missing parents, each it creates 0700. A directory that already
     * exists keeps the permissions its owner gave it.
     */
    public static Path directory(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) return dir;
        Path parent = absolute.getParent();
        if (parent != null && !Files.exists(parent)) directory(parent);
        if (POSIX) {
            try {
                Files.createDirectory(
                        absolute, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                if (!Files.isDirectory(absolute)) throw raced;
            }
        } else {
            Files.createDirectories(absolute);
        }
        return dir;
    }

    /** Makes every regular file directly in {@code dir} 0600: for files another library created with the umask. */
    static void filesIn(Path dir) throws IOException {
        if (!POSIX || !Files.isDirectory(dir)) return;
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file))
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
        }
    }

    /** Makes {@code dir} 0700 whether or not it existed: for a directory that is the server's alone. */
    static void tighten(Path dir) throws IOException {
        if (POSIX) Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
}
