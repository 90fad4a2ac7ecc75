package io.nlink.server;

import static io.nlink.server.GuestWat.assemble;
import static io.nlink.server.GuestWat.node;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Uploads of modules that are slow to compile, several at once, over real HTTP: the store
 * validates at most one per core at a time and refuses the rest with 429 and Retry-After, the
 * runtime compiles at most one module per core on its compile workers, and the server answers a
 * plain request promptly meanwhile. What each shape costs and the structural limits are in
 * nlink-runtime's CompileBudgetTest; docs/reliability.md has both.
 */
class CompileBoundServerTest extends SharedServer {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    /** How long a plain request may take while the uploads compile, on a busy two-core machine. */
    private static final Duration PROMPT = Duration.ofSeconds(3);

    /**
     * A valid node with 40,000 small functions (within the 50,000 limit): 1.5-5.5 s to compile
     * here. {@code variant} makes each module's bytes different, so none is a cache hit.
     */
    private static byte[] slowToCompile(int variant) {
        StringBuilder fields = new StringBuilder(40_000 * 40);
        for (int i = 0; i < 40_000; i++) {
            fields.append("(func (result i32) (i32.const ")
                    .append(i == 0 ? variant : i)
                    .append("))\n");
        }
        return assemble(node(1, "", fields.toString(), ""));
    }

    @Test
    void concurrentSlowUploadsAreBoundedAndThePlainRequestsAreAnswered() throws Exception {
        int uploads = 2 * CORES + 2;
        List<byte[]> zips = new ArrayList<>();
        for (int i = 0; i < uploads; i++) {
            zips.add(TestNodes.withModule("nlink-community.slow_compile_" + i, slowToCompile(i)));
        }
        ExecutorService clients = Executors.newFixedThreadPool(uploads);
        try {
            List<Future<ApiClient.Response>> responses = new ArrayList<>();
            for (byte[] zip : zips) {
                responses.add(clients.submit(() -> server.owner.upload(zip)));
            }
            long slowest = 0;
            int mostCompiling = 0;
            while (responses.stream().anyMatch(f -> !f.isDone())) {
                mostCompiling = Math.max(mostCompiling, compileWorkers());
                long start = System.nanoTime();
                ApiClient.Response plain = server.owner.get("/api/nodes");
                slowest = Math.max(slowest, System.nanoTime() - start);
                assertThat(plain.status()).isEqualTo(200);
                Thread.sleep(100);
            }
            System.out.printf(
                    "slowest plain request %d ms; at most %d compile workers at once%n",
                    slowest / 1_000_000, mostCompiling);
            assertThat(Duration.ofNanos(slowest)).isLessThan(PROMPT);
            assertThat(mostCompiling).isLessThanOrEqualTo(CORES);
            int installed = 0;
            for (Future<ApiClient.Response> f : responses) {
                ApiClient.Response r = f.get();
                System.out.println("upload: " + r.status() + " "
                        + r.text().substring(0, Math.min(200, r.text().length())));
                if (r.status() == 429) {
                    assertThat(r.raw().headers().firstValue("Retry-After")).contains("10");
                    assertThat(r.json().path("error").asText())
                            .isEqualTo("the server is busy validating other uploads; try again in 10 s");
                } else {
                    assertThat(r.status()).as(r.toString()).isEqualTo(201);
                    installed++;
                }
            }
            assertThat(installed).isGreaterThanOrEqualTo(1);
        } finally {
            clients.shutdownNow();
        }
    }

    private static int compileWorkers() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("nlink-compile-") && t.isAlive())
                .count();
    }
}
