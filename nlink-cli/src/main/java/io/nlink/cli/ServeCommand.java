package io.nlink.cli;

import io.nlink.server.NlinkServer;
import io.nlink.server.ServerConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "serve",
        description = {
            "Starts the nLink server: the REST API, the dashboard and the Community Store.",
            "With no options it listens on this machine only (--host, --port) and keeps its data (an embedded H2 database and",
            "the compiled-module cache) in --data-dir. On first start it prints a one-time link that creates the owner account.",
            "For PostgreSQL, give --database-url and put the password in NLINK_DATABASE_PASSWORD (never on the command line).",
            "Servers on one PostgreSQL database that --join each other share their workflow executions (docs/scaling.md)."
        })
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--host", description = "Interface to listen on. Default: ${DEFAULT-VALUE} (this machine only).")
    String host;

    @Option(names = "--port", description = "TCP port; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Mixin
    DataDirOption data;

    @Option(
            names = "--database-url",
            paramLabel = "JDBC_URL",
            defaultValue = "${env:NLINK_DATABASE_URL}",
            description =
                    "PostgreSQL, e.g. jdbc:postgresql://db:5432/nlink. Default: $NLINK_DATABASE_URL, else the embedded H2.")
    String databaseUrl;

    @Option(
            names = "--database-user",
            defaultValue = "${env:NLINK_DATABASE_USER:-nlink}",
            description = "Default: $NLINK_DATABASE_USER or nlink.")
    String databaseUser;

    @Option(names = "--max-upload-mb", description = "Largest node ZIP accepted, in MiB. Default: ${DEFAULT-VALUE}.")
    int maxUploadMb;

    @Option(
            names = "--keep-executions-days",
            description = "Executions older than this are pruned. Default: ${DEFAULT-VALUE}.")
    int keepDays;

    @Option(
            names = "--keep-executions",
            description = "At most this many executions are kept, the oldest pruned first. Default: ${DEFAULT-VALUE}.")
    int keepCount;

    @Option(
            names = "--trusted-proxy",
            paramLabel = "CIDR",
            split = ",",
            description =
                    "A reverse proxy (address or CIDR block, repeatable) whose X-Forwarded-For names the client for the sign-in"
                            + " throttle and the audit log. Default: none; the connection's address is used, whatever the headers say.")
    java.util.List<String> trustedProxies = new java.util.ArrayList<>();

    @Mixin
    ClusterOptions cluster;

    @Mixin
    HttpEgressOptions http;

    @Option(
            names = "--credentials-key-file",
            paramLabel = "FILE",
            defaultValue = "${env:NLINK_CREDENTIALS_KEY_FILE}",
            description = {
                "The key that seals stored credentials (made, 0600, when missing). Servers sharing a database need the same file.",
                "Default: $NLINK_CREDENTIALS_KEY_FILE, else credentials.key in the data directory."
            })
    java.nio.file.Path credentialsKeyFile;

    @Option(
            names = "--metrics",
            description =
                    "Record Prometheus metrics and serve them at GET /metrics to the owner and admins"
                            + " (their API key as a Bearer token). Default: off; docs/performance.md says what recording costs.")
    boolean metrics;

    @Option(
            names = "--executions",
            paramLabel = "N",
            description =
                    "Workflow executions this server runs at once, its own or other members'; 0 hands them all to other members. Default: the number of cores, at least 2.")
    Integer executions;

    @Override
    public Integer call() throws Exception {
        ServerConfig config = ServerConfig.DEFAULTS
                .withHost(host)
                .withPort(port)
                .withDataDirectory(data.path)
                .withMaxUploadBytes(maxUploadMb * 1024L * 1024L)
                .withExecutionRetention(java.time.Duration.ofDays(keepDays), keepCount)
                .withCluster(cluster.config())
                .withHttpEgress(http.policy())
                .withCredentialsKeyFile(credentialsKeyFile)
                .withMetrics(metrics);
        if (executions != null) config = config.withExecutions(executions);
        config = config.withTrustedProxies(trustedProxies);
        boolean embedded = databaseUrl == null || databaseUrl.isBlank();
        if (cluster.join != null && embedded) {
            throw new IllegalArgumentException(
                    "--join needs --database-url: servers in a cluster share one PostgreSQL database"
                            + " (each embedded H2 database would know only its own workflows)");
        }
        if (!embedded) {
            config = config.withDatabase(databaseUrl, databaseUser, System.getenv("NLINK_DATABASE_PASSWORD"));
        }
        NlinkServer server = NlinkServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "nlink-shutdown"));
        String where = config.jdbcUrl() == null
                ? "H2 in " + data.path.toAbsolutePath().resolve("db")
                : server.databaseProduct();
        System.out.println("nLink " + NlinkServer.VERSION + " serving " + server.url() + " (database: " + where + ")");
        if (server.cluster().members().size() > 1) {
            System.out.println("Cluster member " + server.cluster().address() + " of "
                    + server.cluster().members().size());
        }
        server.setupUrl().ifPresent(url -> System.out.println("Create the owner account (one-time link): " + url));
        System.out.flush();
        server.await();
        return 0;
    }
}
