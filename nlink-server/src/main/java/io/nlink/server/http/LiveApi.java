package io.nlink.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.Policy;
import io.nlink.server.workflows.LiveExecutions;
import io.nlink.server.workflows.WorkflowService;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * Following and steering one execution: its progress as Server-Sent Events
 * ({@code GET /api/executions/{id}/events}), stopping it ({@code POST …/stop}) and running a
 * failed one again ({@code POST …/retry}). Each is allowed exactly when {@code GET
 * /api/executions/{id}} is: the caller's scope ({@link Policy#workflows}) decides, and an
 * execution outside it answers 404.
 *
 * <p>A stream holds one server thread while it is open, so there are at most {@value #MAX_STREAMS}
 * at once (429 beyond), each ends after {@link #MAX_STREAM_MILLIS} (the browser's EventSource
 * reconnects and is replayed what it missed), and a reader keeps only its place in the
 * execution's event list: a client that stops reading holds no memory, and its thread is freed
 * when a write blocks past the server's idle timeout or the stream's time is up.
 */
final class LiveApi {
    /** Progress streams open at once on this server. */
    static final int MAX_STREAMS = 32;
    /** How long one stream stays open: ten minutes, then the browser reconnects. */
    static final long MAX_STREAM_MILLIS = 10 * 60_000;
    /** A comment line this often keeps proxies from closing a quiet stream and finds clients that left. */
    static final long KEEPALIVE_MILLIS = 15_000;
    /** How often a stream asks the database about an execution that runs on another member, or waits to start. */
    static final long POLL_MILLIS = 1_000;

    private final WorkflowService service;
    private final Semaphore streams = new Semaphore(MAX_STREAMS);

    LiveApi(WorkflowService service) {
        this.service = service;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/executions/{id}/events", this::events, Access.SIGNED_IN);
        routes.post(
                "/api/executions/{id}/stop",
                ctx -> {
                    long id = id(ctx);
                    service.stop(scope(ctx), id, Access.principal(ctx).username());
                    ctx.status(202).json(Map.of("id", id, "status", "stopping"));
                },
                Access.SIGNED_IN);
        routes.post(
                "/api/executions/{id}/retry",
                ctx -> {
                    long original = id(ctx);
                    long id = service.retry(scope(ctx), original);
                    ctx.status(202).json(Map.of("id", id, "retryOf", original, "status", "queued"));
                },
                Access.SIGNED_IN);
    }

    private static Policy.Scope scope(Context ctx) {
        return Policy.workflows(Access.principal(ctx));
    }

    private static long id(Context ctx) {
        try {
            long id = Long.parseLong(ctx.pathParam("id"));
            if (id < 0) throw new NumberFormatException();
            return id;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("id: expected a whole number; got \"" + ctx.pathParam("id") + "\"");
        }
    }

    /**
     * The stream: first what the execution did so far, then each event as it happens, ending after
     * {@code execution-finished}. Events: {@code node-started} {@code {node, itemsIn}},
     * {@code node-finished} {@code {node, status, itemsIn, itemsOut, millis, error}},
     * {@code execution-finished} {@code {id, status, error, errorNode}}; for a run on another
     * member, {@code execution} {@code {id, status}} until it ends.
     */
    private void events(Context ctx) throws Exception {
        long id = id(ctx);
        Policy.Scope scope = scope(ctx);
        ObjectNode record = service.execution(scope, id); // 404 outside the caller's scope, as GET answers
        if (!streams.tryAcquire()) {
            throw ApiException.tooManyRequests(
                    "too many progress streams are open on this server; try again shortly", 5);
        }
        try {
            ctx.status(200);
            ctx.res().setContentType("text/event-stream; charset=utf-8");
            ctx.res().setHeader("X-Accel-Buffering", "no"); // a proxy in front must not hold events back
            OutputStream out = ctx.res().getOutputStream();
            write(out, "retry: 3000\n\n");
            stream(out, id, scope, record);
        } catch (IOException gone) {
            // the client went away: nothing to tell it
        } finally {
            streams.release();
        }
    }

    private void stream(OutputStream out, long id, Policy.Scope scope, ObjectNode first) throws Exception {
        long until = System.currentTimeMillis() + MAX_STREAM_MILLIS;
        long lastWrite = System.currentTimeMillis();
        String told = null; // the status last sent for a run not followed here
        ObjectNode record = first;
        while (System.currentTimeMillis() < until) {
            Optional<LiveExecutions.Live> live = service.live().find(id);
            if (live.isPresent()) {
                follow(out, live.get(), until);
                return;
            }
            if (record == null) record = service.execution(scope, id);
            String status = record.path("status").asText();
            if (!status.equals("running") && !status.equals("queued")) {
                for (LiveExecutions.Event event : LiveExecutions.replay(record)) send(out, event);
                return;
            }
            if (!status.equals(told)) {
                send(
                        out,
                        new LiveExecutions.Event(
                                "execution",
                                Json.MAPPER
                                        .createObjectNode()
                                        .put("id", id)
                                        .put("status", status)
                                        .put("member", record.path("member").asText(null))));
                told = status;
                lastWrite = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - lastWrite >= KEEPALIVE_MILLIS) {
                write(out, ": keepalive\n\n");
                lastWrite = System.currentTimeMillis();
            }
            Thread.sleep(POLL_MILLIS);
            record = null;
        }
    }

    /** Sends a run's events from the first on, as they come, until it finishes or the stream's time is up. */
    private static void follow(OutputStream out, LiveExecutions.Live live, long until) throws Exception {
        int next = 0;
        while (System.currentTimeMillis() < until) {
            List<LiveExecutions.Event> events =
                    live.since(next, Math.min(KEEPALIVE_MILLIS, Math.max(1, until - System.currentTimeMillis())));
            if (events.isEmpty()) {
                write(out, ": keepalive\n\n");
                continue;
            }
            for (LiveExecutions.Event event : events) {
                send(out, event);
                if (event.type().equals("execution-finished")) return;
            }
            next += events.size();
        }
    }

    private static void send(OutputStream out, LiveExecutions.Event event) throws IOException {
        // JSON written by Jackson has no raw line breaks, so one data line holds it.
        write(out, "event: " + event.type() + "\ndata: " + Json.write(event.data()) + "\n\n");
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
