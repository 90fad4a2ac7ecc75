package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.server.auth.Accounts;
import io.nlink.server.db.Database;
import io.nlink.server.http.Refusals;
import io.nlink.server.refusal.Refusal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers sharing one database each print their own set-up link, yet only one owner can ever be
 * created: the claim is a row in the database (owner_claim), not the server's memory. On H2, two
 * {@link Accounts} over one database stand for two servers (an H2 file has one process); on
 * PostgreSQL, two real servers on one database race their set-up links over HTTP.
 */
class OwnerClaimTest {
    @TempDir
    Path data;

    @Test
    void twoServersOnOneH2DatabaseCreateOneOwnerBetweenThem() throws Exception {
        try (Database db = Database.open(null, null, null, data)) {
            Accounts first = new Accounts(db, Duration.ofHours(1));
            Accounts second = new Accounts(db, Duration.ofHours(1));
            String firstToken = first.setupToken().orElseThrow();
            String secondToken = second.setupToken().orElseThrow();
            assertThat(firstToken).isNotEqualTo(secondToken);

            List<Integer> statuses = race(
                    () -> first.createOwner(firstToken, "alice", "alice-password", "127.0.0.1"),
                    () -> second.createOwner(secondToken, "bob", "bob-password", "127.0.0.2"));
            assertThat(statuses).containsExactlyInAnyOrder(201, 409);
            assertThat(db.queryOne("SELECT COUNT(*) FROM users WHERE role = 'owner'", r -> r.getLong(1))
                            .orElseThrow())
                    .isEqualTo(1);
            assertThat(first.setupToken())
                    .as("the link is spent on both servers")
                    .isEmpty();
            assertThat(second.setupToken()).isEmpty();
            assertThat(first.audit().page(null, 10).entries())
                    .extracting(e -> e.action())
                    .containsExactly("owner-created");
        }
    }

    @Test
    void twoServersOnOnePostgresDatabaseCreateOneOwnerBetweenThem() throws Exception {
        TestDatabase db =
                new TestDatabase("PostgreSQL", "", null, null).fresh(); // skips without NLINK_TEST_POSTGRES_URL
        ServerConfig config = TestServer.config(data, db);
        try (NlinkServer first = NlinkServer.start(config.withDataDirectory(data.resolve("first")));
                NlinkServer second = NlinkServer.start(config.withDataDirectory(data.resolve("second")))) {
            String firstToken = token(first);
            String secondToken = token(second);
            assertThat(firstToken).isNotEqualTo(secondToken);

            List<Integer> statuses = race(
                    () -> new ApiClient(first.url())
                            .post(
                                    "/api/setup",
                                    Map.of("token", firstToken, "username", "alice", "password", "alice-password"))
                            .status(),
                    () -> new ApiClient(second.url())
                            .post(
                                    "/api/setup",
                                    Map.of("token", secondToken, "username", "bob", "password", "bob-password"))
                            .status());
            assertThat(statuses).containsExactlyInAnyOrder(201, 409);
            assertThat(db.count(data, "users", "role", "owner")).isEqualTo(1);
            assertThat(new ApiClient(first.url())
                            .get("/api/setup")
                            .json()
                            .path("required")
                            .asBoolean())
                    .isFalse();
            assertThat(new ApiClient(second.url())
                            .get("/api/setup")
                            .json()
                            .path("required")
                            .asBoolean())
                    .isFalse();
            assertThat(first.setupUrl()).isEmpty();
            assertThat(second.setupUrl()).isEmpty();
        }
    }

    @Test
    void aDatabaseWhereTwoOwnersWereCreatedKeepsTheFirst() throws Exception {
        Files.createDirectories(data.resolve("db"));
        String url = "jdbc:h2:file:" + data.toAbsolutePath().resolve("db/nlink") + ";DB_CLOSE_ON_EXIT=FALSE";
        Flyway.configure()
                .dataSource(url, "nlink", "")
                .locations("classpath:db/migration")
                .target("6")
                .load()
                .migrate();
        try (Connection c = TestDatabase.H2.connect(data)) {
            for (String name : List.of("first-owner", "second-owner")) {
                try (PreparedStatement s = c.prepareStatement(
                        "INSERT INTO users (username, password_hash, role, created_at) VALUES (?, 'x', 'owner', ?)")) {
                    s.setString(1, name);
                    s.setObject(2, OffsetDateTime.now());
                    s.executeUpdate();
                }
            }
        }
        try (Database db = Database.open(null, null, null, data)) {
            assertThat(db.query(
                            "SELECT username, role FROM users ORDER BY id", r -> r.getString(1) + " " + r.getString(2)))
                    .containsExactly("first-owner owner", "second-owner admin");
            Accounts accounts = new Accounts(db, Duration.ofHours(1));
            assertThat(accounts.setupToken()).isEmpty();
        }
    }

    private static String token(NlinkServer server) {
        String link = server.setupUrl().orElseThrow(() -> new AssertionError("a fresh server has no set-up link"));
        return URI.create(link.replace("/#/", "/")).getQuery().substring("token=".length());
    }

    /** Runs both at once; each one's HTTP status (201 for a created owner, a refusal's status). */
    @SafeVarargs
    private static List<Integer> race(Callable<Object>... attempts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(attempts.length);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (Callable<Object> attempt : attempts) {
                results.add(pool.submit(() -> {
                    start.await();
                    try {
                        Object result = attempt.call();
                        return result instanceof Integer status ? status : 201;
                    } catch (Refusal e) {
                        return Refusals.status(e);
                    }
                }));
            }
            start.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : results) statuses.add(f.get());
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }
}
