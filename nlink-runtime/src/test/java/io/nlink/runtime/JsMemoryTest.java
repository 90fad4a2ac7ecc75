package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.internal.Watchdog;
import io.nlink.runtime.internal.js.JsEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The JavaScript memory bound: a script that keeps what it allocates is stopped with a clear
 * error and the batch goes on, one that churns through garbage is not, and no sampling outlives
 * the runs. {@link JsMemoryChildJvmTest} shows the same in a 256 MiB heap.
 */
@EnabledIf(value = "inASmallHeap", disabledReason = "runs in the small-heap execution (-Xmx256m), see the pom")
class JsMemoryTest {
    /** Maven's small-heap execution runs this class; in a big heap the bound acts too late to test in seconds. */
    static boolean inASmallHeap() {
        return Runtime.getRuntime().maxMemory() <= 256L << 20;
    }

    private static final JsEngine JS = new JsEngine(Duration.ZERO);

    /** Keeps every array it makes: 8 MB each, until something stops it. */
    static final String ARRAY_BOMB = """
            function execute_node(input) {
              if (input.$json.bomb) { const kept = []; for (;;) kept.push(new Array(1e6).fill(1.5)); }
              return [{ json: { ok: true } }];
            }
            """;

    /** Doubles a string and keeps every copy flat (a rope would cost nothing). */
    static final String STRING_BOMB = """
            function execute_node(input) {
              if (input.$json.bomb) {
                const kept = []; let s = 'x'.repeat(1 << 16);
                for (;;) { kept.push(s.split('').join('')); if (s.length < (1 << 22)) s = s + s; }
              }
              return [{ json: { ok: true } }];
            }
            """;

    @AfterAll
    static void close() {
        JS.close();
    }

    @Test
    void aScriptThatKeepsWhatItAllocatesIsStoppedAndTheBatchGoesOn() {
        for (String bomb : List.of(ARRAY_BOMB, STRING_BOMB)) {
            List<ItemResult> results = new ArrayList<>();
            long start = System.nanoTime();
            try (BatchRunner batch = new BatchRunner(
                    JS.load(bomb), SandboxLimits.DEFAULTS, obj("{}"), BatchOptions.DEFAULTS.withContinueOnFail(true))) {
                batch.run(
                        List.<JsonNode>of(obj("{}"), obj("{\"bomb\":true}"), obj("{}"))
                                .iterator(),
                        results::add);
                assertThat(batch.summary().instances())
                        .as("the bomb's context is discarded")
                        .isEqualTo(2);
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("stopped by memory, not by the 10 s time bound")
                    .isLessThan(9_000);
            assertThat(results.get(0).items()).containsExactly(obj("{\"ok\":true}"));
            assertThat(results.get(1).failure().kind()).isEqualTo(Kind.MEMORY_LIMIT);
            assertThat(results.get(1).failure().message())
                    .startsWith(
                            "the JavaScript allocated more than 64 MiB in one run (its memory limit) while running execute_node")
                    .contains("--js-memory");
            assertThat(results.get(2).items()).containsExactly(obj("{\"ok\":true}"));
        }
        assertThat(Watchdog.meteredCount()).isZero();
    }

    @Test
    void aBombAtStartUpFailsTheInstance() {
        String js = "const kept = []; for (;;) kept.push(new Array(1e6).fill(1.5));";
        assertThatThrownBy(() -> JS.load(js).newInstance(SandboxLimits.DEFAULTS))
                .isInstanceOfSatisfying(
                        SandboxException.class,
                        e -> assertThat(e.getMessage())
                                .startsWith(
                                        "the JavaScript allocated more than 64 MiB in one run (its memory limit) while loading execution.js"));
    }

    /**
     * An honest run that allocates far more than the budget in total, all of it garbage, is left
     * alone: the heap does not fill, so allocation alone stops nothing.
     */
    @Test
    void churnThatKeepsLittleRunsPastTheBudget() {
        String js = """
                function execute_node(input) {
                  let total = 0;
                  for (let i = 0; i < 300; i++) total += new Array(1e5).fill(i).length; // 300 × 0.8 MB, dropped at once
                  return [{ json: { total: total } }];
                }
                """;
        try (BatchRunner batch = new BatchRunner(
                JS.load(js), SandboxLimits.DEFAULTS.withJsMemoryBytes(16L << 20), obj("{}"), BatchOptions.DEFAULTS)) {
            ItemResult r = batch.next(obj("{}"));
            assertThat(r.failure()).isNull();
            assertThat(r.items()).containsExactly(obj("{\"total\":30000000}"));
        }
    }

    @Test
    void aLimitOfZeroMeansNoneAndANegativeOneIsRefused() {
        try (BatchRunner batch = new BatchRunner(
                JS.load(ARRAY_BOMB), SandboxLimits.DEFAULTS.withJsMemoryBytes(0), obj("{}"), BatchOptions.DEFAULTS)) {
            assertThat(batch.next(obj("{}")).items()).containsExactly(obj("{\"ok\":true}"));
        }
        assertThatThrownBy(() -> SandboxLimits.DEFAULTS.withJsMemoryBytes(-1))
                .hasMessage("the JavaScript memory limit cannot be negative (0 means none), got -1");
    }

    @Test
    void onAThreadWhoseAllocationsCannotBeCountedTheScriptDoesNotRun() throws Exception {
        List<Throwable> refused = new ArrayList<>();
        Thread.ofVirtual()
                .start(() -> {
                    try {
                        JS.load(ARRAY_BOMB).newInstance(SandboxLimits.DEFAULTS).close();
                    } catch (Throwable t) {
                        refused.add(t);
                    }
                })
                .join();
        assertThat(refused)
                .singleElement()
                .satisfies(
                        t -> assertThat(t.getMessage())
                                .startsWith(
                                        "JavaScript cannot run with its memory limit here: the JVM does not count a virtual thread's allocations"));
    }
}
