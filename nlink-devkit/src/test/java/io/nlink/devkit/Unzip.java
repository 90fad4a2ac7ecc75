package io.nlink.devkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The real Info-ZIP {@code unzip} (scripts/setup.sh installs it): what an author would run. */
final class Unzip {
    private Unzip() {}

    /** Extracts {@code zip} into {@code folder} quietly; fails the test when unzip does. */
    static void run(Path zip, Path folder) throws IOException, InterruptedException {
        String output = command("unzip", "-q", zip.toString(), "-d", folder.toString());
        assertThat(output).isEmpty();
    }

    /** {@code zipinfo}'s listing: one line per entry with its mode and the system that made it. */
    static String zipinfo(Path zip) throws IOException, InterruptedException {
        return command("unzip", "-Z", zip.toString());
    }

    private static String command(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", args) + ": " + output).isZero();
        return output;
    }
}
