package io.nlink.runtime.internal.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.Guests;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.NodeFailure.Kind;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import run.endive.runtime.Machine;

/**
 * The item boundary catches everything: an exception that is no trap (a host call's bug that a
 * guest reached, say a NegativeArraySizeException from a guest-sized buffer, the route found in
 * the engine's own fd_read) or the JVM out of heap fails that item as a HOST_FAULT, discards the
 * instance, and the batch goes on. The fault is injected into a real compiled module's machine,
 * since every known guest route to one is closed (HostBudgetTest).
 */
class HostFaultTest {
    private static final String NODE = """
            (module
              (memory (export "memory") 1 512)
              (global $bump (mut i32) (i32.const 4096))
              (data (i32.const 16) "[{\\"json\\":{}}]")
              (func (export "allocate") (param $n i32) (result i32) (local $p i32)
                (local.set $p (global.get $bump))
                (global.set $bump (i32.add (global.get $bump) (local.get $n)))
                (local.get $p))
              (func (export "execute_node") (param i32 i32) (result i64)
                (i64.const 0x100000000D)))
            """; // the 13 bytes at 16: (16 << 32) | 13

    /** execute_node is the module's second function (it imports none). */
    private static final int EXECUTE_NODE = 1;

    @Test
    void aHostExceptionOrOutOfMemoryIsOneFailedItemAndTheBatchGoesOn() throws Exception {
        WasmNode real = new WasmEngine().load(Guests.wat(NODE));
        AtomicInteger executes = new AtomicInteger();
        List<Throwable> faults =
                List.of(new NegativeArraySizeException("-2147483648"), new OutOfMemoryError("Java heap space"));
        WasmNode faulty = new WasmNode(
                real.module(),
                real.info(),
                instance -> {
                    Machine machine = real.machines().apply(instance);
                    return (funcId, args) -> {
                        int n = funcId == EXECUTE_NODE ? executes.getAndIncrement() : Integer.MAX_VALUE;
                        if (n < faults.size()) {
                            Throwable fault = faults.get(n);
                            if (fault instanceof Error error) throw error;
                            throw (RuntimeException) fault;
                        }
                        return machine.call(funcId, args);
                    };
                },
                real.interpretedFunctions(),
                0,
                false,
                Duration.ZERO,
                List.of());
        long before = WasmSandbox.hostFaults();
        List<ItemResult> results = new ArrayList<>();
        try (BatchRunner batch = new BatchRunner(
                faulty,
                SandboxLimits.DEFAULTS,
                Json.MAPPER.createObjectNode(),
                BatchOptions.DEFAULTS.withContinueOnFail(true))) {
            batch.run(
                    List.of(
                                    Json.MAPPER.createObjectNode(),
                                    Json.MAPPER.createObjectNode(),
                                    Json.MAPPER.createObjectNode())
                            .stream()
                            .map(o -> (com.fasterxml.jackson.databind.JsonNode) o)
                            .iterator(),
                    results::add);
        }
        assertThat(results).hasSize(3);
        assertThat(results.get(2).ok()).isTrue();
        assertThat(results.subList(0, 2))
                .allSatisfy(r -> assertThat(r.failure().kind()).isEqualTo(Kind.HOST_FAULT));
        assertThat(results.get(0).failure().message())
                .startsWith(
                        "the host failed with java.lang.NegativeArraySizeException: -2147483648 while running execute_node");
        assertThat(results.get(1).failure().message())
                .startsWith("the host ran out of heap memory while running execute_node");
        assertThat(WasmSandbox.hostFaults() - before).isEqualTo(2);
    }
}
