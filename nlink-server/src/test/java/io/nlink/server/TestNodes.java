package io.nlink.server;

import io.nlink.devkit.Packer;
import io.nlink.runtime.pkg.PackageLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Node ZIPs for the tests: the seed's real Go node, packed as users pack it, and hostile variants. */
final class TestNodes {
    static final Path EXAMPLES = Path.of(System.getProperty("nlink.examples.dir", "../examples"));
    static final Path HELLO_GO = EXAMPLES.resolve("hello-go");

    private TestNodes() {}

    /** examples/hello-go as `nlink pack` writes it. */
    static byte[] helloGo() {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Packer.pack(HELLO_GO, PackageLoader.load(HELLO_GO), out);
            return out.toByteArray();
        } catch (Exception e) {
            throw new AssertionError("cannot pack " + HELLO_GO + " (does the examples module build it?)", e);
        }
    }

    static final Path HELLO_JS = EXAMPLES.resolveSibling("bench").resolve("nodes/hello-js");
    static final Path WORKFLOWS = EXAMPLES.resolve("workflows");

    /** bench/nodes/hello-js, a node with execution.js only, zipped. */
    static byte[] helloJs() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : new String[] {"package.json", "definition.json", "execution.js"}) {
            try {
                files.put(name, Files.readAllBytes(HELLO_JS.resolve(name)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return zip(files);
    }

    /** hello-go's files, for variants: name → bytes, under no folder. */
    static Map<String, byte[]> helloGoFiles() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : new String[] {"package.json", "definition.json", "execution.wasm"}) {
            try {
                files.put(name, Files.readAllBytes(HELLO_GO.resolve(name)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    /** The version hello-go's package.json declares. */
    static String helloGoVersion() {
        return new String(helloGoFiles().get("package.json"), StandardCharsets.UTF_8)
                .replaceAll("(?s).*\"version\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    }

    static Map<String, byte[]> withVersion(Map<String, byte[]> files, String version) {
        Map<String, byte[]> copy = new LinkedHashMap<>(files);
        String manifest = new String(files.get("package.json"), StandardCharsets.UTF_8)
                .replaceFirst("\"version\"\\s*:\\s*\"[^\"]*\"", "\"version\": \"" + version + "\"");
        copy.put("package.json", manifest.getBytes(StandardCharsets.UTF_8));
        return copy;
    }

    /** A package of {@code wasm} as the node {@code name}: hello-go's manifest, renamed, and its definition. */
    static byte[] withModule(String name, byte[] wasm) {
        Map<String, byte[]> files = helloGoFiles();
        String manifest = new String(files.get("package.json"), StandardCharsets.UTF_8)
                .replaceFirst("\"name\"\\s*:\\s*\"[^\"]*\"", "\"name\": \"" + name + "\"");
        files.put("package.json", manifest.getBytes(StandardCharsets.UTF_8));
        files.put("execution.wasm", wasm);
        return zip(files);
    }

    static byte[] zip(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (var file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Marks {@code entry} in the central directory as a Unix symbolic link, as `zip --symlinks` would. */
    static byte[] markSymlink(byte[] zip, String entry) {
        ByteBuffer buf = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at + 46 < zip.length; at++) {
            if (buf.getInt(at) != 0x02014b50) continue;
            int nameLength = buf.getShort(at + 28) & 0xFFFF;
            String name = new String(zip, at + 46, nameLength, StandardCharsets.UTF_8);
            if (name.equals(entry)) {
                buf.putShort(at + 4, (short) ((3 << 8) | 20)); // made by Unix
                buf.putInt(at + 38, 0xA1FF << 16); // lrwxrwxrwx
                return zip;
            }
        }
        throw new AssertionError("no central directory entry " + entry);
    }
}
