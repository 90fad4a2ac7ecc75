package io.nlink.devkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file so that it appears whole or not at all: the content goes to a hidden temporary
 * file beside the target, which is moved into place only once written (and checked). A failed
 * {@code nlink pack --out F} or {@code nlink scaffold --zip F} therefore leaves no empty or
 * half-written {@code F} behind to be uploaded by mistake, and an older {@code F} survives.
 */
public final class AtomicFile {
    /** Writes the content to a stream; the stream is closed by {@link AtomicFile}. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Checks the written file before it replaces the target; throwing leaves the target as it was. */
    @FunctionalInterface
    public interface Check {
        void verify(Path written) throws Exception;
    }

    private AtomicFile() {}

    public static void write(Path target, Content content) throws Exception {
        write(target, content, written -> {});
    }

    /**
     * Writes {@code target} through a temporary file in the same folder (so the final move is a
     * rename on one file system), then runs {@code check} on the temporary file, then moves it
     * into place, replacing any existing file.
     */
    public static void write(Path target, Content content, Check check) throws Exception {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(target + " is a folder; give a file name to write");
        }
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("cannot write " + target + ": the folder " + folder + " does not exist");
        }
        Path temporary = Files.createTempFile(folder, "." + absolute.getFileName() + ".", ".part");
        try {
            try (OutputStream out = Files.newOutputStream(temporary)) {
                content.writeTo(out);
            }
            check.verify(temporary);
            // A temporary file is created private (rw-------); the result is an ordinary file.
            if (Files.getFileAttributeView(temporary, PosixFileAttributeView.class) != null) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
