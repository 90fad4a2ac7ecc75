package io.nlink.server.store;

import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.pkg.Problem;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Screens an uploaded ZIP by its central directory before anything is inflated: the store keeps
 * the ZIP and hands it back to users, so what would be harmless to nLink's loader (which reads
 * only the files it knows, into memory) must still not be stored for someone else to unpack.
 *
 * <p>Refused: entries whose path escapes the folder (zip slip), symbolic links, duplicate names,
 * more entries than a package needs, declared sizes past the total bound or inflating at a ratio
 * only a bomb reaches, ZIP64 archives and archives whose directory does not parse. Declared sizes
 * can lie; the loader enforces the same total bound on the bytes actually inflated.
 */
final class UploadScreen {
    /** Compression ratio no real package file reaches (wasm and JSON compress 3-10x). */
    static final long MAX_RATIO = 200;

    /** Entries below this size are never called bombs, whatever their ratio (a run of spaces). */
    private static final long RATIO_FLOOR_BYTES = 1024 * 1024;

    private static final int END_OF_DIRECTORY = 0x06054b50;
    private static final int DIRECTORY_ENTRY = 0x02014b50;
    private static final int UNIX_HOST = 3;
    private static final int FILE_TYPE_MASK = 0xF000;
    private static final int SYMLINK_TYPE = 0xA000;

    private UploadScreen() {}

    static List<Problem> check(byte[] zip) {
        List<Problem> problems = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int end = findEndOfDirectory(buf);
        if (end < 0) {
            problems.add(
                    zipProblem(
                            "is not a ZIP archive (no end-of-central-directory record); upload the ZIP that `nlink pack` writes"));
            return problems;
        }
        int entries = buf.getShort(end + 10) & 0xFFFF;
        long directorySize = buf.getInt(end + 12) & 0xFFFFFFFFL;
        long directoryOffset = buf.getInt(end + 16) & 0xFFFFFFFFL;
        if (entries == 0xFFFF || directorySize == 0xFFFFFFFFL || directoryOffset == 0xFFFFFFFFL) {
            problems.add(zipProblem("is a ZIP64 archive; node packages are small, upload a plain ZIP"));
            return problems;
        }
        if (entries > PackageLoader.MAX_ZIP_ENTRIES) {
            problems.add(zipProblem(
                    "has " + entries + " entries; at most " + PackageLoader.MAX_ZIP_ENTRIES + " are accepted"));
            return problems;
        }
        if (directoryOffset + directorySize > end) {
            problems.add(zipProblem("has a central directory that points outside the archive"));
            return problems;
        }
        Set<String> names = new HashSet<>();
        long declaredTotal = 0;
        int at = (int) directoryOffset;
        for (int i = 0; i < entries; i++) {
            if (at + 46 > end || buf.getInt(at) != DIRECTORY_ENTRY) {
                problems.add(zipProblem("has a damaged central directory (entry " + (i + 1) + " of " + entries + ")"));
                return problems;
            }
            int madeBy = (buf.getShort(at + 4) & 0xFFFF) >>> 8;
            long compressed = buf.getInt(at + 20) & 0xFFFFFFFFL;
            long size = buf.getInt(at + 24) & 0xFFFFFFFFL;
            int nameLength = buf.getShort(at + 28) & 0xFFFF;
            int extraLength = buf.getShort(at + 30) & 0xFFFF;
            int commentLength = buf.getShort(at + 32) & 0xFFFF;
            int externalAttributes = buf.getInt(at + 38);
            if (at + 46 + nameLength > end) {
                problems.add(zipProblem("has a damaged central directory (entry " + (i + 1) + " of " + entries + ")"));
                return problems;
            }
            String name = new String(zip, at + 46, nameLength, StandardCharsets.UTF_8);
            at += 46 + nameLength + extraLength + commentLength;

            String shown = printable(name);
            String normalised = name.replace('\\', '/');
            while (normalised.startsWith("./")) normalised = normalised.substring(2);
            if (PackageLoader.escapes(normalised)) {
                problems.add(new Problem(
                        shown, "", "ZIP entry path escapes the package folder (absolute, drive-letter or '..' path)"));
            } else if (!shown.equals(name)) {
                problems.add(new Problem(shown, "", "ZIP entry name contains control characters"));
            }
            if (madeBy == UNIX_HOST && ((externalAttributes >>> 16) & FILE_TYPE_MASK) == SYMLINK_TYPE) {
                problems.add(new Problem(shown, "", "is a symbolic link; packages must contain plain files only"));
            }
            if (!names.add(normalised)) {
                problems.add(new Problem(shown, "", "appears twice in the ZIP"));
            }
            declaredTotal += size;
            if (size > RATIO_FLOOR_BYTES && size > MAX_RATIO * Math.max(1, compressed)) {
                problems.add(new Problem(
                        shown,
                        "",
                        "inflates " + size / Math.max(1, compressed) + "x (" + size + " bytes from " + compressed
                                + "); more than " + MAX_RATIO + "x is refused as a zip bomb"));
            }
        }
        if (declaredTotal > PackageLoader.MAX_ZIP_TOTAL_BYTES) {
            problems.add(zipProblem("declares " + declaredTotal / (1024 * 1024) + " MiB of content; at most "
                    + PackageLoader.MAX_ZIP_TOTAL_BYTES / (1024 * 1024) + " MiB are accepted"));
        }
        return problems;
    }

    private static int findEndOfDirectory(ByteBuffer buf) {
        int lowest = Math.max(0, buf.limit() - 22 - 0xFFFF); // the record plus the longest comment
        for (int at = buf.limit() - 22; at >= lowest; at--) {
            if (buf.getInt(at) == END_OF_DIRECTORY) return at;
        }
        return -1;
    }

    private static String printable(String name) {
        StringBuilder out = new StringBuilder(name.length());
        name.codePoints().forEach(c -> out.append(Character.isISOControl(c) ? "?" : Character.toString(c)));
        return out.length() > 200 ? out.substring(0, 200) + "…" : out.toString();
    }

    private static Problem zipProblem(String message) {
        return new Problem("(zip)", "", message);
    }
}
