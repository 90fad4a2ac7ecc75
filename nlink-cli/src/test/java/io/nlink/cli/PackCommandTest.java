package io.nlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nlink pack} per package shape, and what a failed pack leaves behind: nothing. */
class PackCommandTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("nlink.examples.dir", "../examples"));
    private static final Path HELLO_GO = EXAMPLES.resolve("hello-go");
    private static final Path HELLO_JS = EXAMPLES.resolveSibling("bench").resolve("nodes/hello-js");

    @Test
    void packsAJavaScriptOnlyNode(@TempDir Path tmp) throws Exception {
        Path zip = tmp.resolve("hello-js.zip");
        CliRun run = CliRun.of("pack", HELLO_JS.toString(), "--out", zip.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out().strip()).isEqualTo(zip.toString());
        assertThat(run.err()).contains("nlink: packed nlink-community.hello_js@1.0.0, 3 file(s); runs execution.js");
        NodePackage loaded = PackageLoader.load(zip);
        assertThat(loaded.wasm()).isNull();
        assertThat(loaded.javascript()).isEqualTo(Files.readString(HELLO_JS.resolve("execution.js")));
    }

    @Test
    void packsAWasmOnlyNode(@TempDir Path tmp) throws Exception {
        Path zip = tmp.resolve("hello-go.zip");
        CliRun run = CliRun.of("pack", HELLO_GO.toString(), "--out", zip.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).containsPattern("runs execution.wasm \\(SHA-256 [0-9a-f]{64}\\)");
        NodePackage loaded = PackageLoader.load(zip);
        assertThat(loaded.wasm()).isEqualTo(Files.readAllBytes(HELLO_GO.resolve("execution.wasm")));
        assertThat(loaded.javascript()).isNull();
    }

    @Test
    void packsANodeWithBothRuntimes(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("both"));
        for (String f : new String[] {"package.json", "definition.json", "execution.wasm"})
            Files.copy(HELLO_GO.resolve(f), dir.resolve(f));
        Files.copy(HELLO_JS.resolve("execution.js"), dir.resolve("execution.js"));
        Path zip = tmp.resolve("both.zip");
        CliRun run = CliRun.of("pack", dir.toString(), "--out", zip.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).contains(" and execution.js");
        NodePackage loaded = PackageLoader.load(zip);
        assertThat(loaded.wasm()).isNotNull();
        assertThat(loaded.javascript()).isNotNull();
    }

    @Test
    void refusesWhatTheLoaderRefusesAndLeavesNoFile(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("nothing-to-run"));
        Files.copy(HELLO_GO.resolve("package.json"), dir.resolve("package.json"));
        Files.copy(HELLO_GO.resolve("definition.json"), dir.resolve("definition.json"));
        Path zip = tmp.resolve("out.zip");
        CliRun run = CliRun.of("pack", dir.toString(), "--out", zip.toString());
        assertThat(run.exit()).isEqualTo(Main.INVALID);
        assertThat(run.err()).contains("execution.wasm: is missing, and there is no execution.js either");
        assertThat(zip).doesNotExist();

        CliRun intoNowhere = CliRun.of(
                "pack",
                HELLO_JS.toString(),
                "--out",
                tmp.resolve("no/such/folder/x.zip").toString());
        assertThat(intoNowhere.exit()).isEqualTo(Main.INVALID);
        assertThat(intoNowhere.err())
                .contains("nlink: not packed: cannot write")
                .contains("does not exist");
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("nothing-to-run");
        }
    }

    @Test
    void theScaffoldZipUnzipsWithAnExecutableBuildSh(@TempDir Path tmp) throws Exception {
        Path zip = tmp.resolve("demo.zip");
        CliRun run = CliRun.of("scaffold", "--name", "zip_demo", "--lang", "rust", "--zip", zip.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        Process unzip = new ProcessBuilder("unzip", "-q", zip.toString(), "-d", tmp.toString())
                .inheritIO()
                .start();
        assertThat(unzip.waitFor()).isZero();
        assertThat(Files.isExecutable(tmp.resolve("nlink-community.zip_demo/build.sh")))
                .isTrue();
        assertThat(Files.isExecutable(tmp.resolve("nlink-community.zip_demo/src/lib.rs")))
                .isFalse();
    }
}
