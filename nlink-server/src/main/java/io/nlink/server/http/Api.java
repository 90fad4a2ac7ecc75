package io.nlink.server.http;

import io.javalin.config.JavalinConfig;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.text.Visible;
import io.nlink.server.auth.Accounts;
import io.nlink.server.store.NodeStore;
import io.nlink.server.store.TestRunner;
import io.nlink.server.workflows.Triggers;
import io.nlink.server.workflows.WorkflowService;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP surface in one place: the API routes, who may call each ({@link Access}), the JSON
 * error format, the security headers and the dashboard's static files.
 */
public final class Api {
    private static final Logger LOG = LoggerFactory.getLogger(Api.class);

    /**
     * Sent with every response. The dashboard loads only its own files and builds its pages with
     * DOM calls, so the policy can forbid inline script, framing and foreign origins outright.
     */
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            "X-Content-Type-Options",
            "nosniff",
            "X-Frame-Options",
            "DENY",
            "Referrer-Policy",
            "no-referrer",
            "Cross-Origin-Opener-Policy",
            "same-origin");

    private Api() {}

    /** What the routes serve. */
    public record Services(
            Accounts accounts,
            NodeStore store,
            TestRunner runner,
            WorkflowService workflows,
            Triggers triggers,
            io.nlink.server.credentials.CredentialStore credentials,
            long maxUploadBytes,
            java.time.Duration sessionTtl,
            Map<String, Object> health,
            io.nlink.server.auth.TrustedProxies trustedProxies) {}

    /** Configures {@code config} to serve everything. */
    public static void configure(JavalinConfig config, Services services) {
        Accounts accounts = services.accounts();
        long maxUploadBytes = services.maxUploadBytes();
        config.startup.showJavalinBanner = false;
        config.jsonMapper(new JavalinJackson(Json.MAPPER, false));
        config.http.maxRequestSize = maxUploadBytes + 1024 * 1024;
        config.jetty.multipartConfig.maxFileSize(maxUploadBytes, SizeUnit.BYTES);
        config.jetty.multipartConfig.maxTotalRequestSize(maxUploadBytes + 1024 * 1024, SizeUnit.BYTES);
        config.jetty.multipartConfig.maxInMemoryFileSize(1024 * 1024, SizeUnit.BYTES);
        config.staticFiles.add(files -> {
            files.hostedPath = "/";
            files.directory = "/dashboard";
            files.location = Location.CLASSPATH;
        });

        var routes = config.routes;
        routes.before(ctx -> {
            SECURITY_HEADERS.forEach(ctx::header);
            Requests.attributeClientAddress(ctx, services.trustedProxies());
            if (ctx.path().startsWith("/api/") || ctx.path().startsWith("/webhook/"))
                ctx.header("Cache-Control", "no-store");
        });
        routes.beforeMatched(ctx -> Access.check(ctx, accounts));

        routes.get("/api/health", ctx -> ctx.json(services.health()), Access.ANYONE);
        routes.get("/api/openapi.json", Api::openApi, Access.ANYONE);
        new AuthApi(accounts, services.sessionTtl()).register(routes);
        new StoreApi(services.store(), services.runner(), maxUploadBytes, accounts.audit()).register(routes);
        new ScaffoldApi().register(routes);
        new WorkflowApi(services.workflows(), services.triggers(), accounts.audit(), accounts.sharing())
                .register(routes);
        new EditorApi(services.store(), services.workflows()::expressions, services.workflows()).register(routes);
        new LiveApi(services.workflows()).register(routes);
        new CredentialsApi(services.credentials(), accounts.sharing(), accounts.audit()).register(routes);
        new AuditApi(accounts.audit()).register(routes);

        routes.exception(
                ApiException.class,
                (e, ctx) ->
                        refuse(ctx, maxUploadBytes, e.status(), e.retryAfterSeconds(), e.getMessage(), e.problems()));
        routes.exception(
                io.nlink.server.refusal.Refusal.class,
                (e, ctx) -> refuse(
                        ctx,
                        maxUploadBytes,
                        Refusals.status(e),
                        Refusals.retryAfterSeconds(e),
                        e.getMessage(),
                        e.problems()));
        routes.exception(
                HttpResponseException.class,
                (e, ctx) -> error(
                        ctx,
                        e.getStatus(),
                        e.getStatus() == 404 ? "no such API route: " + ctx.method() + " " + ctx.path() : e.getMessage(),
                        java.util.List.of()));
        routes.exception(Exception.class, (e, ctx) -> {
            String id = UUID.randomUUID().toString().substring(0, 8);
            LOG.error("request {} {} failed (error id {})", ctx.method(), Visible.inLog(ctx.path(), 300), id, e);
            error(
                    ctx,
                    500,
                    "the server failed on this request; the server log has the details under error id " + id,
                    java.util.List.of());
        });
    }

    /** A refused request: its body drained, {@code Retry-After} when a wait is known, then the error. */
    private static void refuse(
            Context ctx,
            long maxUploadBytes,
            int status,
            long retryAfterSeconds,
            String message,
            java.util.List<?> problems) {
        drainRefusedBody(ctx, maxUploadBytes);
        if (retryAfterSeconds > 0) ctx.header("Retry-After", Long.toString(retryAfterSeconds));
        error(ctx, status, message, problems);
    }

    private static void error(Context ctx, int status, String message, java.util.List<?> problems) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        if (!problems.isEmpty()) body.put("problems", problems);
        ctx.status(status).json(body);
    }

    /**
     * Reads what is left of a refused request's body (up to the upload bound) before answering:
     * a client still sending an upload when the server closes sees a broken pipe, not the refusal.
     */
    private static void drainRefusedBody(Context ctx, long maxUploadBytes) {
        try (InputStream in = ctx.req().getInputStream()) {
            long left = maxUploadBytes + 1024 * 1024;
            byte[] sink = new byte[65536];
            int n;
            while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) left -= n;
        } catch (IOException | IllegalStateException e) {
            // already read, or the client went away: nothing to drain
        }
    }

    private static void openApi(Context ctx) {
        ctx.contentType("application/json").result(OpenApiDocument.BYTES);
    }

    /** openapi.json as served: read once, with info.version set to the server's own. */
    private static final class OpenApiDocument {
        static final byte[] BYTES = load();

        private static byte[] load() {
            try (InputStream in = Api.class.getResourceAsStream("/openapi.json")) {
                if (in == null) throw new IOException("openapi.json is missing from the server's resources");
                com.fasterxml.jackson.databind.node.ObjectNode document =
                        (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(in);
                document.withObjectProperty("info").put("version", io.nlink.server.NlinkServer.VERSION);
                return Json.MAPPER.writeValueAsBytes(document);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read the server's openapi.json", e);
            }
        }
    }
}
