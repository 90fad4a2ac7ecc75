package io.nlink.devkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZipArchiveWriterTest {
    private static final LocalDateTime WHEN = LocalDateTime.of(2025, 3, 14, 15, 9, 26);

    @Test
    void javaReadsBackEveryEntryStoredOrDeflated(@TempDir Path tmp) throws Exception {
        byte[] repetitive = "abc".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        byte[] tiny = {7};
        Path file = tmp.resolve("a.zip");
        try (var out = Files.newOutputStream(file);
                var zip = new ZipArchiveWriter(out)) {
            zip.add("pkg/big.txt", repetitive, ZipArchiveWriter.REGULAR_FILE_MODE, WHEN);
            zip.add("pkg/tiny.bin", tiny, ZipArchiveWriter.REGULAR_FILE_MODE, WHEN);
            zip.add("pkg/empty", new byte[0], ZipArchiveWriter.REGULAR_FILE_MODE, WHEN);
            zip.add(
                    "pkg/déjà vu/ü.txt",
                    "ü".getBytes(StandardCharsets.UTF_8),
                    ZipArchiveWriter.EXECUTABLE_FILE_MODE,
                    WHEN);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            assertThat(zip.size()).isEqualTo(4);
            var big = zip.getEntry("pkg/big.txt");
            assertThat(big.getMethod()).isEqualTo(java.util.zip.ZipEntry.DEFLATED);
            assertThat(big.getCompressedSize()).isLessThan(repetitive.length / 10);
            assertThat(zip.getInputStream(big).readAllBytes()).isEqualTo(repetitive);
            assertThat(zip.getEntry("pkg/tiny.bin").getMethod()).isEqualTo(java.util.zip.ZipEntry.STORED);
            assertThat(zip.getInputStream(zip.getEntry("pkg/tiny.bin")).readAllBytes())
                    .isEqualTo(tiny);
            assertThat(zip.getInputStream(zip.getEntry("pkg/empty")).readAllBytes())
                    .isEmpty();
            assertThat(zip.getInputStream(zip.getEntry("pkg/déjà vu/ü.txt")).readAllBytes())
                    .isEqualTo("ü".getBytes(StandardCharsets.UTF_8));
            assertThat(big.getTimeLocal()).isEqualTo(WHEN.withSecond(26));
        }
    }

    @Test
    void unzipRestoresTheModes(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("modes.zip");
        try (var out = Files.newOutputStream(file);
                var zip = new ZipArchiveWriter(out)) {
            zip.add(
                    "pkg/build.sh",
                    "#!/bin/sh\necho built\n".getBytes(StandardCharsets.UTF_8),
                    ZipArchiveWriter.EXECUTABLE_FILE_MODE,
                    WHEN);
            zip.add(
                    "pkg/README.md",
                    "# hi\n".getBytes(StandardCharsets.UTF_8),
                    ZipArchiveWriter.REGULAR_FILE_MODE,
                    WHEN);
        }
        Path into = Files.createDirectory(tmp.resolve("out"));
        Unzip.run(file, into);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(into.resolve("pkg/build.sh"))))
                .isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(into.resolve("pkg/README.md"))))
                .isEqualTo("rw-r--r--");
        assertThat(Unzip.zipinfo(file)).contains("-rwxr-xr-x  2.0 unx", "-rw-r--r--  2.0 unx");
    }

    @Test
    void namesThatLeaveTheFolderModesBeyondRwxAndDuplicatesAreRefused() throws Exception {
        try (var zip = new ZipArchiveWriter(new ByteArrayOutputStream())) {
            for (String bad : new String[] {"../x", "/etc/passwd", "a/../../x", "C:/x", "a\\b", "", "dir/", "a\0b"}) {
                assertThatThrownBy(() -> zip.add(bad, new byte[0], 0644, WHEN))
                        .as(bad)
                        .hasMessageContaining("stays inside the archive");
            }
            assertThatThrownBy(() -> zip.add("setuid", new byte[0], 04755, WHEN))
                    .hasMessageContaining("beyond rwxrwxrwx");
            zip.add("once", new byte[0], 0644, WHEN);
            assertThatThrownBy(() -> zip.add("once", new byte[0], 0644, WHEN)).hasMessageContaining("added twice");
        }
    }
}
