package io.nlink.server;

import io.nlink.runtime.SandboxLimits;
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
        int maxTestRunItems) {

    public static final ServerConfig DEFAULTS =
            new ServerConfig(
                    "127.0.0.1",
                    8080,
                    Path.of("nlink-data"),
                    null,
                    null,
                    null,
                    64L * 1024 * 1024,
                    Duration.ofHours(12),
                    SandboxLimits.DEFAULTS,
                    1_000);

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(sessionTtl, "sessionTtl");
        Objects.requireNonNull(limits, "limits");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        if (maxUploadBytes < 1024) throw new IllegalArgumentException("maxUploadBytes must be at least 1 KiB");
        if (maxTestRunItems < 1) throw new IllegalArgumentException("maxTestRunItems must be at least 1");
        if (jdbcUrl != null && jdbcUrl.isBlank()) jdbcUrl = null;
    }

    public ServerConfig withHost(String value) {
        return new ServerConfig(value, port, dataDirectory, jdbcUrl, jdbcUser, jdbcPassword, maxUploadBytes, sessionTtl, limits, maxTestRunItems);
    }

    public ServerConfig withPort(int value) {
        return new ServerConfig(host, value, dataDirectory, jdbcUrl, jdbcUser, jdbcPassword, maxUploadBytes, sessionTtl, limits, maxTestRunItems);
    }

    public ServerConfig withDataDirectory(Path value) {
        return new ServerConfig(host, port, value, jdbcUrl, jdbcUser, jdbcPassword, maxUploadBytes, sessionTtl, limits, maxTestRunItems);
    }

    /** Use PostgreSQL (or any database Flyway and the schema support) instead of the embedded H2. */
    public ServerConfig withDatabase(String url, String user, String password) {
        return new ServerConfig(host, port, dataDirectory, url, user, password, maxUploadBytes, sessionTtl, limits, maxTestRunItems);
    }

    public ServerConfig withMaxUploadBytes(long value) {
        return new ServerConfig(host, port, dataDirectory, jdbcUrl, jdbcUser, jdbcPassword, value, sessionTtl, limits, maxTestRunItems);
    }

    public ServerConfig withSessionTtl(Duration value) {
        return new ServerConfig(host, port, dataDirectory, jdbcUrl, jdbcUser, jdbcPassword, maxUploadBytes, value, limits, maxTestRunItems);
    }

    public ServerConfig withLimits(SandboxLimits value) {
        return new ServerConfig(host, port, dataDirectory, jdbcUrl, jdbcUser, jdbcPassword, maxUploadBytes, sessionTtl, value, maxTestRunItems);
    }
}
