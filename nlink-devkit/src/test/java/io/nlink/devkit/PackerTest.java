package io.nlink.devkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.runtime.pkg.InvalidPackageException;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nlink pack} for every package shape the loader accepts, each ZIP loaded back with the real loader. */
class PackerTest {
    private static final Path HELLO_GO =
            Path.of(System.getProperty("nlink.examples.dir", "../examples")).resolve("hello-go");
    private static final Path HELLO_JS =
            HELLO_GO.getParent().resolveSibling("bench").resolve("nodes/hello-js");

    @Test
    void aWasmOnlyPackageCarriesItsModuleAndItsHash(@TempDir Path tmp) throws Exception {
        Path dir = copy(
                HELLO_GO,
                tmp.resolve("wasm"),
                "package.json",
                "definition.json",
                "execution.wasm",
                "main.go",
                "go.mod");
        NodePackage packed = packAndLoad(dir, tmp.resolve("wasm.zip"));
        assertThat(packed.wasm()).isEqualTo(Files.readAllBytes(HELLO_GO.resolve("execution.wasm")));
        assertThat(packed.javascript()).isNull();
        assertThat(entries(tmp.resolve("wasm.zip")))
                .containsExactly(
                        "nlink-community.wasm_demo/definition.json",
                        "nlink-community.wasm_demo/execution.wasm",
                        "nlink-community.wasm_demo/go.mod",
                        "nlink-community.wasm_demo/main.go",
                        "nlink-community.wasm_demo/package.json",
                        "nlink-community.wasm_demo/execution.wasm.sha256");
    }

    @Test
    void aJavaScriptOnlyPackagePacksWithoutAModuleOrAHash(@TempDir Path tmp) throws Exception {
        Packer.Packed packed = Packer.packTo(HELLO_JS, PackageLoader.load(HELLO_JS), tmp.resolve("js.zip"));
        assertThat(packed.wasmSha256()).isNull();
        NodePackage loaded = PackageLoader.load(tmp.resolve("js.zip"));
        assertThat(loaded.wasm()).isNull();
        assertThat(loaded.javascript()).isEqualTo(Files.readString(HELLO_JS.resolve("execution.js")));
        assertThat(entries(tmp.resolve("js.zip"))).noneMatch(e -> e.endsWith(PackageLoader.WASM_SHA256_FILE));
    }

    @Test
    void aPackageWithBothRuntimesKeepsBoth(@TempDir Path tmp) throws Exception {
        Path dir = copy(HELLO_GO, tmp.resolve("both"), "package.json", "definition.json", "execution.wasm");
        Files.copy(HELLO_JS.resolve("execution.js"), dir.resolve("execution.js"));
        NodePackage loaded = packAndLoad(dir, tmp.resolve("both.zip"));
        assertThat(loaded.wasm()).isNotNull();
        assertThat(loaded.javascript()).isNotNull();
    }

    @Test
    void buildOutputsStaleHashesSymbolicLinksAndTheZipItselfAreLeftOutAndModesAreKept(@TempDir Path tmp)
            throws Exception {
        Path dir = copy(HELLO_JS, tmp.resolve("js"), "package.json", "definition.json", "execution.js");
        Files.writeString(dir.resolve("build.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(dir.resolve("build.sh"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createDirectories(dir.resolve("node_modules/x"));
        Files.writeString(dir.resolve("node_modules/x/index.js"), "");
        Files.writeString(dir.resolve("main.o"), "");
        Files.createSymbolicLink(dir.resolve("secrets"), Path.of("/etc/passwd"));
        Path zip = dir.resolve("out.zip");
        Files.writeString(zip, "an older pack");

        Packer.packTo(dir, PackageLoader.load(dir), zip);
        assertThat(entries(zip))
                .containsExactly(
                        "nlink-community.hello_js/build.sh",
                        "nlink-community.hello_js/definition.json",
                        "nlink-community.hello_js/execution.js",
                        "nlink-community.hello_js/package.json");
        Path unzipped = Files.createDirectory(tmp.resolve("unzipped"));
        Unzip.run(zip, unzipped);
        // World-write is not carried over; the execute bit is.
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(unzipped.resolve("nlink-community.hello_js/build.sh"))))
                .isEqualTo("rwxr-xr-x");
        assertThat(PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(unzipped.resolve("nlink-community.hello_js/package.json"))))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void aZipThatWouldNotLoadIsNeverLeftBehindAndAnOlderOneSurvives(@TempDir Path tmp) throws Exception {
        Path dir = copy(HELLO_GO, tmp.resolve("wasm"), "package.json", "definition.json", "execution.wasm");
        NodePackage loaded = PackageLoader.load(dir);
        // The module changes between loading and packing (a build finishing meanwhile): the hash
        // recorded no longer matches, and the loader refuses the ZIP.
        Files.write(dir.resolve("execution.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
        Path fresh = tmp.resolve("fresh.zip");
        assertThatThrownBy(() -> Packer.packTo(dir, loaded, fresh))
                .isInstanceOf(InvalidPackageException.class)
                .hasMessageContaining("the module was changed after packing");
        assertThat(fresh).doesNotExist();

        Path older = tmp.resolve("older.zip");
        Files.writeString(older, "an older pack");
        assertThatThrownBy(() -> Packer.packTo(dir, loaded, older)).isInstanceOf(InvalidPackageException.class);
        assertThat(older).hasContent("an older pack");
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("wasm", "older.zip");
        }
    }

    @Test
    void aScopedNameBecomesOneFolderAndOneFileName(@TempDir Path tmp) throws Exception {
        Path dir = copy(HELLO_JS, tmp.resolve("js"), "definition.json", "execution.js");
        Files.writeString(dir.resolve("package.json"), "{\"name\": \"@acme/greeter\", \"version\": \"2.0.0\"}");
        NodePackage pkg = PackageLoader.load(dir);
        assertThat(Packer.zipFileName(pkg)).isEqualTo("acme-greeter-2.0.0.zip");
        NodePackage loaded = packAndLoad(dir, tmp.resolve(Packer.zipFileName(pkg)));
        assertThat(loaded.manifest().name()).isEqualTo("@acme/greeter");
        assertThat(entries(tmp.resolve("acme-greeter-2.0.0.zip"))).allMatch(e -> e.startsWith("acme-greeter/"));
    }

    private static NodePackage packAndLoad(Path dir, Path zip) throws Exception {
        Packer.packTo(dir, PackageLoader.load(dir), zip);
        return PackageLoader.load(zip);
    }

    private static Path copy(Path from, Path to, String... files) throws Exception {
        Files.createDirectories(to);
        for (String f : files) {
            Files.copy(from.resolve(f), to.resolve(f));
        }
        return to;
    }

    private static List<String> entries(Path zip) throws Exception {
        List<String> names = new ArrayList<>();
        try (ZipFile file = new ZipFile(zip.toFile(), StandardCharsets.UTF_8)) {
            file.stream().forEach(e -> names.add(e.getName()));
        }
        return names;
    }
}
