package io.nlink.server;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * The databases the persistence tests run on: the embedded H2 default, and a real PostgreSQL when
 * {@code NLINK_TEST_POSTGRES_URL} names one (scripts/postgres.sh starts it; scripts/test.sh
 * exports the URL). In CI a missing PostgreSQL fails the run instead of skipping.
 *
 * @param url null for the embedded H2 database
 */
record TestDatabase(String name, String url, String user, String password) {
    static final TestDatabase H2 = new TestDatabase("H2", null, null, null);

    @Override
    public String toString() {
        return name;
    }

    /** A direct connection to the database a server on {@code dataDir} uses, to look at its rows. */
    Connection connect(Path dataDir) throws SQLException {
        if (url == null) {
            return DriverManager.getConnection(
                    "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("db/nlink") + ";DB_CLOSE_ON_EXIT=FALSE",
                    "nlink",
                    "");
        }
        return DriverManager.getConnection(url, user, password);
    }

    /** How many rows {@code table} has. */
    long count(Path dataDir, String table) throws SQLException {
        try (Connection c = connect(dataDir);
                Statement s = c.createStatement();
                var rows = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** How many rows of {@code table} have {@code column} equal to {@code value}. */
    long count(Path dataDir, String table, String column, String value) throws SQLException {
        try (Connection c = connect(dataDir);
                var s = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE " + column + " = ?")) {
            s.setString(1, value);
            try (var rows = s.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    static List<TestDatabase> all() {
        List<TestDatabase> all = new ArrayList<>();
        all.add(H2);
        all.add(new TestDatabase("PostgreSQL", "", null, null)); // resolved by fresh()
        return all;
    }

    /**
     * A database of this kind with nothing in it: H2 lives in the test's own folder; for
     * PostgreSQL a new database is created on the test server, so tests never see each other's rows.
     */
    TestDatabase fresh() throws Exception {
        if (url == null) return this;
        String admin = System.getenv("NLINK_TEST_POSTGRES_URL");
        if (admin == null || admin.isBlank()) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(
                        "NLINK_TEST_POSTGRES_URL is not set: scripts/test.sh starts PostgreSQL (scripts/postgres.sh) and sets it");
            }
            Assumptions.abort(
                    "no PostgreSQL: run scripts/postgres.sh and set NLINK_TEST_POSTGRES_URL (scripts/test.sh does both)");
        }
        String user = System.getenv().getOrDefault("NLINK_TEST_POSTGRES_USER", "nlink");
        String password = System.getenv().getOrDefault("NLINK_TEST_POSTGRES_PASSWORD", "nlink");
        String db =
                "nlink_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(admin, user, password);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        return new TestDatabase(name, admin.substring(0, admin.lastIndexOf('/') + 1) + db, user, password);
    }
}
