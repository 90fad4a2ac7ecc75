package io.nlink.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nlink.server.db.Database;
import io.nlink.server.workflows.WorkflowService;
import io.nlink.workflow.Execution;
import io.nlink.workflow.nodes.NodeRun;
import java.time.Duration;
import java.util.List;

/**
 * What an operator's Prometheus scrapes from {@code GET /metrics} when the server runs with
 * metrics on ({@code nlink serve --metrics}): executions by workflow, mode and status, their
 * latency as a histogram, node runs and items by node type, sandbox failures by kind, webhook
 * requests by method and answer, the database pool, the JVM, and the runtime's ready instances
 * ({@link RuntimeMetrics}). Off, nothing is recorded and the route does not exist.
 *
 * <p>The endpoint answers the owner and admins only (their session, or an API key sent as
 * {@code Authorization: Bearer nlk_…}): workflow ids and traffic are the server's business.
 * Labels are bounded by what the server holds (workflow ids, node types, failure kinds), never
 * by what a caller sends: a webhook's method is one of the seven the route serves.
 */
public final class ServerMetrics {
    /** Latency buckets of an execution: from a Set node's milliseconds to a slow batch's minute. */
    private static final Duration[] EXECUTION_BUCKETS = {
        Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)
    };

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /** Starts recording: JVM, database pool and {@code runtime}'s gauges now, executions as {@code workflows} reports them. */
    public ServerMetrics(Database database, WorkflowService workflows, io.nlink.runtime.NodeRuntime runtime) {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new RuntimeMetrics(runtime).bindTo(registry);
        database.recordPoolMetrics(registry);
        workflows.onRunEnded(this::ended);
    }

    /** The registry, for binders the server adds. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Everything recorded, in Prometheus' text format: what {@code GET /metrics} answers (http.MetricsApi). */
    public String scrape() {
        return registry.scrape();
    }

    /** Counts a webhook call answered with {@code status}. */
    public void webhookAnswered(String method, int status) {
        Counter.builder("nlink.webhook.requests")
                .description("Webhook calls answered, by HTTP method and status code")
                .tags("method", method, "status", Integer.toString(status))
                .register(registry)
                .increment();
    }

    /** One run that ended on this server. */
    private void ended(WorkflowService.Stored stored, WorkflowService.Mode mode, Execution execution) {
        String workflow = Long.toString(stored.id());
        String status = execution.status().id();
        Counter.builder("nlink.executions")
                .description("Workflow executions run on this server, by how they ended")
                .tags("workflow_id", workflow, "mode", mode.name().toLowerCase(java.util.Locale.ROOT), "status", status)
                .register(registry)
                .increment();
        Timer.builder("nlink.execution")
                .description("Time from an execution's start to its end, on this server")
                .tags("workflow_id", workflow)
                .serviceLevelObjectives(EXECUTION_BUCKETS)
                .register(registry)
                .record(execution.time());
        for (Execution.NodeRecord node : execution.nodes()) {
            Counter.builder("nlink.node.runs")
                    .description("Node runs, by node type and how they ended")
                    .tags("type", node.type(), "status", node.status())
                    .register(registry)
                    .increment();
            Counter.builder("nlink.node.items.in")
                    .description("Items that reached nodes, by node type")
                    .tags("type", node.type())
                    .register(registry)
                    .increment(sum(node.itemsIn()));
            Counter.builder("nlink.node.items.out")
                    .description("Items nodes put out, by node type")
                    .tags("type", node.type())
                    .register(registry)
                    .increment(sum(node.itemsOut()));
            for (NodeRun.ItemError error : node.itemErrors()) {
                if (error.sandboxFailure() == null) continue;
                Counter.builder("nlink.sandbox.failures")
                        .description("Items a sandbox failed, by failure kind and runtime")
                        .tags("kind", error.sandboxFailure(), "runtime", node.runtime())
                        .register(registry)
                        .increment();
            }
        }
    }

    private static int sum(List<Integer> counts) {
        int total = 0;
        for (int c : counts) total += c;
        return total;
    }
}
