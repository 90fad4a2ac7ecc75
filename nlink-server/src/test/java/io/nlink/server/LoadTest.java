package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Keeps N clients busy against one server on loopback for a bounded time — each alternating a
 * store test run of the seed's Go node (5 items) and a run of the example workflow (7 nodes,
 * wasm and js) — and reports throughput, latency percentiles, errors and memory. Errors must be
 * zero. CI runs it briefly; {@code scripts/load.sh SECONDS CLIENTS} runs it longer
 * (docs/reliability.md has figures).
 */
class LoadTest extends SharedServer {
    static final Duration DURATION = Duration.ofSeconds(Long.getLong("nlink.load.seconds", 15));
    static final int CLIENTS = Integer.getInteger("nlink.load.clients", 4);

    record Call(String kind, long nanos, String error) {}

    @Test
    void concurrentNodeRunsAndWorkflowExecutionsLoseNothing() throws Exception {
        String node =
                server.owner.upload(TestNodes.helloGo()).json().path("name").asText() + "/versions/"
                        + TestNodes.helloGoVersion();
        assertThat(server.owner.upload(TestNodes.helloJs()).status()).isIn(200, 201);
        long workflow = server.owner
                .post("/api/workflows", Json.parse(Files.readAllBytes(TestNodes.WORKFLOWS.resolve("greetings.json"))))
                .json()
                .path("id")
                .asLong();
        JsonNode people = Json.parse(Files.readAllBytes(TestNodes.WORKFLOWS.resolve("people.json")));
        List<Map<String, Object>> items =
                List.of(Map.of("i", 1), Map.of("i", 2), Map.of("i", 3), Map.of("i", 4), Map.of("i", 5));
        // Warm up both paths once (compile, JIT) so the figures describe the steady state.
        server.owner.post("/api/nodes/" + node + "/run", Map.of("params", Map.of("text", "warm"), "items", items));
        server.owner.post("/api/workflows/" + workflow + "/run", Map.of("items", people));

        java.util.Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        long heapBefore = usedHeapAfterGc();
        ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
        AtomicLong itemsOut = new AtomicLong();
        long deadline = System.nanoTime() + DURATION.toNanos();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            running.add(clients.submit(() -> {
                ApiClient api = new ApiClient(server.server.url());
                api.apiKey = server.owner
                        .post("/api/api-keys", Map.of("name", "load " + client))
                        .json()
                        .path("key")
                        .asText();
                for (int n = 0; System.nanoTime() < deadline; n++) {
                    long start = System.nanoTime();
                    if ((n + client) % 2 == 0) {
                        ApiClient.Response r = api.post(
                                "/api/nodes/" + node + "/run",
                                Map.of("params", Map.of("text", "load"), "items", items));
                        JsonNode body = r.status() == 200 ? r.json() : null;
                        boolean ok = body != null
                                && body.path("summary").path("failures").asInt(-1) == 0
                                && body.path("summary").path("itemsOut").asInt() == 5;
                        if (ok) itemsOut.addAndGet(5);
                        calls.add(new Call("node run", System.nanoTime() - start, ok ? null : r.toString()));
                    } else {
                        ApiClient.Response r = api.post("/api/workflows/" + workflow + "/run", Map.of("items", people));
                        JsonNode body = r.status() == 200 ? r.json() : null;
                        boolean ok = body != null
                                && body.path("status").asText().equals("success")
                                && body.path("outputItems").asInt() == 3;
                        if (ok) itemsOut.addAndGet(3);
                        calls.add(new Call("workflow run", System.nanoTime() - start, ok ? null : r.toString()));
                    }
                }
            }));
        }
        for (Future<?> f : running) f.get();
        clients.shutdown();

        long heapAfter = usedHeapAfterGc();
        clients.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        // Jetty's request pool, the cluster member's (Hazelcast's "hz.*" pools: executions run on
        // them) and the test's HTTP clients grow with the clients, are bounded and idle out later;
        // any other thread that outlived the load (a sandbox lane, a trigger) would be a leak. The
        // sandbox watchdog and the instance warmer are one thread each per process, started on first use.
        List<String> leftBehind = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !threadsBefore.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(n -> !n.equals("nlink-instance-warmer") && !n.equals("nlink-sandbox-watchdog"))
                .filter(n -> !n.startsWith("qtp")
                        && !n.startsWith("JettyServerThreadPool")
                        && !n.startsWith("hz.")
                        && !n.startsWith("HttpClient-")
                        && !n.startsWith("ForkJoinPool")
                        && !n.startsWith("pool-"))
                .toList();
        System.out.printf(
                "load: %d clients for %d s on %s%n", CLIENTS, DURATION.toSeconds(), server.server.databaseProduct());
        for (String kind : List.of("node run", "workflow run")) {
            List<Long> nanos = new ArrayList<>(calls.stream()
                    .filter(c -> c.kind().equals(kind))
                    .map(Call::nanos)
                    .toList());
            Collections.sort(nanos);
            long errors = calls.stream()
                    .filter(c -> c.kind().equals(kind) && c.error() != null)
                    .count();
            System.out.printf(
                    "load: %-12s %6d calls %7.1f/s  p50 %7.1f ms  p99 %7.1f ms  errors %d%n",
                    kind,
                    nanos.size(),
                    nanos.size() / (double) DURATION.toSeconds(),
                    percentile(nanos, 50),
                    percentile(nanos, 99),
                    errors);
        }
        System.out.printf(
                "load: %d items out; heap after GC %.1f -> %.1f MiB; threads left behind (beyond Jetty's and the clients' pools): %s%n",
                itemsOut.get(), heapBefore / 1048576.0, heapAfter / 1048576.0, leftBehind);

        List<String> errors = calls.stream()
                .filter(c -> c.error() != null)
                .map(c -> c.kind() + ": " + c.error())
                .limit(5)
                .toList();
        assertThat(errors).as("failed calls").isEmpty();
        assertThat(calls.stream().filter(c -> c.kind().equals("workflow run")).count())
                .as("workflow runs done")
                .isPositive();
        assertThat(calls.stream().filter(c -> c.kind().equals("node run")).count())
                .as("node runs done")
                .isPositive();
        assertThat(leftBehind).as("threads left behind").isEmpty();
    }

    private static double percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return 0;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1e6;
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
