package io.nlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.cluster.ClusterBatch;
import io.nlink.cluster.ClusterConfig;
import io.nlink.server.NlinkServer;
import io.nlink.server.ServerConfig;
import io.nlink.workflow.http.EgressPolicy;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParseResult;

/** The CLI's defaults and version come from the libraries' own, written once. */
class CliDefaultsTest {
    @Test
    void versionIsThePomsAsTheServerReportsIt() {
        CliRun run = CliRun.of("--version");
        assertThat(run.exit()).isZero();
        assertThat(run.out().strip()).isEqualTo("nlink " + System.getProperty("nlink.project.version"));
        assertThat(NlinkServer.VERSION).isEqualTo(System.getProperty("nlink.project.version"));
    }

    @Test
    void serveWithNoOptionsGetsTheServersClustersAndEgressDefaults() {
        ParseResult parsed = Main.commandLine().parseArgs("serve");
        ServeCommand serve = (ServeCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(serve.host).isEqualTo(ServerConfig.DEFAULTS.host());
        assertThat(serve.port).isEqualTo(ServerConfig.DEFAULTS.port());
        assertThat(serve.maxUploadMb * 1024L * 1024L).isEqualTo(ServerConfig.DEFAULTS.maxUploadBytes());
        assertThat(serve.keepDays)
                .isEqualTo(ServerConfig.DEFAULTS.keepExecutionsFor().toDays());
        assertThat(serve.keepCount).isEqualTo(ServerConfig.DEFAULTS.keepExecutions());
        if (System.getenv("NLINK_DATA_DIR") == null) {
            assertThat(serve.data.path).isEqualTo(ServerConfig.DEFAULTS.dataDirectory());
        }

        ClusterConfig cluster = serve.cluster.config();
        assertThat(cluster.name()).isEqualTo(ClusterConfig.DEFAULTS.name());
        assertThat(cluster.host()).isEqualTo(ClusterConfig.DEFAULTS.host());
        assertThat(cluster.port()).isEqualTo(ClusterConfig.DEFAULTS.port());
        assertThat(cluster.failureTimeout()).isEqualTo(ClusterConfig.DEFAULTS.failureTimeout());
        assertThat(cluster.idleLaneTimeout()).isEqualTo(ClusterConfig.DEFAULTS.idleLaneTimeout());

        EgressPolicy http = serve.http.policy();
        assertThat(http.maxTime()).isEqualTo(EgressPolicy.DEFAULTS.maxTime());
        assertThat(http.maxResponseBytes()).isEqualTo(EgressPolicy.DEFAULTS.maxResponseBytes());
    }

    @Test
    void anOptionGivenStillWinsOverItsDefault() {
        ParseResult parsed = Main.commandLine().parseArgs("serve", "--port", "9191", "--failure-timeout", "1500ms");
        ServeCommand serve = (ServeCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(serve.port).isEqualTo(9191);
        assertThat(serve.cluster.config().failureTimeout()).hasMillis(1500);
    }

    @Test
    void runsChunkSizeIsTheClustersAndHelpShowsTheDefaults() {
        ParseResult parsed = Main.commandLine().parseArgs("run", "some-node");
        RunCommand run = (RunCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(run.chunkSize).isEqualTo(ClusterBatch.Options.DEFAULTS.chunkSize());

        picocli.CommandLine serve = Main.commandLine().getSubcommands().get("serve");
        serve.setUsageHelpWidth(400); // one option a line, so the expected text is not wrapped
        assertThat(serve.getUsageMessage(picocli.CommandLine.Help.Ansi.OFF))
                .contains("TCP port; 0 picks a free one. Default: " + ServerConfig.DEFAULTS.port() + ".")
                .contains("Member port; the next free one is taken when it is in use. Default: "
                        + ClusterConfig.DEFAULTS.port() + ".")
                .contains("Default: " + CliDefaults.duration(ClusterConfig.DEFAULTS.failureTimeout()) + ".");
    }
}
