package io.nlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.NodeRuntime;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large batch through the real CLI in its own JVM with a small heap: the batch streams, so
 * host memory stays flat however many items pass.
 */
class StreamingTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("nlink.examples.dir", "../examples"));
    private static final int ITEMS = 100_000;

    /**
     * Compiling the 3.3 MB Go module takes about 170 MB of heap once (parse plus generated
     * classes); this test is about the batch, so it compiles into the disk cache first, here, and
     * the small-heap process loads the compiled module from there.
     */
    @Test
    void aHundredThousandItemsStreamThroughA128MegabyteHeapInOrder(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("compiled");
        try (NodeRuntime runtime = NodeRuntime.builder().compileCache(cache).build()) {
            runtime.load(EXAMPLES.resolve("hello-go"));
        }

        Path input = tmp.resolve("items.ndjson");
        try (BufferedWriter out = Files.newBufferedWriter(input)) {
            for (int i = 0; i < ITEMS; i++) {
                out.write("{\"i\":" + i + ",\"pad\":\"" + "x".repeat(40) + "\"}\n");
            }
        }
        Path output = tmp.resolve("out.ndjson");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx128m",
                        "-XX:-DontCompileHugeMethods",
                        "-Dnlink.cacheDir=" + cache,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.nlink.cli.Main",
                        "run",
                        EXAMPLES.resolve("hello-go").toString(),
                        "--params",
                        "{\"text\":\"stream\"}",
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString())
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("log.txt").toFile())
                .start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("finished").isTrue();
        String log = Files.readString(tmp.resolve("log.txt"));
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(log)
                .contains(ITEMS + " item(s) in, " + ITEMS + " out, 0 failed")
                .contains("loaded from the compile cache");

        long expected = 0;
        try (BufferedReader in = Files.newBufferedReader(output, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                assertThat(line)
                        .contains("\"original_data\":{\"i\":" + expected + ",")
                        .endsWith("\"pairedItem\":{\"item\":" + expected + "}}");
                expected++;
            }
        }
        assertThat(expected).isEqualTo(ITEMS);
    }
}
