package io.nlink.server.http;

import io.javalin.config.JavalinConfig;
import io.nlink.server.metrics.ServerMetrics;

/** {@code GET /metrics} for the owner and admins, and the count of webhook calls by answer, when metrics are on. */
public final class MetricsApi {
    private MetricsApi() {}

    public static void configure(JavalinConfig config, ServerMetrics metrics) {
        config.routes.get(
                "/metrics",
                ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                        .result(metrics.scrape()),
                Access.USER_MANAGER);
        config.routes.after(
                "/webhook/*", ctx -> metrics.webhookAnswered(ctx.method().name(), ctx.statusCode()));
    }
}
