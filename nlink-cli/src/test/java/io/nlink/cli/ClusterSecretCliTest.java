package io.nlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a member's command line says about the cluster secret before anything listens: beyond
 * loopback a member without a secret stops and says what to set; a secret file other users can
 * read is refused, as ssh refuses such a key.
 */
class ClusterSecretCliTest {
    @Test
    void aWorkerBeyondLoopbackWithoutASecretStopsAndSaysWhatToSet() {
        CliRun run = CliRun.of("worker", "--cluster-host", "192.0.2.10");
        assertThat(run.exit()).isNotZero();
        assertThat(run.err())
                .contains("192.0.2.10")
                .contains("NLINK_CLUSTER_SECRET")
                .contains("--cluster-secret-file");
    }

    @Test
    void aSecretFileOthersCanReadIsRefused(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "correct horse battery staple\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        CliRun run = CliRun.of("worker", "--cluster-host", "192.0.2.10", "--cluster-secret-file", secret.toString());
        assertThat(run.exit()).isNotZero();
        assertThat(run.err()).contains("can be read by other users").contains("chmod 600");

        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(secret, "short\n");
        CliRun tooShort = CliRun.of("worker", "--cluster-secret-file", secret.toString());
        assertThat(tooShort.exit()).isNotZero();
        assertThat(tooShort.err()).contains("at least 16");
    }
}
