package io.nlink.runtime;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Real guests for tests: the example nodes compiled by the build, and modules assembled from WAT. */
public final class Guests {
    /** One engine for the whole test run, so each Go module is compiled once. */
    public static final WasmEngine ENGINE = new WasmEngine();

    private Guests() {}

    /** The folder of an example node, e.g. "hello-go", whose execution.wasm the build compiled. */
    public static Path example(String name) {
        String dir = System.getProperty("nlink.examples.dir");
        Path root = dir != null ? Path.of(dir) : Path.of("..", "examples");
        Path folder = root.resolve(name);
        if (!Files.isRegularFile(folder.resolve("execution.wasm"))) {
            fail(folder + "/execution.wasm is missing: the build compiles it (run examples/build.sh)");
        }
        return folder;
    }

    public static byte[] exampleWasm(String name) {
        try {
            return Files.readAllBytes(example(name).resolve("execution.wasm"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static WasmNode exampleNode(String name) {
        try {
            return ENGINE.load(exampleWasm(name));
        } catch (Exception e) {
            throw new AssertionError("example " + name + " did not load", e);
        }
    }

    /**
     * Assembles a module from WebAssembly text with wabt's wat2wasm (installed by
     * scripts/setup.sh), keeping function names in a name section as debug builds do.
     */
    public static byte[] wat(String text) {
        try {
            Path dir = Files.createTempDirectory("nlink-wat");
            Path source = dir.resolve("module.wat");
            Path output = dir.resolve("module.wasm");
            Files.writeString(source, text);
            Process p = new ProcessBuilder("wat2wasm", "--debug-names", source.toString(), "-o", output.toString())
                    .redirectErrorStream(true)
                    .start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new AssertionError("wat2wasm failed: " + log);
            }
            byte[] wasm = Files.readAllBytes(output);
            Files.delete(source);
            Files.delete(output);
            Files.delete(dir);
            return wasm;
        } catch (IOException e) {
            throw new UncheckedIOException("wat2wasm (Debian package wabt) is needed; run scripts/setup.sh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static ObjectNode obj(String json) {
        try {
            return (ObjectNode) Json.parse(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode node(String json) {
        try {
            return Json.parse(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
