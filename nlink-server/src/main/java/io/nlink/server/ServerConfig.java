package io.nlink.server;

import io.nlink.cluster.ClusterConfig;
import io.nlink.runtime.SandboxLimits;
import io.nlink.workflow.http.EgressPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything {@code nlink serve} can be told. Each setting has a default that works on a laptop
 * with no set-up; change one with the {@code with…} methods.
 *
 * @param host            interface to listen on. Default {@code 127.0.0.1}: nothing outside the
 *                        machine can reach the server until you choose so (put a TLS proxy in front)
 * @param port            TCP port; 0 picks a free one (tests). Default 8080
 * @param dataDirectory   where the embedded database and the compiled-module cache live.
 *                        Default {@code ./nlink-data}
 * @param jdbcUrl         a PostgreSQL JDBC URL for production; null (the default) means the
 *                        embedded H2 database in {@code dataDirectory/db}
 * @param jdbcUser        database user for {@code jdbcUrl}
 * @param jdbcPassword    database password for {@code jdbcUrl}
 * @param maxUploadBytes  largest node ZIP accepted. Default 64 MiB (the Go runtime alone is 3 MB)
 * @param sessionTtl      how long a dashboard login lasts without use. Default 12 hours
 * @param limits          sandbox limits for test runs from the store. Default: the platform's
 * @param maxTestRunItems most items one test run may carry. Default 1,000: the panel is for
 *                        trying a node, workflows are for volume
 * @param keepExecutionsFor executions older than this are pruned. Default 14 days
 * @param keepExecutions  at most this many executions are kept, the oldest pruned first. Default 10,000
 * @param cluster         how this server takes part in a cluster (docs/scaling.md). Default: a
 *                        cluster of one on 127.0.0.1:5701 (the next free port when taken), which
 *                        needs nothing set up. Servers that share a PostgreSQL database and list
 *                        each other share their workflow executions
 * @param executions      workflow executions this server runs at once, for itself or another
 *                        member; 0 makes it hand every execution to the others. Default: the
 *                        number of cores, at least 2
 * @param httpEgress      where workflows' HTTP Request nodes may connect, and their bounds (the
 *                        SSRF guard, docs/security.md). Default: public addresses only, 16 MiB
 *                        responses, 5 minutes per request
 * @param credentialsKeyFile the key that seals stored credentials (AES-256, base64, made 0600 on
 *                        first start when missing). Default null: {@code credentials.key} in the
 *                        data directory. Servers sharing one database must share this file
 * @param trustedProxies  reverse proxies (IP addresses or CIDR blocks) whose X-Forwarded-For
 *                        names the client for the sign-in throttle and the audit log. Default
 *                        none: the connection's address, whatever the headers say
 * @param metrics         record Prometheus metrics and serve them at {@code GET /metrics} to the
 *                        owner and admins. Default off: recording costs a little per execution
 *                        (docs/performance.md, "Metrics")
 */
public record ServerConfig(
        String host,
        int port,
        Path dataDirectory,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        long maxUploadBytes,
        Duration sessionTtl,
        SandboxLimits limits,
        int maxTestRunItems,
        Duration keepExecutionsFor,
        int keepExecutions,
        ClusterConfig cluster,
        int executions,
        EgressPolicy httpEgress,
        Path credentialsKeyFile,
        java.util.List<String> trustedProxies,
        boolean metrics) {

    public static final ServerConfig DEFAULTS = new ServerConfig(
            "127.0.0.1",
            8080,
            Path.of("nlink-data"),
            null,
            null,
            null,
            64L * 1024 * 1024,
            Duration.ofHours(12),
            SandboxLimits.DEFAULTS,
            1_000,
            Duration.ofDays(14),
            10_000,
            ClusterConfig.DEFAULTS,
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            EgressPolicy.DEFAULTS,
            null,
            java.util.List.of(),
            false);

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(sessionTtl, "sessionTtl");
        Objects.requireNonNull(limits, "limits");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        if (maxUploadBytes < 1024) throw new IllegalArgumentException("maxUploadBytes must be at least 1 KiB");
        if (maxTestRunItems < 1) throw new IllegalArgumentException("maxTestRunItems must be at least 1");
        Objects.requireNonNull(keepExecutionsFor, "keepExecutionsFor");
        if (keepExecutions < 1) throw new IllegalArgumentException("keepExecutions must be at least 1");
        Objects.requireNonNull(cluster, "cluster");
        if (executions < 0 || executions > 1024)
            throw new IllegalArgumentException("executions must be 0..1024, got " + executions);
        if (jdbcUrl != null && jdbcUrl.isBlank()) jdbcUrl = null;
        Objects.requireNonNull(httpEgress, "httpEgress");
        trustedProxies = java.util.List.copyOf(trustedProxies);
        io.nlink.server.auth.TrustedProxies.parse(trustedProxies); // refuses what is not an address or block, naming it
    }

    /** Where workflows' HTTP requests may go and how much they may take: see {@link EgressPolicy}. */
    public ServerConfig withHttpEgress(EgressPolicy value) {
        return edit(e -> e.httpEgress = value);
    }

    /** The key file that seals stored credentials; null for {@code credentials.key} in the data directory. */
    public ServerConfig withCredentialsKeyFile(Path value) {
        return edit(e -> e.credentialsKeyFile = value);
    }

    /** The credentials key file in use: the one given, else {@code credentials.key} in the data directory. */
    public Path credentialsKey() {
        return credentialsKeyFile != null ? credentialsKeyFile : dataDirectory.resolve("credentials.key");
    }

    public ServerConfig withHost(String value) {
        return edit(e -> e.host = value);
    }

    public ServerConfig withPort(int value) {
        return edit(e -> e.port = value);
    }

    public ServerConfig withDataDirectory(Path value) {
        return edit(e -> e.dataDirectory = value);
    }

    /** Use PostgreSQL (or any database Flyway and the schema support) instead of the embedded H2. */
    public ServerConfig withDatabase(String url, String user, String password) {
        return edit(e -> {
            e.jdbcUrl = url;
            e.jdbcUser = user;
            e.jdbcPassword = password;
        });
    }

    public ServerConfig withMaxUploadBytes(long value) {
        return edit(e -> e.maxUploadBytes = value);
    }

    public ServerConfig withSessionTtl(Duration value) {
        return edit(e -> e.sessionTtl = value);
    }

    /** Keep executions for {@code age} and at most {@code count} of them. */
    public ServerConfig withExecutionRetention(Duration age, int count) {
        return edit(e -> {
            e.keepExecutionsFor = age;
            e.keepExecutions = count;
        });
    }

    /** Join (or form) a cluster: see {@link ClusterConfig}. */
    public ServerConfig withCluster(ClusterConfig value) {
        return edit(e -> e.cluster = value);
    }

    public ServerConfig withExecutions(int value) {
        return edit(e -> e.executions = value);
    }

    public ServerConfig withMetrics(boolean value) {
        return edit(e -> e.metrics = value);
    }

    public ServerConfig withLimits(SandboxLimits value) {
        return edit(e -> e.limits = value);
    }

    /** Believe X-Forwarded-For from these proxies (addresses or CIDR blocks); empty: from nobody. */
    public ServerConfig withTrustedProxies(java.util.List<String> value) {
        return edit(e -> e.trustedProxies = value);
    }

    private ServerConfig edit(java.util.function.Consumer<Edit> change) {
        Edit e = new Edit(this);
        change.accept(e);
        return e.build();
    }

    /** A config's fields, to change some and build a new config (checked by the constructor) from. */
    private static final class Edit {
        String host;
        int port;
        Path dataDirectory;
        String jdbcUrl;
        String jdbcUser;
        String jdbcPassword;
        long maxUploadBytes;
        Duration sessionTtl;
        SandboxLimits limits;
        int maxTestRunItems;
        Duration keepExecutionsFor;
        int keepExecutions;
        ClusterConfig cluster;
        int executions;
        EgressPolicy httpEgress;
        Path credentialsKeyFile;
        java.util.List<String> trustedProxies;
        boolean metrics;

        Edit(ServerConfig c) {
            host = c.host;
            port = c.port;
            dataDirectory = c.dataDirectory;
            jdbcUrl = c.jdbcUrl;
            jdbcUser = c.jdbcUser;
            jdbcPassword = c.jdbcPassword;
            maxUploadBytes = c.maxUploadBytes;
            sessionTtl = c.sessionTtl;
            limits = c.limits;
            maxTestRunItems = c.maxTestRunItems;
            keepExecutionsFor = c.keepExecutionsFor;
            keepExecutions = c.keepExecutions;
            cluster = c.cluster;
            executions = c.executions;
            httpEgress = c.httpEgress;
            credentialsKeyFile = c.credentialsKeyFile;
            trustedProxies = c.trustedProxies;
            metrics = c.metrics;
        }

        ServerConfig build() {
            return new ServerConfig(
                    host,
                    port,
                    dataDirectory,
                    jdbcUrl,
                    jdbcUser,
                    jdbcPassword,
                    maxUploadBytes,
                    sessionTtl,
                    limits,
                    maxTestRunItems,
                    keepExecutionsFor,
                    keepExecutions,
                    cluster,
                    executions,
                    httpEgress,
                    credentialsKeyFile,
                    trustedProxies,
                    metrics);
        }
    }
}
