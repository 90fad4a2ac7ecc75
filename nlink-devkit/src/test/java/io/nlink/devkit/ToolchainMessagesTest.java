package io.nlink.devkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each template's build.sh on a machine without its toolchain: a PATH holding only bash and
 * dirname, an empty HOME and guest cache. It must exit with {@link NodeBuilder#TOOLCHAIN_MISSING}
 * and say what to install, including the setup-guests.sh line for its language.
 */
class ToolchainMessagesTest {
    @ParameterizedTest
    @EnumSource(Language.class)
    void withoutItsToolchainBuildShSaysWhatToInstall(Language language, @TempDir Path tmp) throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        for (String tool : new String[] {"bash", "dirname"}) {
            Files.createSymbolicLink(bin.resolve(tool), which(tool));
        }
        Path dir = Scaffolder.writeFolder(new Scaffolder.Request("bare", null, null, language), tmp);
        assertThat(Language.ofPackage(dir)).contains(language);

        ProcessBuilder build =
                new ProcessBuilder("./build.sh").directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = build.environment();
        env.clear();
        env.putAll(Map.of(
                "PATH",
                bin.toString(),
                "HOME",
                Files.createDirectory(tmp.resolve("home")).toString(),
                "NLINK_GUEST_CACHE",
                tmp.resolve("cache").toString()));
        Process p = build.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isEqualTo(NodeBuilder.TOOLCHAIN_MISSING);
        assertThat(output).startsWith("build.sh: ").contains("scripts/setup-guests.sh " + language.id());
        assertThat(output).doesNotContain("command not found", "Permission denied");
    }

    private static Path which(String tool) {
        for (String dir : System.getenv("PATH").split(":")) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) return candidate;
        }
        throw new IllegalStateException(tool + " is not on PATH");
    }
}
