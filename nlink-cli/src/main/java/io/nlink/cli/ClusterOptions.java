package io.nlink.cli;

import io.nlink.cluster.ClusterConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How this process joins an nLink cluster; shared by {@code worker}, {@code serve} and {@code run --join}. */
final class ClusterOptions {
    @Option(
            names = "--join",
            paramLabel = "HOST:PORT[,…]",
            description =
                    "Members of the cluster to join (one is enough). For worker and serve, none starts a cluster of one that others"
                            + " can join; for run, none runs the batch on this machine alone.")
    String join;

    @Option(
            names = "--cluster-host",
            paramLabel = "HOST",
            description =
                    "Interface this member listens on and announces to the others. Default: ${DEFAULT-VALUE} (this machine only).")
    String host;

    @Option(
            names = "--cluster-port",
            paramLabel = "PORT",
            description = "Member port; the next free one is taken when it is in use. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
            names = "--cluster-name",
            paramLabel = "NAME",
            description = "Members with other names never join. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(
            names = "--cluster-secret-file",
            paramLabel = "FILE",
            description =
                    "File holding the cluster secret shared by every member (at least 16 characters; or set NLINK_CLUSTER_SECRET)."
                            + " Members without it cannot join or take work; required when --cluster-host is not a loopback address.")
    Path secretFile;

    @Option(
            names = "--lanes",
            paramLabel = "N",
            description =
                    "Sandbox instances this member runs at once for the cluster's batches. Default: the number of cores.")
    Integer lanes;

    @Option(
            names = "--failure-timeout",
            paramLabel = "DURATION",
            description =
                    "A member silent this long is declared dead and its chunks run elsewhere. Default: ${DEFAULT-VALUE}.")
    String failureTimeout;

    @Option(
            names = "--idle-lane-timeout",
            paramLabel = "DURATION",
            description =
                    "A lane unused this long closes its sandbox instance and frees its guest memory. Default: ${DEFAULT-VALUE}.")
    String idleLaneTimeout;

    ClusterConfig config() {
        ClusterConfig config = ClusterConfig.DEFAULTS
                .withName(name)
                .withHost(host)
                .withPort(port)
                .withMembers(ClusterConfig.parseMembers(join))
                .withCacheDirectory(Packages.cacheDirectory());
        config = config.withFailureTimeout(RunCommand.parseDuration("--failure-timeout", failureTimeout))
                .withIdleLaneTimeout(RunCommand.parseDuration("--idle-lane-timeout", idleLaneTimeout));
        config = config.withSecret(secret());
        return lanes == null ? config : config.withLanes(lanes);
    }

    /** The secret from --cluster-secret-file, else NLINK_CLUSTER_SECRET (never an argument: ps would show it), else none. */
    private String secret() {
        if (secretFile != null) {
            try {
                // As ssh does with keys: a secret others on the machine can read is no secret.
                if (Files.getFileStore(secretFile).supportsFileAttributeView("posix")) {
                    var permissions = Files.getPosixFilePermissions(secretFile);
                    if (permissions.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
                            || permissions.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
                        throw new IllegalArgumentException("--cluster-secret-file " + secretFile
                                + " can be read by other users; make it owner-only: chmod 600 " + secretFile);
                    }
                }
                return Files.readString(secretFile).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "--cluster-secret-file " + secretFile + " cannot be read: " + e.getMessage());
            }
        }
        String fromEnvironment = System.getenv("NLINK_CLUSTER_SECRET");
        return fromEnvironment == null || fromEnvironment.isBlank() ? null : fromEnvironment.strip();
    }
}
