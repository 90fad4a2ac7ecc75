package io.nlink.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.nlink.runtime.NodeRuntime;

/**
 * The sandbox runtime's own figures, for the whole process: how batches got their instances
 * (started, a spare, or one a batch gave back and that was reset in place), how many reset
 * instances wait now, what they and the snapshots hold against their budget, and host faults.
 */
final class RuntimeMetrics implements MeterBinder {
    private final NodeRuntime runtime;

    RuntimeMetrics(NodeRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("nlink.runtime.ready.memory", runtime, r -> r.metrics().readyBytes())
                .baseUnit("bytes")
                .description("Memory held by started instances kept ready and by post-_initialize snapshots")
                .register(registry);
        Gauge.builder(
                        "nlink.runtime.ready.memory.budget",
                        runtime,
                        r -> r.metrics().readyBudgetBytes())
                .baseUnit("bytes")
                .description("The most that ready instances and snapshots may hold together")
                .register(registry);
        FunctionCounter.builder(
                        "nlink.runtime.instances.started",
                        runtime,
                        r -> r.metrics().instancesStarted())
                .description(
                        "Node instances started (wasm and JavaScript), on a batch's path or as spares in the background")
                .register(registry);
        FunctionCounter.builder(
                        "nlink.runtime.instances.spares.served",
                        runtime,
                        r -> r.metrics().sparesServed())
                .description("Batches served by a spare instance started ahead of need")
                .register(registry);
        FunctionCounter.builder(
                        "nlink.runtime.instances.reused",
                        runtime,
                        r -> r.metrics().reused())
                .description("Batches served by an instance an earlier batch gave back, reset in place")
                .register(registry);
        FunctionCounter.builder(
                        "nlink.runtime.instances.not.kept",
                        runtime,
                        r -> r.metrics().notKept())
                .description(
                        "Instances given back and ended: not resettable (failed, or a module or guest a reset cannot cover) or no room")
                .register(registry);
        Gauge.builder("nlink.runtime.instances.ready", runtime, r -> r.metrics().readyNow())
                .description("Reset instances waiting for a batch now, over all nodes")
                .register(registry);
        FunctionCounter.builder(
                        "nlink.runtime.host.faults", runtime, r -> r.metrics().hostFaults())
                .description("Items failed by a host fault (a bug in nLink a guest reached; each is worth a report)")
                .register(registry);
    }
}
