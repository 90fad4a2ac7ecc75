package io.nlink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decisive test of the JavaScript memory bound: memory bombs, two at a time, in a JVM of
 * 256 MiB that exits at its first OutOfMemoryError. The bound works when that JVM finishes
 * normally with every bomb reported as a MEMORY_LIMIT item and the items around them served.
 */
class JsMemoryChildJvmTest {
    @Test
    void bombsInA256MiBHeapAreStoppedBeforeItRunsOut(@TempDir Path tmp) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
        // GraalJS's access flags, as this JVM has them; not its heap or agent settings
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (flag.startsWith("--enable-native-access") || flag.startsWith("--sun-misc-unsafe-memory-access"))
                command.add(flag);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), JsMemoryBombs.class.getName()));
        Path log = tmp.resolve("child.log");
        long start = System.nanoTime();
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean finished = child.waitFor(2, TimeUnit.MINUTES);
        if (!finished) child.destroyForcibly().waitFor();
        String out = Files.readString(log);
        assertThat(finished).as("finished within 2 minutes:\n" + out).isTrue();
        assertThat(out)
                .doesNotContain("OutOfMemoryError")
                .doesNotContain("Terminating due to java.lang.OutOfMemoryError");
        assertThat(child.exitValue()).as(out).isZero();
        for (String bomb : List.of("array", "string", "object", "typed-array")) {
            for (int i : new int[] {0, 3, 4}) assertThat(out).as(out).contains(bomb + " " + i + ": ok");
            for (int i : new int[] {1, 2}) {
                assertThat(out)
                        .as(out)
                        .contains(
                                bomb + " " + i
                                        + ": MEMORY_LIMIT: the JavaScript allocated more than 64 MiB in one run (its memory limit) while running execute_node");
            }
        }
        assertThat(out).endsWith("done\n");
        System.out.println(
                "child JVM with 4 × 2 bombs took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
    }
}
