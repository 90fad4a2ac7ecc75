import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a busy nLink server does to its embedded H2 database, without the server (issue 23,
 * docs/reliability.md "H2 file"): the schema from the Flyway migrations, THREADS connections each
 * inserting a 'running' execution of about KIB KiB (a webhook's body) and handing its id to one
 * writer, which sets the outcome (a record of about twice that) on up to BATCH rows per
 * transaction and, once a second, prunes to the newest KEEP executions, as ExecutionRecorder and
 * ExecutionLog.prune do. Prints the rate and the file's size; exits 1 when a write failed.
 *
 *   java -cp ~/.m2/repository/com/h2database/h2/2.5.252/h2-2.5.252.jar scripts/H2Load.java \
 *       [seconds=60] [threads=8] [kib=32] [batch=256] [keep=10000] [records=clob|text] [settings=;RETENTION_TIME=5000]
 *
 * records=text keeps the record in the row as schema version 9 did (the corrupting layout);
 * clob is schema version 10.
 */
public class H2Load {
    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> o = new java.util.HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("arguments are name=value: " + a);
            o.put(a.substring(0, eq), a.substring(eq + 1));
        }
        int seconds = Integer.parseInt(o.getOrDefault("seconds", "60"));
        int threads = Integer.parseInt(o.getOrDefault("threads", "8"));
        int kib = Integer.parseInt(o.getOrDefault("kib", "32"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "256"));
        int keep = Integer.parseInt(o.getOrDefault("keep", "10000"));
        boolean clob = !"text".equals(o.getOrDefault("records", "clob"));
        Path migrations = Path.of(o.getOrDefault("migrations", "nlink-server/src/main/resources/db/migration"));
        Path dir = Files.createTempDirectory("h2load");
        String url = "jdbc:h2:file:" + dir.resolve("nlink") + ";DB_CLOSE_ON_EXIT=FALSE" + o.getOrDefault("settings", "");
        System.out.printf("H2 %s, %s, records %s, %d threads, %d KiB bodies, batches of %d, %d kept%n",
                org.h2.engine.Constants.FULL_VERSION, url, clob ? "out of row (CLOB)" : "in the row", threads, kib, batch, keep);
        try (Connection c = DriverManager.getConnection(url, "nlink", ""); Statement s = c.createStatement()) {
            try (var files = Files.list(migrations)) {
                for (Path sql : files.filter(p -> p.getFileName().toString().matches("V\\d+__.*\\.sql"))
                        .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().replaceAll("^V(\\d+)__.*", "$1"))))
                        .toList()) {
                    s.execute("RUNSCRIPT FROM '" + sql.toAbsolutePath() + "'");
                }
            }
            if (clob) s.execute("ALTER TABLE executions ALTER COLUMN record SET DATA TYPE CHARACTER LARGE OBJECT");
            s.execute("INSERT INTO workflows (name, definition, active, created_at, updated_at) VALUES ('load', '{}', FALSE, NOW(), NOW())");
        }
        String body = "{\"name\":\"nLink\",\"pad\":\"" + "x".repeat(kib * 1024) + "\"}";
        String started = "{\"status\":\"running\",\"input\":[{\"body\":" + body + "}],\"nodes\":[]}";
        String ended = "{\"status\":\"success\",\"input\":[{\"body\":" + body + "}],\"nodes\":[{\"name\":\"Webhook\",\"out\":[{\"body\":" + body + "}]}]}";
        long workflow;
        try (Connection c = DriverManager.getConnection(url, "nlink", ""); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT MAX(id) FROM workflows")) {
            r.next();
            workflow = r.getLong(1);
        }
        BlockingQueue<Long> ids = new LinkedBlockingQueue<>(4096);
        AtomicLong inserted = new AtomicLong(), finished = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> runs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            runs.add(Thread.ofPlatform().start(() -> {
                try (Connection c = DriverManager.getConnection(url, "nlink", "");
                        PreparedStatement insert = c.prepareStatement(
                                "INSERT INTO executions (workflow_id, mode, status, started_at, record, member) VALUES (?, ?, ?, ?, ?, ?)",
                                new String[] {"id"})) {
                    while (System.nanoTime() < end && failure.get() == null) {
                        insert.setLong(1, workflow);
                        insert.setString(2, "webhook");
                        insert.setString(3, "running");
                        insert.setObject(4, OffsetDateTime.now(ZoneOffset.UTC));
                        insert.setString(5, started);
                        insert.setString(6, "127.0.0.1:8080");
                        insert.executeUpdate();
                        try (ResultSet k = insert.getGeneratedKeys()) {
                            k.next();
                            long id = k.getLong(1);
                            inserted.incrementAndGet();
                            while (!ids.offer(id, 100, TimeUnit.MILLISECONDS) && failure.get() == null) {}
                        }
                    }
                } catch (SQLException | InterruptedException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        Thread writer = Thread.ofPlatform().start(() -> {
            try (Connection c = DriverManager.getConnection(url, "nlink", "")) {
                c.setAutoCommit(false);
                long lastPrune = System.nanoTime();
                List<Long> taken = new ArrayList<>();
                while (failure.get() == null) {
                    Long first = ids.poll(1, TimeUnit.SECONDS);
                    taken.clear();
                    if (first != null) {
                        taken.add(first);
                        ids.drainTo(taken, batch - 1);
                    } else if (System.nanoTime() > end) {
                        return;
                    }
                    if (!taken.isEmpty()) {
                        try (PreparedStatement u = c.prepareStatement(
                                "UPDATE executions SET status = ?, started_at = ?, finished_at = ?, error = ?, error_node = ?, record = ? WHERE id = ?")) {
                            for (long id : taken) {
                                OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
                                u.setString(1, "success");
                                u.setObject(2, now);
                                u.setObject(3, now);
                                u.setString(4, null);
                                u.setString(5, null);
                                u.setString(6, ended);
                                u.setLong(7, id);
                                u.addBatch();
                            }
                            u.executeBatch();
                        }
                        c.commit();
                        finished.addAndGet(taken.size());
                    }
                    if (System.nanoTime() - lastPrune >= TimeUnit.SECONDS.toNanos(1)) {
                        prune(c, keep);
                        lastPrune = System.nanoTime();
                    }
                }
            } catch (SQLException | InterruptedException | RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        });
        Path file = dir.resolve("nlink.mv.db");
        long t0 = System.nanoTime();
        long every = TimeUnit.SECONDS.toMillis(Integer.parseInt(o.getOrDefault("every", "10")));
        while (writer.isAlive()) {
            writer.join(every);
            double at = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%4.0f s: %,d executions ended (%.0f/s), file %,d MiB%n", at, finished.get(), finished.get() / at, Files.size(file) >> 20);
        }
        for (Thread r : runs) r.join();
        int status = 0;
        if (failure.get() != null) {
            System.out.println("FAILED: " + failure.get());
            status = 1;
        } else {
            try (Connection c = DriverManager.getConnection(url, "nlink", ""); Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT COUNT(*), SUM(OCTET_LENGTH(record)) FROM executions")) {
                r.next();
                System.out.printf("kept %,d executions, %,d MiB of records; file %,d MiB%n", r.getLong(1), r.getLong(2) >> 20, Files.size(file) >> 20);
            }
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        System.exit(status);
    }

    /** ExecutionLog.prune with the server's default of 14 days, each statement its own transaction. */
    private static void prune(Connection c, int keep) throws SQLException {
        try (PreparedStatement d = c.prepareStatement("DELETE FROM executions WHERE started_at < ? AND status NOT IN (?, ?)")) {
            d.setObject(1, OffsetDateTime.now(ZoneOffset.UTC).minusDays(14));
            d.setString(2, "queued");
            d.setString(3, "running");
            d.executeUpdate();
        }
        c.commit();
        Long cutoff = null;
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT id FROM executions ORDER BY id DESC OFFSET " + keep + " ROWS FETCH FIRST 1 ROWS ONLY")) {
            if (r.next()) cutoff = r.getLong(1);
        }
        c.commit();
        if (cutoff != null) {
            try (PreparedStatement d = c.prepareStatement("DELETE FROM executions WHERE id <= ? AND status NOT IN (?, ?)")) {
                d.setLong(1, cutoff);
                d.setString(2, "queued");
                d.setString(3, "running");
                d.executeUpdate();
            }
            c.commit();
        }
    }
}
