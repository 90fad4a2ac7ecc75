package io.nlink.server.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Copies one flat folder of a package ZIP (tests/, with its golden vectors) to a private temporary folder. */
final class PackageFiles {
    /** Most files and bytes taken: a package's vectors are a handful of small JSON files. */
    static final int MAX_FILES = 200;

    static final long MAX_BYTES = 4L * 1024 * 1024;

    private static final Pattern SAFE_NAME = Pattern.compile("^[A-Za-z0-9_.-]{1,100}\\.json$");

    private PackageFiles() {}

    /** A temporary package root holding only the extracted folder; deleted on close. */
    record Extracted(Path root) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Extracts {@code folder/*.json}, at the ZIP's top level or under its single top folder.
     * Names are checked against a plain-file pattern, so nothing can be written outside the root.
     */
    static Extracted extract(byte[] zip, String folder) throws IOException {
        Path root = Files.createTempDirectory("nlink-upload-");
        Path target = Files.createDirectory(root.resolve(folder));
        int files = 0;
        long bytes = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                String[] parts = entry.getName().replace('\\', '/').split("/");
                int n = parts.length;
                boolean inFolder = (n == 2 && parts[0].equals(folder)) || (n == 3 && parts[1].equals(folder));
                if (entry.isDirectory()
                        || !inFolder
                        || !SAFE_NAME.matcher(parts[n - 1]).matches()) continue;
                if (++files > MAX_FILES) throw new IOException(folder + "/ has more than " + MAX_FILES + " files");
                byte[] content = readBounded(in, MAX_BYTES - bytes);
                if (content == null)
                    throw new IOException(folder + "/ holds more than " + MAX_BYTES / (1024 * 1024) + " MiB");
                bytes += content.length;
                Files.write(target.resolve(parts[n - 1]), content);
            }
        } catch (IOException e) {
            new Extracted(root).close();
            throw e;
        }
        return new Extracted(root);
    }

    private static byte[] readBounded(InputStream in, long limit) throws IOException {
        byte[] content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        return content.length > limit ? null : content;
    }
}
