package io.nlink.devkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.LoadedNode;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every language nLink claims, for real: scaffold a node from its template, build it with the
 * language's own toolchain (installed by scripts/setup-guests.sh), and run its golden vectors
 * through the runtime under production limits.
 */
class TemplatesTest {
    /** Without the JavaScript fallback, so a module that cannot run fails its load rather than hide behind execution.js. */
    private static final NodeRuntime RUNTIME =
            NodeRuntime.builder().javascriptFallback(false).build();

    @ParameterizedTest
    @EnumSource(Language.class)
    void scaffoldBuildAndPassTheGoldenVectors(Language language, @TempDir Path tmp) throws Exception {
        var request = new Scaffolder.Request(
                "golden_" + language.id(), "Golden " + language.displayName(), "Conformance test node", language);
        Path dir = Scaffolder.writeFolder(request, tmp);

        int exit = NodeBuilder.build(dir);
        assertThat(exit)
                .as("%s build.sh exit code (3: toolchain missing; run scripts/setup-guests.sh)", language)
                .isZero();

        NodePackage pkg = PackageLoader.load(dir);
        assertThat(pkg.id()).isEqualTo("nlink-community.golden_" + language.id() + "@1.0.0");
        LoadedNode node = RUNTIME.load(pkg);
        assertThat(node.runtime()).isEqualTo("wasm");
        var module = node.module().orElseThrow();
        assertThat(module.problems()).isEmpty();
        assertThat(module.imports()).allSatisfy(i -> assertThat(i.module()).isEqualTo("wasi_snapshot_preview1"));

        List<GoldenVectors.Outcome> outcomes = GoldenVectors.run(dir, pkg, node.executable());
        assertThat(outcomes)
                .extracting(GoldenVectors.Outcome::vector)
                .containsExactly("tests/basic.json", "tests/default.json", "tests/error.json", "tests/unicode.json");
        assertThat(outcomes)
                .allSatisfy(o -> assertThat(o.difference())
                        .as("%s %s", language, o.vector())
                        .isNull());

        Path zip = tmp.resolve("upload.zip");
        try (var out = Files.newOutputStream(zip)) {
            Packer.pack(dir, pkg, out);
        }
        assertThat(PackageLoader.load(zip).wasm()).isEqualTo(pkg.wasm());
    }

    /**
     * The sandbox's rules as a language sees them: the language's template with its source
     * replaced by a probe (test resources, probes/LANG) that tries a host file and the environment.
     * Go's probe is examples/probe-go (SandboxProbeTest); AssemblyScript has no file or
     * environment API to try. Rust reports with its std's words; the others with C's: C, C++ and
     * Python sit on wasi-libc, and Zig's probe opens the files through its std.Io (no libc) and
     * names std's FileNotFound (WASI's NOENT) "enoent".
     */
    @ParameterizedTest
    @EnumSource(
            value = Language.class,
            names = {"C", "CPP", "RUST", "PYTHON", "ZIG"})
    void filesDoNotExistAndTheEnvironmentIsEmptyInEachLanguage(Language language, @TempDir Path tmp) throws Exception {
        Path dir = Scaffolder.writeFolder(new Scaffolder.Request("probe_" + language.id(), null, null, language), tmp);
        Path probe = Path.of(
                TemplatesTest.class.getResource("/probes/" + language.id()).toURI());
        try (var files = Files.walk(probe)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                Files.copy(
                        file,
                        dir.resolve(probe.relativize(file).toString()),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        assertThat(NodeBuilder.build(dir)).as("%s probe build", language).isZero();
        LoadedNode node = RUNTIME.load(dir);
        assertThat(node.runtime()).isEqualTo("wasm");
        try (var batch = node.batch(io.nlink.runtime.json.Json.MAPPER.createObjectNode())) {
            var result = batch.next(io.nlink.runtime.json.Json.MAPPER.createObjectNode());
            assertThat(result.failure()).isNull();
            var seen = result.items().get(0);
            boolean rust = language == Language.RUST;
            String opened = rust ? "read_ok" : "read_opened";
            String readNotFound = rust ? "read_not_found" : "read_enoent";
            String writeOpened = rust ? "write_ok" : "write_opened";
            String writeNotFound = rust ? "write_not_found" : "write_enoent";
            assertThat(seen.get(opened).booleanValue())
                    .as("%s read /etc/passwd: %s", language, seen)
                    .isFalse();
            assertThat(seen.get(readNotFound).booleanValue())
                    .as("%s: not found: %s", language, seen)
                    .isTrue();
            assertThat(seen.get(writeOpened).booleanValue())
                    .as("%s write /tmp: %s", language, seen)
                    .isFalse();
            assertThat(seen.get(writeNotFound).booleanValue())
                    .as("%s write: not found: %s", language, seen)
                    .isTrue();
            assertThat(seen.get("env_count").intValue()).isZero();
            assertThat(seen.get("home_set").booleanValue()).isFalse();
        }
    }
}
