package io.nlink.server;

import io.nlink.cluster.ClusterConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A server in a JVM of its own, for the cluster tests: the same {@link NlinkServer#start} that
 * {@code nlink serve} calls, configured from the command line, printing its URL and cluster
 * address, stopped by SIGTERM or SIGKILL.
 *
 * <p>Arguments: data directory, JDBC URL, user, password, cluster name, member to join ({@code -}
 * for none: a cluster of one).
 */
public final class ServerProcess {
    private ServerProcess() {}

    public static void main(String[] args) throws Exception {
        ServerConfig config = ServerConfig.DEFAULTS
                .withPort(0)
                .withDataDirectory(Path.of(args[0]))
                .withDatabase(args[1], args[2], args[3])
                .withCluster(ClusterConfig.DEFAULTS
                        .withName(args[4])
                        .withPort(5960)
                        .withLanes(1)
                        .withMembers(args[5].equals("-") ? List.of() : List.of(args[5])));
        NlinkServer server = NlinkServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("url " + server.url());
        System.out.println("member " + server.cluster().address());
        System.out.flush();
        server.await();
    }

    /** Starts one, with this test JVM's flags and class path; its output goes to {@code log}. */
    static Process start(Path log, String... args) throws java.io.IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-")
                        || a.startsWith("--enable-native-access")
                        || a.startsWith("--sun-misc")
                        || a.startsWith("-XX:"))
                .toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServerProcess.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }
}
