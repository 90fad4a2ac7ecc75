package io.nlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.devkit.Language;
import io.nlink.devkit.NodeBuilder;
import io.nlink.devkit.Scaffolder;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out as an operator runs it: member JVMs started with {@code nlink worker} on loopback, and
 * {@code nlink run --join} spreading one batch over them. The node is the C template, built from
 * source here; the workers never see its folder, only the package the coordinator publishes.
 */
class ClusterRunTest {
    private static final int ITEMS = 200_000;

    @TempDir
    static Path shared;

    private static Path node;
    private static Path input;

    private final List<Process> members = new ArrayList<>();

    @BeforeAll
    static void buildTheCNodeAndTheItems() throws Exception {
        node = Scaffolder.writeFolder(new Scaffolder.Request("cluster_c", null, null, Language.C), shared);
        assertThat(NodeBuilder.build(node))
                .as("C template build (run scripts/setup-guests.sh)")
                .isZero();
        input = shared.resolve("items.ndjson");
        try (BufferedWriter out = Files.newBufferedWriter(input)) {
            for (int i = 0; i < ITEMS; i++) out.write("{\"i\":" + i + "}\n");
        }
    }

    @AfterEach
    void stopMembers() throws InterruptedException {
        for (Process p : members) p.destroyForcibly();
        for (Process p : members) p.waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void aBatchOf200000ItemsIsSpreadOverThreeMemberJvmsCompleteAndInOrder(@TempDir Path tmp) throws Exception {
        String cluster = "spread-" + ProcessHandle.current().pid();
        int first = freePort();
        worker(tmp, cluster, first, null);
        worker(tmp, cluster, freePort(), "127.0.0.1:" + first);

        Path output = tmp.resolve("out.ndjson");
        Process run = coordinator(tmp, cluster, first, output);
        assertThat(run.waitFor(5, TimeUnit.MINUTES)).as("the batch finished").isTrue();
        String log = Files.readString(tmp.resolve("run.log"));
        assertThat(run.exitValue()).as(log).isZero();
        assertThat(log)
                .contains("over a cluster of 3 member(s)")
                .contains(ITEMS + " item(s) in, " + ITEMS + " out, 0 failed");

        // Each member has one lane; chunks go to free lanes, so no member is starved.
        assertThat(itemsPerMember(log))
                .as(log)
                .hasSize(3)
                .allSatisfy(n -> assertThat(n).isGreaterThan(ITEMS / 10));
        assertCompleteAndInOrder(output);
    }

    @Test
    void aMemberKilledMidBatchLosesNothingAndDoublesNothing(@TempDir Path tmp) throws Exception {
        String cluster = "kill-" + ProcessHandle.current().pid();
        int first = freePort();
        worker(tmp, cluster, first, null);
        Process victim = worker(tmp, cluster, freePort(), "127.0.0.1:" + first);

        Path output = tmp.resolve("out.ndjson");
        Process run = coordinator(tmp, cluster, first, output);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (lines(output) < ITEMS / 10) {
            assertThat(run.isAlive())
                    .as("the batch is still running when the member is killed")
                    .isTrue();
            assertThat(System.nanoTime())
                    .as("a tenth of the batch done within 3 minutes")
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
        victim.destroyForcibly(); // SIGKILL: no goodbye to the cluster
        assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(run.waitFor(5, TimeUnit.MINUTES)).as("the batch finished").isTrue();
        String log = Files.readString(tmp.resolve("run.log"));
        assertThat(run.exitValue()).as(log).isZero();
        assertThat(log).contains(ITEMS + " item(s) in, " + ITEMS + " out, 0 failed");
        Matcher rerun = Pattern.compile("; (\\d+) chunk\\(s\\) rerun after a member left")
                .matcher(log);
        assertThat(rerun.find()).as(log).isTrue();
        assertThat(Integer.parseInt(rerun.group(1)))
                .as("chunks the killed member held ran again")
                .isPositive();
        assertCompleteAndInOrder(output);
    }

    /** Every input item exactly once, in input order, each the node's answer to that item. */
    private static void assertCompleteAndInOrder(Path output) throws IOException {
        long expected = 0;
        try (BufferedReader in = Files.newBufferedReader(output, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                String item = "\"original_data\":{\"i\":" + expected + "}";
                if (!line.contains(item) || !line.endsWith("\"pairedItem\":{\"item\":" + expected + "}}")) {
                    throw new AssertionError("output line " + expected + " is not item " + expected + ": " + line);
                }
                expected++;
            }
        }
        assertThat(expected).as("output items").isEqualTo(ITEMS);
    }

    private static List<Long> itemsPerMember(String log) {
        Matcher m = Pattern.compile("items per member: (.*);").matcher(log);
        if (!m.find()) return List.of();
        List<Long> counts = new ArrayList<>();
        for (String share : m.group(1).split(", "))
            counts.add(Long.parseLong(share.substring(share.lastIndexOf(' ') + 1)));
        return counts;
    }

    private Process worker(Path tmp, String cluster, int port, String join) throws Exception {
        Path log = tmp.resolve("worker-" + port + ".log");
        List<String> args = new ArrayList<>(List.of(
                "worker",
                "--cluster-name",
                cluster,
                "--cluster-port",
                Integer.toString(port),
                "--lanes",
                "1",
                "--failure-timeout",
                "5s"));
        if (join != null) args.addAll(List.of("--join", join));
        Process p = cli(args, log, tmp.resolve("cache-" + port));
        members.add(p);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.readString(log).contains("nLink worker 127.0.0.1:")) {
            assertThat(p.isAlive())
                    .as("worker on %d started: %s", port, Files.readString(log))
                    .isTrue();
            assertThat(System.nanoTime())
                    .as("worker on %d up within 2 minutes", port)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
        return p;
    }

    private Process coordinator(Path tmp, String cluster, int join, Path output) throws Exception {
        Process p = cli(
                List.of(
                        "run",
                        node.toString(),
                        "--params",
                        "{\"text\":\"cluster\"}",
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString(),
                        "--join",
                        "127.0.0.1:" + join,
                        "--cluster-name",
                        cluster,
                        "--cluster-port",
                        Integer.toString(freePort()),
                        "--lanes",
                        "1",
                        "--failure-timeout",
                        "5s",
                        "--chunk-size",
                        "500"),
                tmp.resolve("run.log"),
                tmp.resolve("cache-run"));
        members.add(p);
        return p;
    }

    /** The CLI in a JVM of its own, with this test JVM's flags (the JIT and Hazelcast ones). */
    private static Process cli(List<String> args, Path log, Path cache) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-")
                        || a.startsWith("--enable-native-access")
                        || a.startsWith("--sun-misc")
                        || a.startsWith("-XX:"))
                .toList());
        command.addAll(List.of(
                "-Xmx256m",
                "-Dnlink.cacheDir=" + cache,
                "-cp",
                System.getProperty("java.class.path"),
                "io.nlink.cli.Main"));
        command.addAll(args);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static long lines(Path file) throws IOException {
        if (!Files.exists(file)) return 0;
        try (var lines = Files.lines(file)) {
            return lines.count();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
