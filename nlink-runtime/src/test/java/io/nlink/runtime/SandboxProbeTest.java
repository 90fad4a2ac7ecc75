package io.nlink.runtime;

import static io.nlink.runtime.Guests.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.internal.wasm.WasmSandbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sandbox seen from inside a real Go guest (examples/probe-go, compiled by the build): what
 * it may not touch, and what the host reports when it misbehaves.
 */
class SandboxProbeTest {
    private static final WasmNode PROBE = Guests.exampleNode("probe-go");

    private static ItemResult once(String params) throws Exception {
        return once(params, SandboxLimits.DEFAULTS);
    }

    private static ItemResult once(String params, SandboxLimits limits) throws Exception {
        try (WasmSandbox sandbox = PROBE.newInstance(limits)) {
            return sandbox.call(0, ItemCodec.encodeContext(obj(params), obj("{\"a\":1}")));
        }
    }

    private static JsonNode only(ItemResult result) {
        assertThat(result.failure()).isNull();
        assertThat(result.items()).hasSize(1);
        return result.items().get(0);
    }

    @Test
    void filesDoNotExistForTheGuestEitherToReadOrToWrite() throws Exception {
        JsonNode seen = only(once("{\"mode\":\"fs\"}"));
        assertThat(seen.get("read_not_exist").booleanValue())
                .as("errors.Is(err, fs.ErrNotExist) for /etc/passwd: %s", seen)
                .isTrue();
        assertThat(seen.get("read_error").textValue()).contains("/etc/passwd");
        assertThat(seen.get("write_not_exist").booleanValue())
                .as("writing /tmp: %s", seen)
                .isTrue();
        assertThat(seen.get("readdir_not_exist").booleanValue())
                .as("listing /: %s", seen)
                .isTrue();
    }

    @Test
    void theEnvironmentIsEmpty() throws Exception {
        JsonNode seen = only(once("{\"mode\":\"env\"}"));
        assertThat(seen.get("home").textValue()).isEmpty();
        assertThat(seen.get("environ")).isEmpty();
        assertThat(seen.get("args")).containsExactly(Guests.node("\"nlink-node\""));
    }

    @Test
    void aTcpDialFails() throws Exception {
        JsonNode seen = only(once("{\"mode\":\"net\"}"));
        assertThat(seen.get("dial_error").textValue()).isNotEmpty();
    }

    @Test
    void aMemoryBombIsReportedAndTheNextBatchRunsNormally() throws Exception {
        ItemResult bomb = once("{\"mode\":\"membomb\"}");
        assertThat(bomb.failure().kind()).isEqualTo(Kind.MEMORY_LIMIT);
        assertThat(bomb.failure().message()).contains("exceeded the 32 MiB memory limit");
        assertThat(bomb.memoryPages()).isLessThanOrEqualTo(SandboxLimits.PLATFORM_MAX_MEMORY_PAGES);

        JsonNode next = only(once("{\"mode\":\"echo\"}"));
        assertThat(next.get("echo")).isEqualTo(obj("{\"a\":1}"));
    }

    @Test
    void anOperatorMayLowerTheMemoryCapAndItHolds() throws Exception {
        ItemResult bomb = once("{\"mode\":\"membomb\"}", SandboxLimits.DEFAULTS.withMemoryPages(256));
        assertThat(bomb.failure().kind()).isEqualTo(Kind.MEMORY_LIMIT);
        assertThat(bomb.failure().message()).contains("exceeded the 16 MiB memory limit");
        assertThat(bomb.memoryPages()).isLessThanOrEqualTo(256);
    }

    @Test
    void aLoopingGuestIsStoppedWithinItsBoundAndTheBatchGoesOnOnAFreshInstance() {
        Duration bound = Duration.ofMillis(300);
        List<ItemResult> results = new ArrayList<>();
        long start = System.nanoTime();
        try (BatchRunner batch = new BatchRunner(
                PROBE,
                SandboxLimits.DEFAULTS.withItemTimeout(bound),
                obj("{\"mode\":\"loop\"}"),
                BatchOptions.DEFAULTS.withContinueOnFail(true))) {
            results.add(batch.next(obj("{}")));
            results.add(batch.next(obj("{}")));
            assertThat(batch.summary().instances()).isEqualTo(2);
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        for (int i = 0; i < 2; i++) {
            ItemResult r = results.get(i);
            assertThat(r.index()).isEqualTo(i);
            assertThat(r.failure().kind()).isEqualTo(Kind.TIMEOUT);
            assertThat(r.failure().message()).contains("time limit of 300 ms").contains("execute_node");
            assertThat(r.failure().function())
                    .as("the looping function, from Go's name section")
                    .contains("main.execute_node");
        }
        // Two bounded items plus one instance creation: nowhere near "forever".
        assertThat(elapsedMillis).isLessThan(2 * bound.toMillis() + 5_000);
    }

    @Test
    void withoutContinueOnFailTheBatchStopsAtTheFailingItem() {
        List<ItemResult> results = new ArrayList<>();
        try (BatchRunner batch =
                new BatchRunner(PROBE, SandboxLimits.DEFAULTS, obj("{\"mode\":\"error\"}"), BatchOptions.DEFAULTS)) {
            boolean finished =
                    batch.run(List.<JsonNode>of(obj("{}"), obj("{}"), obj("{}")).iterator(), results::add);
            assertThat(finished).isFalse();
        }
        assertThat(results).hasSize(1);
        assertThat(results.get(0).failure().kind()).isEqualTo(Kind.NODE_ERROR);
        assertThat(results.get(0).failure().message()).isEqualTo("probe refused the item");
    }

    @Test
    void aNodeErrorKeepsTheInstance() throws Exception {
        try (WasmSandbox sandbox = PROBE.newInstance(SandboxLimits.DEFAULTS)) {
            ItemResult refused = sandbox.call(0, ItemCodec.encodeContext(obj("{\"mode\":\"error\"}"), obj("{}")));
            assertThat(refused.failure().kind()).isEqualTo(Kind.NODE_ERROR);
            assertThat(sandbox.usable()).isTrue();
            ItemResult next = sandbox.call(1, ItemCodec.encodeContext(obj("{}"), obj("{\"b\":2}")));
            assertThat(next.items().get(0).get("echo")).isEqualTo(obj("{\"b\":2}"));
        }
    }

    @Test
    void aPanicIsATrapNamedAfterTheGuestFunctionWithWhatTheGuestSaid() throws Exception {
        // Go's c-shared runtime aborts with `unreachable` in runtime.abort after printing the panic.
        ItemResult panic = once("{\"mode\":\"panic\"}");
        assertThat(panic.failure().kind()).isEqualTo(Kind.TRAP);
        assertThat(panic.failure().function()).isEqualTo("runtime.abort");
        assertThat(panic.failure().message())
                .contains("in runtime.abort")
                .contains("unreachable")
                .contains("it said: panic: probe was asked to panic");
        assertThat(panic.stderr()).contains("goroutine").contains("main.execute_node");
    }

    @Test
    void logsAreCapturedPerItemAndBounded() throws Exception {
        ItemResult small = once("{\"mode\":\"log\",\"bytes\":5}");
        assertThat(small.stdout()).isEqualTo("ooooo\n");
        assertThat(small.stderr()).isEqualTo("eeeee\n");
        assertThat(small.logsTruncated()).isFalse();

        ItemResult large = once("{\"mode\":\"log\",\"bytes\":100000}", SandboxLimits.DEFAULTS.withMaxLogBytes(1000));
        assertThat(large.ok()).isTrue();
        assertThat(large.stdout()).hasSize(1000);
        assertThat(large.logsTruncated()).isTrue();
    }

    @Test
    void anOversizedResultIsRefusedBeforeItIsCopied() throws Exception {
        ItemResult big =
                once("{\"mode\":\"big\",\"bytes\":200000}", SandboxLimits.DEFAULTS.withMaxOutputBytes(100_000));
        assertThat(big.failure().kind()).isEqualTo(Kind.OUTPUT_TOO_LARGE);
        assertThat(big.failure().message()).contains("over the sandbox's output limit of 100000 bytes");
    }

    @Test
    void manyAndNoOutputItemsAreBothResults() throws Exception {
        assertThat(once("{\"mode\":\"many\",\"count\":7}").items()).hasSize(7);
        ItemResult none = once("{\"mode\":\"raw\",\"text\":\"[]\"}");
        assertThat(none.ok()).isTrue();
        assertThat(none.items()).isEmpty();
    }

    @Test
    void malformedResultsAreClearErrorsQuotingWhatCameBack() throws Exception {
        ItemResult invalid = once("{\"mode\":\"raw\",\"text\":\"not json at all\"}");
        assertThat(invalid.failure().kind()).isEqualTo(Kind.BAD_RESULT);
        assertThat(invalid.failure().message()).contains("invalid JSON").contains("\"not json at all\"");

        ItemResult shape = once("{\"mode\":\"raw\",\"text\":\"{\\\"foo\\\":1}\"}");
        assertThat(shape.failure().kind()).isEqualTo(Kind.BAD_RESULT);
        assertThat(shape.failure().message()).contains("without \"error\"").contains("{\"foo\":1}");

        ItemResult element = once("{\"mode\":\"raw\",\"text\":\"[{\\\"json\\\":1}]\"}");
        assertThat(element.failure().message()).contains("element 0 is not {\"json\": {...}}");

        ItemResult empty = once("{\"mode\":\"raw\",\"text\":\"\"}");
        assertThat(empty.failure().message()).contains("empty result");
    }

    @Test
    void aResultPointerOutsideGuestMemoryIsRefused() throws Exception {
        ItemResult r = once("{\"mode\":\"out_of_bounds\"}");
        assertThat(r.failure().kind()).isEqualTo(Kind.BAD_RESULT);
        assertThat(r.failure().message()).contains("outside the guest's").contains("ptr=4294967280");
    }

    @Test
    void aContextOverTheLimitNeverReachesTheGuest() throws Exception {
        try (WasmSandbox sandbox = PROBE.newInstance(SandboxLimits.DEFAULTS.withMaxContextBytes(64))) {
            ItemResult r =
                    sandbox.call(0, ItemCodec.encodeContext(obj("{}"), obj("{\"x\":\"" + "y".repeat(100) + "\"}")));
            assertThat(r.failure().kind()).isEqualTo(Kind.CONTEXT_TOO_LARGE);
            assertThat(sandbox.usable()).isTrue();
        }
    }
}
