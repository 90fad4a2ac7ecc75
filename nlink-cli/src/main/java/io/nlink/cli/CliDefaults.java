package io.nlink.cli;

import io.nlink.cluster.ClusterBatch;
import io.nlink.cluster.ClusterConfig;
import io.nlink.server.ServerConfig;
import io.nlink.workflow.http.EgressPolicy;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options' defaults, taken from the libraries' own defaults ({@link ServerConfig#DEFAULTS},
 * {@link ClusterConfig#DEFAULTS}, {@link EgressPolicy#DEFAULTS}, {@link ClusterBatch.Options#DEFAULTS})
 * so that a default is written once. Options named here carry no {@code defaultValue} of their
 * own; help shows these values through {@code ${DEFAULT-VALUE}}.
 */
final class CliDefaults implements IDefaultValueProvider {
    private static final long MIB = 1024L * 1024;

    private static final Map<String, String> BY_OPTION = Map.ofEntries(
            Map.entry("--host", ServerConfig.DEFAULTS.host()),
            Map.entry("--port", String.valueOf(ServerConfig.DEFAULTS.port())),
            Map.entry("--max-upload-mb", String.valueOf(ServerConfig.DEFAULTS.maxUploadBytes() / MIB)),
            Map.entry(
                    "--keep-executions-days",
                    String.valueOf(ServerConfig.DEFAULTS.keepExecutionsFor().toDays())),
            Map.entry("--keep-executions", String.valueOf(ServerConfig.DEFAULTS.keepExecutions())),
            Map.entry("--cluster-host", ClusterConfig.DEFAULTS.host()),
            Map.entry("--cluster-port", String.valueOf(ClusterConfig.DEFAULTS.port())),
            Map.entry("--cluster-name", ClusterConfig.DEFAULTS.name()),
            Map.entry("--failure-timeout", duration(ClusterConfig.DEFAULTS.failureTimeout())),
            Map.entry("--idle-lane-timeout", duration(ClusterConfig.DEFAULTS.idleLaneTimeout())),
            Map.entry(
                    "--http-timeout",
                    String.valueOf(EgressPolicy.DEFAULTS.maxTime().toSeconds())),
            Map.entry("--http-max-response-mb", String.valueOf(EgressPolicy.DEFAULTS.maxResponseBytes() / MIB)),
            Map.entry("--chunk-size", String.valueOf(ClusterBatch.Options.DEFAULTS.chunkSize())));

    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (argSpec instanceof OptionSpec option) {
            String name = option.longestName();
            // --data-dir: $NLINK_DATA_DIR when set, else the server's default directory.
            if (name.equals("--data-dir")) {
                String fromEnvironment = System.getenv("NLINK_DATA_DIR");
                return fromEnvironment == null || fromEnvironment.isBlank()
                        ? ServerConfig.DEFAULTS.dataDirectory().toString()
                        : fromEnvironment;
            }
            return BY_OPTION.get(name);
        }
        return null;
    }

    /** A duration as the options take it (RunCommand.parseDuration): whole seconds, else milliseconds. */
    static String duration(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }
}
