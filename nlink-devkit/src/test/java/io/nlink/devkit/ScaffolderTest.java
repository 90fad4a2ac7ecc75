package io.nlink.devkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.runtime.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScaffolderTest {

    @Test
    void everyTemplateFillsInNameDisplayNameAndDescription() throws Exception {
        for (Language language : Language.values()) {
            var files = Scaffolder.files(
                    new Scaffolder.Request("wasm_demo", "Say \"hi\" \\ there", "Greets; 100% sure", language));
            String definition = new String(files.get("definition.json"), StandardCharsets.UTF_8);
            var json = Json.parse(definition);
            assertThat(json.get("name").textValue()).isEqualTo("wasm_demo");
            assertThat(json.get("displayName").textValue()).isEqualTo("Say \"hi\" \\ there");
            assertThat(Json.parse(files.get("package.json")).get("name").textValue())
                    .isEqualTo("nlink-community.wasm_demo");
            assertThat(files.keySet()).contains("build.sh", "README.md", "tests/basic.json", ".gitignore");
            for (var file : files.entrySet()) {
                String text = new String(file.getValue(), StandardCharsets.UTF_8);
                assertThat(text)
                        .as("%s %s", language, file.getKey())
                        .doesNotContain("{{name}}", "{{displayName}}", "{{description}}");
            }
        }
    }

    /** The CLI's scaffold and the dashboard's both hand out the node kit beside the node's one function. */
    @Test
    void everyScaffoldCarriesItsLanguagesNodeKit() {
        Map<Language, String> kits = Map.of(
                Language.GO,
                "nlink/nlink.go",
                Language.RUST,
                "src/nlink.rs",
                Language.C,
                "nlink.c",
                Language.CPP,
                "nlink.cpp",
                Language.ZIG,
                "nlink.zig",
                Language.ASSEMBLYSCRIPT,
                "assembly/nlink.ts",
                Language.PYTHON,
                "nlink.py");
        for (Language language : Language.values()) {
            var files = Scaffolder.files(new Scaffolder.Request("kit_demo", null, null, language));
            assertThat(files).as("%s scaffold", language).containsKey(kits.get(language));
        }
        String main = new String(
                Scaffolder.files(new Scaffolder.Request("kit_demo", null, null, Language.GO))
                        .get("main.go"),
                StandardCharsets.UTF_8);
        assertThat(main).contains("nlink.Handle(greet)").doesNotContain("go:wasmexport", "unsafe");
    }

    @Test
    void theZipHoldsThePackageFolder() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Scaffolder.writeZip(new Scaffolder.Request("wasm_demo", null, null, Language.GO), out);
        List<String> names = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(out.toByteArray()))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) names.add(e.getName());
        }
        assertThat(names)
                .contains(
                        "nlink-community.wasm_demo/definition.json",
                        "nlink-community.wasm_demo/main.go",
                        "nlink-community.wasm_demo/build.sh")
                .allSatisfy(n -> assertThat(n).startsWith("nlink-community.wasm_demo/"));
    }

    @Test
    void namesAndTextsThatWouldBreakTheGeneratedFilesAreRefused(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> new Scaffolder.Request("../evil", null, null, Language.GO))
                .hasMessageContaining("use lowercase letters, digits");
        assertThatThrownBy(() -> new Scaffolder.Request("Demo", null, null, Language.GO))
                .hasMessageContaining("lowercase");
        assertThatThrownBy(() -> new Scaffolder.Request("ok", "two\nlines", null, Language.C))
                .hasMessageContaining("one line");
        assertThatThrownBy(() -> new Scaffolder.Request("ok", null, "ends a comment */ here", Language.C))
                .hasMessageContaining("\"*/\"");
        assertThatThrownBy(() -> Language.of("cobol"))
                .hasMessage(
                        "unknown language \"cobol\"; expected one of go, rust, c, cpp, zig, assemblyscript, python");

        Scaffolder.writeFolder(new Scaffolder.Request("twice", null, null, Language.GO), tmp);
        assertThat(Files.isExecutable(tmp.resolve("nlink-community.twice/build.sh")))
                .isTrue();
        assertThatThrownBy(() -> Scaffolder.writeFolder(new Scaffolder.Request("twice", null, null, Language.GO), tmp))
                .hasMessageContaining("already exists");
    }

    @Test
    void afterUnzipTheReadmesDotSlashBuildShRuns(@TempDir Path tmp) throws Exception {
        Path zip = tmp.resolve("demo.zip");
        try (var out = Files.newOutputStream(zip)) {
            Scaffolder.writeZip(new Scaffolder.Request("zip_demo", null, null, Language.GO), out);
        }
        Unzip.run(zip, tmp);
        Path dir = tmp.resolve("nlink-community.zip_demo");
        assertThat(Files.isExecutable(dir.resolve("build.sh"))).isTrue();
        assertThat(Files.isExecutable(dir.resolve("main.go"))).isFalse();

        // Exactly as the README says: ./build.sh, not bash build.sh.
        Process build = new ProcessBuilder("./build.sh")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor()).as(output).isZero();
        assertThat(output).contains("build.sh: built execution.wasm");
        assertThat(io.nlink.runtime.pkg.PackageLoader.load(dir).wasm()).isNotEmpty();
    }
}
