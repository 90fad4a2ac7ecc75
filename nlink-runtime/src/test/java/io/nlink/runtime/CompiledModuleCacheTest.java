package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.internal.wasm.WasmSandbox;
import io.nlink.runtime.wasm.InvalidModuleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
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

    @Test
    void anEntryRenamedToAnotherModulesHashIsDiscardedAndThatModuleValidatedAndCompiled(@TempDir Path tmp)
            throws Exception {
        Path dir = tmp.resolve("compiled");
        byte[] hello = Guests.exampleWasm("hello-go");
        new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir)).load(hello);
        // A module the engine's validator refuses (a function whose body leaves an i32 where its
        // type returns nothing), under the name of hello-go's compiled classes: a cache hit skips
        // the validation, so an entry must prove it is this module's before it is trusted.
        byte[] invalid = HostileWat.assemble(
                HostileWat.node(HostileWat.okBody(), HostileWat.okData() + "(func (i32.const 1))"), "--no-check");
        Path entry;
        try (var files = Files.list(dir)) {
            entry = files.findFirst().orElseThrow();
        }
        Path forged = dir.resolve(entry.getFileName().toString().replace(Sha256.hex(hello), Sha256.hex(invalid)));
        Files.copy(entry, forged);

        WasmEngine engine = new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir));
        assertThatThrownBy(() -> engine.load(invalid))
                .isInstanceOf(InvalidModuleException.class)
                .hasMessageContaining("it is not a valid WebAssembly module");
        assertThat(forged).doesNotExist();
        assertThat(engine.diskCacheHits()).isZero();
        // the genuine entry is still trusted
        assertThat(greet(engine.load(hello))).startsWith("Hello, cache!");
        assertThat(engine.diskCacheHits()).isEqualTo(1);
    }

    @Test
    void anEntryWhoseClassesDoNotLoadIsDiscardedAndTheModuleValidatedAndCompiled(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("compiled");
        byte[] wasm = Guests.exampleWasm("hello-go");
        new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir)).load(wasm);
        Path entry;
        try (var files = Files.list(dir)) {
            entry = files.findFirst().orElseThrow();
        }
        // keep the entries that name the module, drop the classes
        java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        try (var in = new JarInputStream(Files.newInputStream(entry));
                var out = new JarOutputStream(kept)) {
            JarEntry e;
            while ((e = in.getNextJarEntry()) != null) {
                if (e.getName().endsWith(".class")) continue;
                out.putNextEntry(new JarEntry(e.getName()));
                out.write(in.readAllBytes());
                out.closeEntry();
            }
        }
        Files.write(entry, kept.toByteArray());

        WasmEngine engine = new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir));
        assertThat(greet(engine.load(wasm))).startsWith("Hello, cache!");
        assertThat(engine.diskCacheHits()).isZero();
        assertThat(engine.compilations()).isEqualTo(1);
        // and stored again, whole
        WasmEngine next = new WasmEngine(WasmEngine.Options.DEFAULTS.withCacheDirectory(dir));
        assertThat(greet(next.load(wasm))).startsWith("Hello, cache!");
        assertThat(next.diskCacheHits()).isEqualTo(1);
    }
}
