package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.internal.wasm.WasmSandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiled modules kept on disk across engines (that is, across processes). */
class CompiledModuleCacheTest {

    private static String greet(WasmNode node) throws Exception {
        try (WasmSandbox sandbox = node.newInstance(SandboxLimits.DEFAULTS)) {
            return sandbox.call(0, ItemCodec.encodeContext(obj("{\"text\":\"cache\"}"), obj("{}")))
                    .items()
                    .get(0)
                    .get("message")
                    .textValue();
        }
    }

    @Test
    void aSecondEngineLoadsTheCompiledModuleInsteadOfCompilingIt(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("compiled");
        byte[] wasm = Guests.exampleWasm("hello-go");

        WasmEngine first = new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir));
        assertThat(greet(first.load(wasm))).startsWith("Hello, cache!");
        assertThat(first.compilations()).isEqualTo(1);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                .isEqualTo("rwx------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .singleElement()
                    .satisfies(name -> assertThat(name)
                            .startsWith(Sha256.hex(wasm) + "-endive-")
                            .endsWith(".jar"));
        }

        WasmEngine second = new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir));
        WasmNode node = second.load(wasm);
        assertThat(second.compilations()).isZero();
        assertThat(second.diskCacheHits()).isEqualTo(1);
        assertThat(node.interpretedFunctions()).isEmpty();
        assertThat(greet(node)).startsWith("Hello, cache!");
    }

    @Test
    void aDirectoryOthersCanWriteIsNotUsed(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        WasmEngine engine = new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir));
        assertThat(greet(engine.load(Guests.exampleWasm("hello-go")))).startsWith("Hello, cache!");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aCorruptEntryIsDiscardedAndRecompiled(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("compiled");
        byte[] wasm = Guests.exampleWasm("hello-go");
        new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir)).load(wasm);
        try (var files = Files.list(dir)) {
            Files.write(files.findFirst().orElseThrow(), "garbage".getBytes());
        }
        WasmEngine engine = new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir));
        assertThat(greet(engine.load(wasm))).startsWith("Hello, cache!");
        assertThat(engine.compilations()).isEqualTo(1);
        assertThat(engine.diskCacheHits()).isZero();
    }
}
