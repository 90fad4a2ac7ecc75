package io.nlink.runtime.pkg;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.Sha256;
import io.nlink.runtime.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Loads a node package from a folder or a ZIP. Everything in it is treated as hostile: only the
 * five known files are read (package.json, definition.json, execution.wasm, execution.wasm.sha256,
 * execution.js), each with a size bound checked while reading (a ZIP's declared
 * sizes are not trusted), ZIP entry names that escape the package are refused, symbolic links are
 * not followed, and every problem found is reported at once with its file and field.
 *
 * <p>A ZIP may hold the files at its root or inside one top-level folder (as zipping a package
 * folder produces).
 */
public final class PackageLoader {
    public static final String WASM_FILE = "execution.wasm";
    public static final String JS_FILE = "execution.js";

    /** Optional: the module's SHA-256 as {@code sha256sum} writes it; {@code nlink pack} adds it. */
    public static final String WASM_SHA256_FILE = "execution.wasm.sha256";

    /** Largest execution.wasm accepted: the Go runtime alone is about 3 MB. */
    public static final long MAX_WASM_BYTES = 64L * 1024 * 1024;

    /** Largest execution.js, package.json or definition.json accepted. */
    public static final long MAX_TEXT_BYTES = 4L * 1024 * 1024;

    /** Most entries a ZIP may have; packages hold a handful of files. */
    public static final int MAX_ZIP_ENTRIES = 10_000;

    /** Most bytes all entries of a ZIP may inflate to, read or not: a zip-bomb bound. */
    public static final long MAX_ZIP_TOTAL_BYTES = 256L * 1024 * 1024;

    private static final Map<String, Long> KNOWN_FILES = Map.of(
            PackageManifest.FILE,
            MAX_TEXT_BYTES,
            NodeDefinition.FILE,
            MAX_TEXT_BYTES,
            WASM_FILE,
            MAX_WASM_BYTES,
            JS_FILE,
            MAX_TEXT_BYTES,
            WASM_SHA256_FILE,
            1024L);

    private PackageLoader() {}

    /** Loads the package at {@code path}: a folder, or a file ending in .zip. */
    public static NodePackage load(Path path) throws InvalidPackageException, IOException {
        String source = path.toString();
        Map<String, byte[]> files = new HashMap<>();
        List<Problem> problems = new ArrayList<>();
        if (Files.isDirectory(path)) {
            readFolder(path, files, problems);
        } else if (Files.isRegularFile(path)) {
            try (InputStream in = Files.newInputStream(path)) {
                readZip(in, files, problems);
            }
        } else {
            throw new IOException(source + ": no such package folder or ZIP file");
        }
        return assemble(source, files, problems);
    }

    /** Loads a package from ZIP bytes, as an upload delivers them. */
    public static NodePackage loadZip(String source, InputStream zip) throws InvalidPackageException, IOException {
        Map<String, byte[]> files = new HashMap<>();
        List<Problem> problems = new ArrayList<>();
        readZip(zip, files, problems);
        return assemble(source, files, problems);
    }

    private static void readFolder(Path dir, Map<String, byte[]> files, List<Problem> problems) throws IOException {
        for (var known : KNOWN_FILES.entrySet()) {
            Path file = dir.resolve(known.getKey());
            if (Files.isSymbolicLink(file)) {
                problems.add(new Problem(known.getKey(), "", "is a symbolic link; packages must contain plain files"));
            } else if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                try (InputStream in = Files.newInputStream(file)) {
                    byte[] bytes = readBounded(in, known.getValue());
                    if (bytes == null) {
                        problems.add(tooLarge(known.getKey(), known.getValue()));
                    } else {
                        files.put(known.getKey(), bytes);
                    }
                }
            }
        }
    }

    private static void readZip(InputStream raw, Map<String, byte[]> files, List<Problem> problems) throws IOException {
        Map<String, byte[]> byName = new HashMap<>();
        String prefix = null;
        boolean singlePrefix = true;
        long total = 0;
        int entries = 0;
        try (ZipInputStream zip = new ZipInputStream(raw)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                if (++entries > MAX_ZIP_ENTRIES) {
                    problems.add(new Problem("(zip)", "", "has more than " + MAX_ZIP_ENTRIES + " entries"));
                    return;
                }
                String name = entry.getName().replace('\\', '/');
                while (name.startsWith("./")) {
                    name = name.substring(2); // "./package.json" is package.json: a second copy is a duplicate
                }
                if (escapes(name)) {
                    problems.add(new Problem(
                            name, "", "ZIP entry path escapes the package (absolute, drive-letter or '..' path)"));
                    continue;
                }
                String top = name.contains("/") ? name.substring(0, name.indexOf('/') + 1) : "";
                if (prefix == null) prefix = top;
                else if (!prefix.equals(top)) singlePrefix = false;
                if (entry.isDirectory()) continue;
                String base = name.substring(name.lastIndexOf('/') + 1);
                Long limit = KNOWN_FILES.get(base);
                long budget = MAX_ZIP_TOTAL_BYTES - total;
                byte[] bytes = readBounded(zip, limit == null ? budget : Math.min(limit, budget));
                if (bytes == null) {
                    if (limit != null && limit < budget) {
                        // What was inflated to find out still counts towards the zip-bomb bound.
                        total += limit;
                        problems.add(tooLarge(name, limit));
                        continue;
                    }
                    problems.add(new Problem(
                            "(zip)", "", "inflates to more than " + MAX_ZIP_TOTAL_BYTES / (1024 * 1024) + " MiB"));
                    return;
                }
                total += bytes.length;
                if (limit != null) {
                    if (byName.put(name, bytes) != null) {
                        problems.add(new Problem(name, "", "appears twice in the ZIP"));
                    }
                }
            }
        }
        String root = singlePrefix && prefix != null ? prefix : "";
        for (String known : KNOWN_FILES.keySet()) {
            byte[] bytes = byName.get(root + known);
            if (bytes != null) files.put(known, bytes);
        }
    }

    /** Whether a ZIP entry's path (with '/' separators) leaves the package folder: absolute, drive-letter or '..'. */
    public static boolean escapes(String name) {
        return name.startsWith("/")
                || name.matches("^[A-Za-z]:.*")
                || name.equals("..")
                || name.startsWith("../")
                || name.contains("/../")
                || name.endsWith("/..");
    }

    private static Problem tooLarge(String file, long limit) {
        return new Problem(file, "", "is larger than the " + limit / (1024 * 1024) + " MiB allowed");
    }

    /** Reads at most {@code limit} bytes; null when the stream holds more. */
    private static byte[] readBounded(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[65536];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > limit) return null;
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static NodePackage assemble(String source, Map<String, byte[]> files, List<Problem> problems)
            throws InvalidPackageException {
        JsonNode manifestJson = readJson(PackageManifest.FILE, files, problems);
        JsonNode definitionJson = readJson(NodeDefinition.FILE, files, problems);
        PackageManifest manifest = manifestJson == null ? null : PackageManifest.parse(manifestJson, problems);
        NodeDefinition definition = definitionJson == null ? null : NodeDefinition.parse(definitionJson, problems);
        byte[] wasm = files.get(WASM_FILE);
        String js = null;
        if (files.containsKey(JS_FILE)) {
            js = utf8(JS_FILE, files.get(JS_FILE), problems);
        }
        if (files.containsKey(WASM_SHA256_FILE)) {
            checkRecordedHash(files.get(WASM_SHA256_FILE), wasm, problems);
        }
        if (wasm == null && js == null) {
            problems.add(new Problem(
                    WASM_FILE,
                    "",
                    "is missing, and there is no " + JS_FILE + " either: a node needs at least one to run"
                            + " (build execution.wasm from the node's source)"));
        }
        if (definition != null && definition.perItemFallback() && !files.containsKey(JS_FILE)) {
            problems.add(new Problem(
                    NodeDefinition.FILE,
                    NodeDefinition.PER_ITEM_FALLBACK,
                    "is true, but the package has no " + JS_FILE + " to re-run failed items on: add " + JS_FILE
                            + " or remove the field"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidPackageException(source, problems);
        }
        return new NodePackage(source, manifest, definition, wasm, js);
    }

    /** A package that records its module's hash must carry exactly that module. */
    private static void checkRecordedHash(byte[] record, byte[] wasm, List<Problem> problems) {
        String text = new String(record, StandardCharsets.UTF_8).strip();
        String recorded = text.split("\\s+")[0].toLowerCase(java.util.Locale.ROOT);
        if (!recorded.matches("[0-9a-f]{64}")) {
            problems.add(new Problem(
                    WASM_SHA256_FILE,
                    "",
                    "expected a SHA-256 in hex followed by the file name, as sha256sum writes it"));
        } else if (wasm == null) {
            problems.add(new Problem(WASM_SHA256_FILE, "", "records a hash but the package has no " + WASM_FILE));
        } else {
            String actual = Sha256.hex(wasm);
            if (!actual.equals(recorded)) {
                problems.add(new Problem(
                        WASM_SHA256_FILE,
                        "",
                        "records " + recorded + " but " + WASM_FILE + " has SHA-256 " + actual
                                + ": the module was changed after packing"));
            }
        }
    }

    private static JsonNode readJson(String file, Map<String, byte[]> files, List<Problem> problems) {
        byte[] bytes = files.get(file);
        if (bytes == null) {
            problems.add(new Problem(file, "", "is missing"));
            return null;
        }
        if (utf8(file, bytes, problems) == null) return null;
        try {
            JsonNode node = Json.parse(bytes);
            if (node == null || !node.isObject()) {
                problems.add(new Problem(file, "", "expected a JSON object at the top level"));
                return null;
            }
            return node;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            problems.add(new Problem(
                    file,
                    "",
                    "is not valid JSON"
                            + (loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")")
                            + ": "
                            + e.getOriginalMessage()));
            return null;
        } catch (IOException e) {
            problems.add(new Problem(file, "", "cannot be read: " + e.getMessage()));
            return null;
        }
    }

    private static String utf8(String file, byte[] bytes, List<Problem> problems) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            problems.add(new Problem(file, "", "is not valid UTF-8 text"));
            return null;
        }
    }
}
