package io.nlink.server.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;

/**
 * The server's database: a connection pool whose schema Flyway has brought up to date
 * ({@code db/migration} on the class path). The embedded default is an H2 file in the data
 * directory; production points {@code jdbcUrl} at PostgreSQL. The schema is written in SQL both
 * accept, so there is one set of migrations and one set of queries; version 10, which only H2
 * needs, is Java ({@link ExecutionRecordsOutOfRow}).
 */
public final class Database implements AutoCloseable {
    /**
     * H2's object cache off, before any H2 class reads it: with it on, H2 keeps the last 1,024
     * strings it converted (every value bound or read, of any length, so every execution record)
     * in one process-wide soft array. A soft reference outlives full collections while the heap
     * has room, so the heap after GC grew by a record per execution until the 1,024 slots filled
     * (docs/reliability.md, "H2 heap"). The cache only saves duplicate short strings. Setting
     * {@code -Dh2.objectCache=true} restores H2's default.
     */
    public static final String H2_OBJECT_CACHE = "h2.objectCache";

    static {
        if (System.getProperty(H2_OBJECT_CACHE) == null) System.setProperty(H2_OBJECT_CACHE, "false");
    }

    private final HikariDataSource pool;
    private final String product;

    private Database(HikariDataSource pool) throws SQLException {
        this.pool = pool;
        try (Connection c = pool.getConnection()) {
            this.product = c.getMetaData().getDatabaseProductName();
        }
    }

    /**
     * Opens the database and migrates it.
     *
     * @param jdbcUrl null for the embedded H2 database under {@code dataDirectory}
     */
    public static Database open(String jdbcUrl, String user, String password, Path dataDirectory) throws SQLException {
        HikariConfig hikari = new HikariConfig();
        if (jdbcUrl == null) {
            try {
                OwnerOnly.directory(dataDirectory);
                // db/ is the server's alone: owner-only even if an earlier version made it with the umask.
                OwnerOnly.tighten(OwnerOnly.directory(dataDirectory.resolve("db")));
            } catch (java.io.IOException e) {
                throw new SQLException("cannot create the data directory " + dataDirectory + ": " + e.getMessage(), e);
            }
            // AUTO_SERVER off: one process owns the file; a second server on the same data
            // directory fails fast with H2's "database may be already in use" instead of sharing.
            hikari.setJdbcUrl(
                    "jdbc:h2:file:" + dataDirectory.toAbsolutePath().resolve("db/nlink") + ";DB_CLOSE_ON_EXIT=FALSE");
            hikari.setUsername("nlink");
            hikari.setPassword("");
        } else {
            hikari.setJdbcUrl(jdbcUrl);
            hikari.setUsername(user);
            hikari.setPassword(password);
        }
        hikari.setMaximumPoolSize(8);
        hikari.setPoolName("nlink-db");
        hikari.setInitializationFailTimeout(10_000);
        HikariDataSource pool = new HikariDataSource(hikari);
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    .javaMigrations(new ExecutionRecordsOutOfRow())
                    .load()
                    .migrate();
            if (jdbcUrl == null) ownerOnlyFiles(dataDirectory.resolve("db"));
            return new Database(pool);
        } catch (RuntimeException | SQLException e) {
            pool.close();
            throw e instanceof SQLException s
                    ? s
                    : new SQLException("cannot migrate the database: " + e.getMessage(), e);
        }
    }

    /** H2 creates its files with the umask; once they exist (after migration) they become 0600. */
    private static void ownerOnlyFiles(Path dbDirectory) throws SQLException {
        try {
            OwnerOnly.filesIn(dbDirectory);
        } catch (java.io.IOException e) {
            throw new SQLException(
                    "cannot make the database files in " + dbDirectory + " owner-only (0600): " + e.getMessage(), e);
        }
    }

    /** Records the pool's connections (active, idle, pending, timings) in a Micrometer {@code meterRegistry}; once. */
    public void recordPoolMetrics(Object meterRegistry) {
        pool.setMetricRegistry(meterRegistry);
    }

    /** "H2" or "PostgreSQL": for the health endpoint and logs. */
    public String product() {
        return product;
    }

    /** Maps one row of a result. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet row) throws SQLException;
    }

    /** Work done on one connection inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} in a transaction: committed when it returns, rolled back when it throws. */
    public <T> T transaction(Work<T> work) throws SQLException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        return transaction(c -> query(c, sql, mapper, args));
    }

    public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        List<T> rows = query(sql, mapper, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public int update(String sql, Object... args) throws SQLException {
        return transaction(c -> update(c, sql, args));
    }

    public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(c, sql, args);
                ResultSet rows = statement.executeQuery()) {
            List<T> result = new ArrayList<>();
            while (rows.next()) result.add(mapper.map(rows));
            return result;
        }
    }

    public static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(c, sql, args)) {
            return statement.executeUpdate();
        }
    }

    /** Inserts one row and returns the id the database gave it. */
    public static long insert(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = bind(c.prepareStatement(sql, new String[] {"id"}), args)) {
            statement.executeUpdate();
            try (ResultSet keys = statement.getGeneratedKeys()) {
                if (!keys.next()) throw new SQLException("the database returned no id for: " + sql);
                return keys.getLong(1);
            }
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        return bind(c.prepareStatement(sql), args);
    }

    private static PreparedStatement bind(PreparedStatement statement, Object... args) throws SQLException {
        try {
            for (int i = 0; i < args.length; i++) {
                Object arg = args[i];
                if (arg instanceof java.time.Instant instant) {
                    statement.setObject(i + 1, instant.atOffset(java.time.ZoneOffset.UTC));
                } else {
                    statement.setObject(i + 1, arg);
                }
            }
            return statement;
        } catch (SQLException e) {
            statement.close();
            throw e;
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
