package io.nlink.devkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.pkg.NodePackage;
import io.nlink.runtime.pkg.PackageLoader;
import io.nlink.runtime.wasm.WasmEngine;
import io.nlink.runtime.wasm.WasmNode;
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
    private static final WasmEngine ENGINE = new WasmEngine();

    @ParameterizedTest
    @EnumSource(Language.class)
    void scaffoldBuildAndPassTheGoldenVectors(Language language, @TempDir Path tmp) throws Exception {
        var request = new Scaffolder.Request("golden_" + language.id(), "Golden " + language.displayName(), "Conformance test node", language);
        Path dir = Scaffolder.writeFolder(request, tmp);

        int exit = NodeBuilder.build(dir);
        assertThat(exit).as("%s build.sh exit code (3: toolchain missing; run scripts/setup-guests.sh)", language).isZero();

        NodePackage pkg = PackageLoader.load(dir);
        assertThat(pkg.id()).isEqualTo("nlink-community.golden_" + language.id() + "@1.0.0");
        WasmNode node = ENGINE.load(pkg.wasm());
        assertThat(node.info().problems()).isEmpty();
        assertThat(node.info().imports()).allSatisfy(i -> assertThat(i.module()).isEqualTo("wasi_snapshot_preview1"));

        List<GoldenVectors.Outcome> outcomes = GoldenVectors.run(dir, pkg, node);
        assertThat(outcomes).extracting(GoldenVectors.Outcome::vector)
                .containsExactly("tests/basic.json", "tests/default.json", "tests/error.json", "tests/unicode.json");
        assertThat(outcomes).allSatisfy(o -> assertThat(o.difference()).as("%s %s", language, o.vector()).isNull());

        Path zip = tmp.resolve("upload.zip");
        try (var out = Files.newOutputStream(zip)) {
            Packer.pack(dir, pkg, out);
        }
        assertThat(PackageLoader.load(zip).wasm()).isEqualTo(pkg.wasm());
    }
}
