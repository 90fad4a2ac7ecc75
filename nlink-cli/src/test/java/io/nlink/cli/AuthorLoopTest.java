package io.nlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An author's loop from the command line: build (and what it says when it cannot), test, test --watch. */
class AuthorLoopTest {
    private static final Path HELLO_JS = Path.of(System.getProperty("nlink.examples.dir", "../examples"))
            .resolveSibling("bench")
            .resolve("nodes/hello-js");

    @Test
    void aMissingToolchainIsNamedWithTheSetUpCommandForItsLanguage(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("go-node"));
        Files.writeString(dir.resolve("go.mod"), "module example\n");
        Files.writeString(dir.resolve("build.sh"), "echo 'build.sh: Go is needed' >&2; exit 3\n");
        CliRun run = CliRun.of("build", dir.toString());
        assertThat(run.exit()).isEqualTo(Main.INVALID);
        assertThat(run.err())
                .contains("nlink: the Go toolchain is missing: build.sh said what to install (above);"
                        + " from a clone of nLink, scripts/setup-guests.sh go installs it");
    }

    @Test
    void aJavaScriptNodeNeedsNoBuildAndItsVectorsRunOnExecutionJs(@TempDir Path tmp) throws Exception {
        CliRun build = CliRun.of("build", HELLO_JS.toString());
        assertThat(build.exit()).isEqualTo(Main.INVALID);
        assertThat(build.err())
                .contains(
                        "has no build.sh and needs none: it runs execution.js as it is; nlink test and nlink pack take it directly");

        Path dir = copyOfHelloJs(tmp);
        CliRun test = CliRun.of("test", dir.toString());
        assertThat(test.exit()).as(test.out() + test.err()).isZero();
        assertThat(test.err()).contains("has no execution.wasm: running the vectors on execution.js");
        assertThat(test.out()).contains("ok    tests/basic.json").contains("1 passed, 0 failed");
    }

    /**
     * A real {@code nlink test --watch} in its own JVM on a node whose build.sh makes execution.js
     * from greet.js: editing greet.js rebuilds and reruns the vectors; SIGINT (Ctrl-C) ends it.
     */
    @Test
    void watchRebuildsAndRerunsWhenASourceChanges(@TempDir Path tmp) throws Exception {
        Path dir = copyOfHelloJs(tmp);
        Files.move(dir.resolve("execution.js"), dir.resolve("greet.js"));
        Files.writeString(
                dir.resolve("greet.js"),
                Files.readString(dir.resolve("greet.js")).replace("Hello, ", "Hi, "));
        Path build = dir.resolve("build.sh");
        Files.writeString(
                build,
                "#!/usr/bin/env bash\ncd \"$(dirname \"$0\")\" && cp greet.js execution.js && echo 'build.sh: built' >&2\n");
        Files.setPosixFilePermissions(build, PosixFilePermissions.fromString("rwxr-xr-x"));

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process watch = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Dnlink.watchIntervalMillis=200",
                        "-Dnlink.cacheDir=" + tmp.resolve("cache"),
                        Main.class.getName(),
                        "test",
                        "--watch",
                        dir.toString())
                .redirectErrorStream(true)
                .start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) lines.add(line);
            } catch (Exception e) {
                lines.add("reader: " + e);
            }
        });
        try {
            awaitLine(lines, "FAIL  tests/basic.json");
            awaitLine(lines, "0 passed, 1 failed");
            awaitLine(lines, "nlink: waiting for a change in");
            Files.writeString(
                    dir.resolve("greet.js"),
                    Files.readString(dir.resolve("greet.js")).replace("Hi, ", "Hello, "));
            awaitLine(lines, "nlink: changed: greet.js");
            awaitLine(lines, "build.sh: built");
            awaitLine(lines, "ok    tests/basic.json");
            awaitLine(lines, "1 passed, 0 failed");
            awaitLine(lines, "nlink: waiting for a change in");
        } finally {
            new ProcessBuilder("kill", "-INT", Long.toString(watch.pid()))
                    .start()
                    .waitFor();
        }
        assertThat(watch.waitFor(30, TimeUnit.SECONDS))
                .as("Ctrl-C ends the watch")
                .isTrue();
        reader.join();
    }

    private static void awaitLine(BlockingQueue<String> lines, String text) throws InterruptedException {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line == null) continue;
            seen.append(line).append('\n');
            if (line.contains(text)) return;
        }
        throw new AssertionError("no line containing \"" + text + "\" within 60 s; saw:\n" + seen);
    }

    private static Path copyOfHelloJs(Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("hello-js/tests"));
        for (String f : new String[] {"package.json", "definition.json", "execution.js"}) {
            Files.copy(HELLO_JS.resolve(f), tmp.resolve("hello-js").resolve(f));
        }
        Files.writeString(dir.resolve("basic.json"), """
                {"params": {"text": "nLink"}, "input": {"a": 1},
                 "expected": [{"wasm_processed": true, "message": "Hello, nLink! Greetings from WebAssembly Runtime! 🚀", "original_data": {"a": 1}}]}
                """);
        return tmp.resolve("hello-js");
    }
}
