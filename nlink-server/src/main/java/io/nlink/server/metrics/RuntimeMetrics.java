package io.nlink.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.nlink.runtime.ReadyMemory;

/**
 * The sandbox runtime's own figures: what it exposes publicly today is the memory held by ready
 * instances and snapshots against their budget. The place for instance starts, resets and pool
 * sizes once the runtime counts them: bind them here, and they are scraped with the rest.
 */
final class RuntimeMetrics implements MeterBinder {
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("nlink.runtime.ready.memory", ReadyMemory::held).baseUnit("bytes")
                .description("Memory held by started instances kept ready and by post-_initialize snapshots").register(registry);
        Gauge.builder("nlink.runtime.ready.memory.budget", ReadyMemory::budget).baseUnit("bytes")
                .description("The most that ready instances and snapshots may hold together").register(registry);
    }
}
