package io.nlink.devkit;

import io.nlink.runtime.pkg.PackageLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes a ZIP whose entries carry Unix file modes, so that {@code unzip} (and Python's
 * {@code zipfile}, and most archive managers) restore a script's execute bit.
 *
 * <p>Why not {@link java.util.zip.ZipOutputStream}: it offers no way to set an entry's external
 * attributes, so every file it writes comes out of {@code unzip} as {@code rw-r--r--} and the
 * scaffold's {@code ./build.sh} fails with "Permission denied". This writer records the mode as
 * Info-ZIP's {@code zip} does: "version made by" says Unix (3) and the high 16 bits of the
 * external attributes hold {@code st_mode} (file type and permission bits).
 *
 * <p>Every nLink archive is small (the loader refuses more than
 * {@link PackageLoader#MAX_ZIP_TOTAL_BYTES}), so entries are given whole, which lets each local
 * header carry its sizes and CRC (no data descriptors) and keeps the format to plain ZIP 2.0:
 * no Zip64, which is refused rather than silently written wrong.
 */
public final class ZipArchiveWriter implements AutoCloseable {
    /** {@code rw-r--r--}: what every entry gets unless it must be executable. */
    public static final int REGULAR_FILE_MODE = 0644;

    /** {@code rwxr-xr-x}: scripts an author runs directly, such as build.sh. */
    public static final int EXECUTABLE_FILE_MODE = 0755;

    private static final int S_IFREG = 0100000;
    private static final int MADE_BY_UNIX = 3 << 8;
    private static final int VERSION_20 = 20;
    private static final int FLAG_UTF8_NAMES = 1 << 11;
    private static final int STORED = 0;
    private static final int DEFLATED = 8;
    private static final long MAX_32_BIT = 0xFFFF_FFFFL;
    private static final int MAX_ENTRIES = 0xFFFF;

    private final CountingOutputStream out;
    private final ByteArrayOutputStream centralDirectory = new ByteArrayOutputStream();
    private final Set<String> names = new HashSet<>();
    private int entries;
    private boolean finished;

    public ZipArchiveWriter(OutputStream out) {
        this.out = new CountingOutputStream(out);
    }

    /**
     * Adds one file.
     *
     * @param name     path inside the archive with '/' separators; refused when it is empty, ends
     *                 in '/', has a '\' or would escape the folder it is extracted into
     * @param content  the whole file
     * @param mode     permission bits, {@link #REGULAR_FILE_MODE} or {@link #EXECUTABLE_FILE_MODE};
     *                 anything beyond {@code 0777} (setuid, sticky) is refused
     * @param modified recorded in the entry with the ZIP format's two-second precision
     */
    public void add(String name, byte[] content, int mode, LocalDateTime modified) throws IOException {
        if (finished) throw new IllegalStateException("the archive is already finished");
        checkName(name);
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException(
                    "ZIP entry " + name + ": mode " + Integer.toOctalString(mode) + " has bits beyond rwxrwxrwx");
        }
        if (entries == MAX_ENTRIES)
            throw new IOException("more than " + MAX_ENTRIES + " files: too many for a ZIP without Zip64");
        if (!names.add(name)) throw new IllegalArgumentException("ZIP entry " + name + " added twice");

        CRC32 crc = new CRC32();
        crc.update(content);
        byte[] deflated = deflate(content);
        boolean store = deflated.length >= content.length;
        byte[] data = store ? content : deflated;
        int method = store ? STORED : DEFLATED;
        long offset = out.count;
        if (offset + 30 + name.length() * 3L + data.length > MAX_32_BIT) {
            throw new IOException("the archive would exceed 4 GiB: too large for a ZIP without Zip64");
        }
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int dosTime = dosTime(modified);
        int dosDate = dosDate(modified);

        LittleEndian local = new LittleEndian(out);
        local.int32(0x04034b50);
        local.int16(VERSION_20);
        sharedFields(local, method, dosTime, dosDate, crc, data.length, content.length, nameBytes.length);
        out.write(nameBytes);
        out.write(data);

        LittleEndian central = new LittleEndian(centralDirectory);
        central.int32(0x02014b50);
        central.int16(MADE_BY_UNIX | VERSION_20);
        central.int16(VERSION_20);
        sharedFields(central, method, dosTime, dosDate, crc, data.length, content.length, nameBytes.length);
        central.int16(0); // comment length
        central.int16(0); // disk number
        central.int16(0); // internal attributes
        central.int32((S_IFREG | mode) << 16);
        central.int32((int) offset);
        centralDirectory.write(nameBytes);
        entries++;
    }

    /** The fields the local header and the central directory entry share, in the order both use. */
    private static void sharedFields(
            LittleEndian header,
            int method,
            int dosTime,
            int dosDate,
            CRC32 crc,
            int compressedSize,
            int size,
            int nameLength)
            throws IOException {
        header.int16(FLAG_UTF8_NAMES);
        header.int16(method);
        header.int16(dosTime);
        header.int16(dosDate);
        header.int32((int) crc.getValue());
        header.int32(compressedSize);
        header.int32(size);
        header.int16(nameLength);
        header.int16(0); // extra field length
    }

    /** Writes the central directory; the underlying stream stays open. */
    public void finish() throws IOException {
        if (finished) return;
        finished = true;
        long offset = out.count;
        if (offset + centralDirectory.size() > MAX_32_BIT) {
            throw new IOException("the archive would exceed 4 GiB: too large for a ZIP without Zip64");
        }
        centralDirectory.writeTo(out);
        LittleEndian end = new LittleEndian(out);
        end.int32(0x06054b50);
        end.int16(0); // this disk
        end.int16(0); // disk with the central directory
        end.int16(entries);
        end.int16(entries);
        end.int32(centralDirectory.size());
        end.int32((int) offset);
        end.int16(0); // comment length
        out.flush();
    }

    /** Finishes the archive; the underlying stream stays open (its owner closes it). */
    @Override
    public void close() throws IOException {
        finish();
    }

    private static void checkName(String name) {
        if (name == null
                || name.isEmpty()
                || name.endsWith("/")
                || name.contains("\\")
                || name.contains("\0")
                || PackageLoader.escapes(name)
                || name.getBytes(StandardCharsets.UTF_8).length > 0xFFFF) {
            throw new IllegalArgumentException("ZIP entry name \"" + name
                    + "\": expected a relative file path with '/' separators that stays inside the archive");
        }
    }

    private static byte[] deflate(byte[] content) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            deflater.setInput(content);
            deflater.finish();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, content.length / 2));
            byte[] buffer = new byte[65536];
            while (!deflater.finished()) {
                int n = deflater.deflate(buffer);
                bytes.write(buffer, 0, n);
            }
            return bytes.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** MS-DOS time: seconds / 2, minutes, hours; dates before 1980 cannot be written and become 1980. */
    private static int dosTime(LocalDateTime t) {
        if (t.getYear() < 1980) return 0;
        return (t.getHour() << 11) | (t.getMinute() << 5) | (t.getSecond() / 2);
    }

    private static int dosDate(LocalDateTime t) {
        if (t.getYear() < 1980) return (1 << 5) | 1; // 1980-01-01
        int year = Math.min(t.getYear(), 2107) - 1980;
        return (year << 9) | (t.getMonthValue() << 5) | t.getDayOfMonth();
    }

    private static final class CountingOutputStream extends OutputStream {
        private final OutputStream target;
        long count;

        CountingOutputStream(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            target.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }
    }

    private record LittleEndian(OutputStream out) {
        void int16(int v) throws IOException {
            out.write(v & 0xFF);
            out.write((v >>> 8) & 0xFF);
        }

        void int32(int v) throws IOException {
            int16(v);
            int16(v >>> 16);
        }
    }
}
