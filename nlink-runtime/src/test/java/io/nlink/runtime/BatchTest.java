package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.batch.BatchSummary;
import io.nlink.runtime.internal.wasm.WasmNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Batches through real Go guests: lanes, order, recycling and per-item failure semantics. */
class BatchTest {
    private static final WasmNode HELLO = Guests.exampleNode("hello-go");
    private static final WasmNode PROBE = Guests.exampleNode("probe-go");

    /** Items {"i": 0..n-1}, made as they are read: the batch never sees a list. */
    private static Iterator<JsonNode> numbered(int n) {
        return IntStream.range(0, n)
                .<JsonNode>mapToObj(i -> obj("{\"i\":" + i + "}"))
                .iterator();
    }

    @Test
    void parallelLanesKeepInputOrder() {
        List<ItemResult> results = new ArrayList<>();
        BatchSummary summary;
        try (BatchRunner batch =
                new BatchRunner(HELLO, SandboxLimits.DEFAULTS, obj("{}"), BatchOptions.DEFAULTS.withParallelism(3))) {
            assertThat(batch.run(numbered(3000), results::add)).isTrue();
            summary = batch.summary();
        }
        assertThat(results)
                .extracting(ItemResult::index)
                .containsExactlyElementsOf(
                        IntStream.range(0, 3000).asLongStream().boxed().toList());
        assertThat(results)
                .extracting(r -> r.items().get(0).get("original_data").get("i").intValue())
                .containsExactlyElementsOf(IntStream.range(0, 3000).boxed().toList());
        assertThat(summary.itemsIn()).isEqualTo(3000);
        assertThat(summary.itemsOut()).isEqualTo(3000);
        assertThat(summary.instances()).as("one instance per lane, each reused").isEqualTo(3);
    }

    @Test
    void aLeakingGuestIsRecycledAndCompletes() {
        List<ItemResult> results = new ArrayList<>();
        BatchSummary summary;
        try (BatchRunner batch =
                new BatchRunner(PROBE, SandboxLimits.DEFAULTS, obj("{\"mode\":\"leak\"}"), BatchOptions.DEFAULTS)) {
            assertThat(batch.run(numbered(60), results::add)).isTrue();
            summary = batch.summary();
        }
        assertThat(results).allSatisfy(r -> assertThat(r.failure()).isNull());
        assertThat(summary.recycled()).isGreaterThanOrEqualTo(2);
        assertThat(summary.instances()).isEqualTo(summary.recycled() + 1);
        assertThat(summary.peakMemoryPages()).isLessThanOrEqualTo(SandboxLimits.PLATFORM_MAX_MEMORY_PAGES);
        // Each recycled instance starts from nothing: the retained count restarts.
        assertThat(results.get(59).items().get(0).get("retained_mib").intValue())
                .isLessThan(60);
    }

    @Test
    void continueOnFailTurnsATrapATimeoutAndAnErrorIntoErrorItemsWhileTheRestSucceed() {
        for (int lanes : new int[] {1, 2}) {
            List<JsonNode> items = List.of(
                    obj("{\"n\":0}"),
                    obj("{\"mode\":\"panic\"}"),
                    obj("{\"n\":2}"),
                    obj("{\"mode\":\"loop\"}"),
                    obj("{\"n\":4}"),
                    obj("{\"mode\":\"error\"}"),
                    obj("{\"n\":6}"));
            List<ItemResult> results = new ArrayList<>();
            SandboxLimits limits = SandboxLimits.DEFAULTS.withItemTimeout(Duration.ofMillis(300));
            try (BatchRunner batch = new BatchRunner(
                    PROBE,
                    limits,
                    obj("{}"),
                    BatchOptions.DEFAULTS.withContinueOnFail(true).withParallelism(lanes))) {
                assertThat(batch.run(items.iterator(), results::add)).isTrue();
                assertThat(batch.summary().failures()).isEqualTo(3);
            }
            assertThat(results).extracting(ItemResult::index).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(results)
                    .extracting(r -> r.failure() == null ? null : r.failure().kind())
                    .containsExactly(null, Kind.TRAP, null, Kind.TIMEOUT, null, Kind.NODE_ERROR, null);
            for (int i : new int[] {0, 2, 4, 6}) {
                assertThat(results.get(i).items().get(0).get("echo").get("n").intValue())
                        .isEqualTo(i);
            }
        }
    }

    @Test
    void withoutContinueOnFailParallelLanesStopAtTheFirstFailureInInputOrder() {
        List<JsonNode> items = new ArrayList<>();
        for (int i = 0; i < 200; i++) items.add(i == 70 ? obj("{\"mode\":\"error\"}") : obj("{\"n\":" + i + "}"));
        List<ItemResult> results = new ArrayList<>();
        try (BatchRunner batch =
                new BatchRunner(PROBE, SandboxLimits.DEFAULTS, obj("{}"), BatchOptions.DEFAULTS.withParallelism(2))) {
            assertThat(batch.run(items.iterator(), results::add)).isFalse();
        }
        assertThat(results).hasSize(71);
        assertThat(results.get(70).failure().kind()).isEqualTo(Kind.NODE_ERROR);
        assertThat(results.subList(0, 70)).allSatisfy(r -> assertThat(r.ok()).isTrue());
    }
}
