package io.nlink.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.text.Visible;
import io.nlink.server.auth.Policy;
import io.nlink.server.auth.Sharing;
import io.nlink.server.credentials.WebhookAuthentication;
import io.nlink.server.workflows.Triggers;
import io.nlink.server.workflows.WebhookSettings;
import io.nlink.server.workflows.WorkflowService;
import io.nlink.workflow.CredentialResolver;
import io.nlink.workflow.CredentialTypes;
import io.nlink.workflow.Execution;
import io.nlink.workflow.WebhookResponse;
import io.nlink.workflow.Workflow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Workflows and executions ({@code /api/workflows}, {@code /api/executions}) and the webhook route ({@code /webhook/…}). */
final class WorkflowApi {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkflowApi.class);
    /** Largest webhook request body read: a webhook carries an event, not a file. */
    static final int MAX_WEBHOOK_BYTES = 1024 * 1024;

    private final WorkflowService service;
    private final Triggers triggers;
    private final io.nlink.server.auth.AuditLog audit;
    private final Sharing sharing;

    WorkflowApi(WorkflowService service, Triggers triggers, io.nlink.server.auth.AuditLog audit, Sharing sharing) {
        this.audit = audit;
        this.sharing = sharing;
        this.service = service;
        this.triggers = triggers;
    }

    void register(RoutesConfig routes) {
        routes.get(
                "/api/workflows",
                ctx -> ctx.json(Map.of(
                        "workflows",
                        service.list(scope(ctx)).stream()
                                .map(w -> summary(ctx, w))
                                .toList())),
                Access.SIGNED_IN);
        routes.post(
                "/api/workflows",
                ctx -> ctx.status(201).json(full(ctx, service.create(Requests.json(ctx), Access.principal(ctx)))),
                Access.SIGNED_IN);
        routes.get(
                "/api/workflows/{id}",
                ctx -> ctx.json(full(ctx, service.require(scope(ctx), id(ctx)))),
                Access.SIGNED_IN);
        routes.put(
                "/api/workflows/{id}",
                ctx -> ctx.json(
                        full(ctx, service.update(Access.principal(ctx), scope(ctx), id(ctx), Requests.json(ctx)))),
                Access.SIGNED_IN);
        routes.delete(
                "/api/workflows/{id}",
                ctx -> {
                    manageable(ctx, "delete");
                    service.delete(
                            Policy.workflowsToManage(Access.principal(ctx)),
                            id(ctx),
                            audit.recorder(
                                    io.nlink.server.auth.AuditLog.Action.WORKFLOW_DELETED,
                                    Access.principal(ctx),
                                    Requests.clientAddress(ctx)));
                    ctx.status(204);
                },
                Access.SIGNED_IN);
        ShareRoutes.register(
                routes,
                "/api/workflows/{id}",
                sharing,
                Sharing.Kind.WORKFLOW,
                ctx -> service.require(scope(ctx), id(ctx)).id(),
                (ctx, verb) -> {
                    WorkflowService.Stored stored = manageable(ctx, verb);
                    // The new owner's runs use what the new owner may use: refused (422, each named) unless that
                    // covers every credential.
                    return new ShareRoutes.Managed(
                            stored.id(),
                            label(stored),
                            recipient -> service.requireCredentials(stored.workflow(), recipient));
                });
        routes.post("/api/workflows/{id}/activate", ctx -> activate(ctx, true), Access.SIGNED_IN);
        routes.post("/api/workflows/{id}/deactivate", ctx -> activate(ctx, false), Access.SIGNED_IN);
        routes.post("/api/workflows/{id}/run", this::run, Access.SIGNED_IN);
        routes.get("/api/executions", this::executions, Access.SIGNED_IN);
        routes.get("/api/executions/{id}", ctx -> ctx.json(service.execution(scope(ctx), id(ctx))), Access.SIGNED_IN);
        for (HandlerType method :
                List.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE)) {
            routes.addHttpHandler(method, Access.WEBHOOK_PATHS + "<path>", this::webhook, Access.ANYONE);
        }
    }

    /** Whose workflows and executions the caller sees and changes: everything here is narrowed by it. */
    private static Policy.Scope scope(Context ctx) {
        return Policy.workflows(Access.principal(ctx));
    }

    /** The workflow of the path, for its owner, the server's owner or an admin to {@code verb}: 404 unseen, 403 for a sharee. */
    private WorkflowService.Stored manageable(Context ctx, String verb) throws java.sql.SQLException {
        WorkflowService.Stored stored = service.require(scope(ctx), id(ctx));
        Policy.checkManage(Access.principal(ctx), stored.ownerId(), verb + " workflow " + stored.id());
        return stored;
    }

    /** How the audit log names a workflow. */
    private static String label(WorkflowService.Stored w) {
        return "workflow " + w.id() + " \"" + w.name() + "\"";
    }

    private void activate(Context ctx, boolean active) throws Exception {
        ctx.json(summary(ctx, service.setActive(scope(ctx), id(ctx), active)));
    }

    private void run(Context ctx) throws Exception {
        WorkflowService.Stored stored = service.require(scope(ctx), id(ctx));
        JsonNode body = Requests.jsonOrEmpty(ctx);
        List<JsonNode> items = null;
        if (body.has("items")) {
            if (!body.get("items").isArray()) throw ApiException.badRequest("items: expected an array of JSON objects");
            items = new ArrayList<>();
            body.get("items").forEach(items::add);
        }
        if (body.has("wait") && !body.get("wait").isBoolean())
            throw ApiException.badRequest("wait: expected true or false");
        if (!body.path("wait").asBoolean(true)) {
            // The dashboard follows the run as it goes: GET /api/executions/{id}/events.
            long id = service.start(stored, Requests.text(body, "trigger"), items, WorkflowService.Mode.MANUAL, null);
            ctx.status(202).json(Map.of("id", id, "status", "queued"));
            return;
        }
        WorkflowService.Outcome outcome =
                service.dispatch(stored, Requests.text(body, "trigger"), items, WorkflowService.Mode.MANUAL);
        ctx.json(service.execution(scope(ctx), outcome.id()));
    }

    private static final java.util.Set<String> STATUSES =
            java.util.Set.of("queued", "running", "success", "error", "crashed", "canceled");

    /**
     * A page of executions, newest first, narrowed by workflowId, status, mode and a start time
     * range (from, to: ISO-8601 instants); {@code nextCursor} is the {@code before} that fetches the
     * page after it, or null on the last.
     */
    private void executions(Context ctx) throws Exception {
        String workflow = ctx.queryParam("workflowId");
        Long workflowId = workflow == null || workflow.isEmpty() ? null : parseId(workflow, "workflowId");
        String status = blankToNull(ctx.queryParam("status"));
        if (status != null && !STATUSES.contains(status)) {
            throw ApiException.badRequest(
                    "status: expected one of " + new java.util.TreeSet<>(STATUSES) + "; got \"" + status + "\"");
        }
        String mode = blankToNull(ctx.queryParam("mode"));
        if (mode != null
                && java.util.Arrays.stream(WorkflowService.Mode.values())
                        .noneMatch(m -> m.name().equalsIgnoreCase(mode))) {
            throw ApiException.badRequest("mode: expected manual, webhook, schedule or retry; got \"" + mode + "\"");
        }
        String before = blankToNull(ctx.queryParam("before"));
        int limit = ctx.queryParam("limit") == null
                ? 100
                : (int) Math.min(parseId(ctx.queryParam("limit"), "limit"), WorkflowService.MAX_PAGE);
        var filter = new WorkflowService.Filter(
                workflowId,
                status,
                mode == null ? null : mode.toLowerCase(java.util.Locale.ROOT),
                instant(ctx.queryParam("from"), "from"),
                instant(ctx.queryParam("to"), "to"),
                before == null ? null : parseId(before, "before"));
        List<WorkflowService.Summary> page = service.executions(scope(ctx), filter, limit);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set(
                "executions",
                Json.MAPPER.valueToTree(page.stream().map(WorkflowApi::summary).toList()));
        if (page.size() == Math.max(1, limit))
            out.put("nextCursor", page.get(page.size() - 1).id());
        else out.putNull("nextCursor");
        ctx.json(out);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }

    private static java.time.Instant instant(String text, String what) {
        if (text == null || text.isBlank()) return null;
        try {
            return java.time.Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw ApiException.badRequest(
                    what + ": expected an ISO-8601 instant such as 2025-01-31T00:00:00Z; got \"" + text + "\"");
        }
    }

    /**
     * What a webhook answers may come from a stranger's workflow, on the dashboard's own origin: a
     * sandboxed, script-less policy keeps an HTML or script answer from acting as a dashboard page.
     */
    static final String WEBHOOK_CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'";

    /**
     * A request to an active workflow's webhook: the request becomes the trigger's item
     * ({@code headers}, {@code params}, {@code query}, {@code body}, {@code webhookUrl},
     * {@code executionMode}), as n8n's; the Webhook node's
     * {@code responseMode} says when the caller hears back: onReceived at once, lastNode when
     * the run ends, responseNode when its Respond to Webhook node runs (the run goes on).
     */
    private void webhook(Context ctx) throws Exception {
        ctx.header("Content-Security-Policy", WEBHOOK_CONTENT_SECURITY_POLICY);
        String path = ctx.pathParam("path");
        Triggers.Webhook hook = triggers.webhook(ctx.method().name(), path)
                .orElseThrow(() -> ApiException.notFound(
                        "no active workflow listens on " + ctx.method().name() + " /webhook/" + path
                                + "; activate the workflow, and check the Webhook node's path and HTTP method"));
        WebhookSettings settings = hook.settings();
        // A trigger acts for the workflow's owner: the workflow is its own, whoever calls the hook.
        WorkflowService.Stored stored = service.require(Policy.Scope.EVERYONE, hook.workflowId());
        Proof proof = settings.protectedByAuthentication() ? authenticate(ctx, settings, stored) : Proof.NONE_NEEDED;
        if (proof.refused()) return;
        String secretHeader = proof.header();
        ObjectNode item = Json.MAPPER.createObjectNode();
        ObjectNode headers = item.putObject("headers");
        ctx.headerMap().forEach((k, v) -> {
            // The caller's proof of identity is checked here and goes no further: not into the run, not into its
            // record.
            if (!k.equalsIgnoreCase("cookie")
                    && !k.equalsIgnoreCase("authorization")
                    && !k.equalsIgnoreCase(secretHeader)) {
                headers.put(k.toLowerCase(java.util.Locale.ROOT), v);
            }
        });
        item.putObject("params");
        ObjectNode query = item.putObject("query");
        ctx.queryParamMap().forEach((k, v) -> query.put(k, v.isEmpty() ? "" : v.get(0)));
        item.set("body", body(ctx));
        // As n8n's webhook item ends: the URL the workflow listens on (no query), and the run's mode.
        item.put("webhookUrl", ctx.scheme() + "://" + ctx.host() + "/webhook/" + path);
        item.put("executionMode", "production");
        if (proof.jwtPayload() != null)
            item.set("jwtPayload", proof.jwtPayload()); // the verified token's claims, as n8n gives them
        switch (settings.responseMode()) {
            case ON_RECEIVED -> {
                // Recorded before the caller hears "started": from then on a crash cannot lose it.
                long executionId = service.accept(stored, settings.node(), item);
                if (!triggers.submit(() -> service.runAccepted(executionId, stored, settings.node(), item))) {
                    service.forget(executionId);
                    throw new ApiException(503, "too many workflow runs are waiting; try again shortly");
                }
                ctx.status(settings.responseCode());
                if (settings.receivedBody() != null) {
                    ctx.contentType("text/plain; charset=utf-8").result(settings.receivedBody());
                } else {
                    ctx.json(Map.of("message", "Workflow was started"));
                }
            }
            case LAST_NODE -> {
                WorkflowService.Outcome e =
                        service.dispatch(stored, settings.node(), List.of(item), WorkflowService.Mode.WEBHOOK);
                if (e.status() != Execution.Status.SUCCESS) {
                    failed(ctx, e);
                } else {
                    answerWithLastNode(ctx, settings, e);
                }
            }
            case RESPONSE_NODE -> {
                WorkflowService.Responding responding = service.dispatchResponding(stored, settings.node(), item);
                WebhookResponse response;
                try {
                    response = responding.answered().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Exception cause) throw cause;
                    throw e;
                }
                if (response != null) {
                    send(ctx, response);
                } else {
                    WorkflowService.Outcome e = responding.ended().get();
                    if (e.status() != Execution.Status.SUCCESS) {
                        failed(ctx, e);
                    } else {
                        ctx.status(500)
                                .json(Map.of(
                                        "error",
                                        "the workflow ended without running a Respond to Webhook node, and its Webhook node"
                                                + " \"" + settings.node()
                                                + "\" waits for one (responseMode responseNode); add one where the answer should come from,"
                                                + " or set responseMode to lastNode",
                                        "executionId",
                                        e.id()));
                    }
                }
            }
        }
    }

    /**
     * What a webhook call proved.
     *
     * @param refused whether it was refused (and answered)
     * @param header     the header that carried its secret (header authentication), or null
     * @param jwtPayload the verified token's claims (JWT authentication), or null
     */
    private record Proof(boolean refused, String header, ObjectNode jwtPayload) {
        static final Proof NONE_NEEDED = new Proof(false, null, null);
    }

    /**
     * Checks a protected webhook's call against its node's credential (the workflow owner's), and
     * answers a refused call itself: 401 or 403, as n8n does.
     */
    private Proof authenticate(Context ctx, WebhookSettings settings, WorkflowService.Stored stored) {
        Workflow.Node node = stored.workflow().node(settings.node()).orElseThrow();
        String type = CredentialTypes.usedBy(node).get(0);
        ObjectNode credential;
        try {
            Workflow.CredentialRef ref = node.credentials().get(type);
            if (ref == null)
                throw new CredentialResolver.MissingCredentialException("the node names no " + type + " credential");
            credential = service.credentialsOf(stored).data(type, ref);
        } catch (CredentialResolver.MissingCredentialException e) {
            // The caller is a stranger: it hears that the hook cannot check it, the owner finds why in the log.
            LOG.warn(
                    "workflow {} Webhook node \"{}\": {}; its calls are refused until its credential is fixed",
                    stored.id(),
                    Visible.inLog(node.name(), 200),
                    Visible.inLog(e.getMessage(), 500));
            throw new ApiException(
                    500,
                    "No authentication data defined on node! The workflow's owner must choose an existing credential for it");
        }
        WebhookAuthentication.Refusal refusal;
        ObjectNode claims = null;
        if (settings.authentication().equals("jwtAuth")) {
            WebhookAuthentication.JwtOutcome jwt =
                    WebhookAuthentication.jwt(credential, ctx.header("Authorization"), java.time.Instant.now());
            refusal = jwt.refusal();
            claims = jwt.claims();
        } else {
            refusal = WebhookAuthentication.check(settings.authentication(), credential, ctx::header);
        }
        if (refusal == null)
            return new Proof(
                    false,
                    settings.authentication().equals("headerAuth")
                            ? credential.path("name").asText()
                            : null,
                    claims);
        if (refusal.challenge() != null) ctx.header("WWW-Authenticate", refusal.challenge());
        ctx.status(refusal.status()).json(Map.of("error", refusal.message()));
        return new Proof(true, null, null);
    }

    private static void failed(Context ctx, WorkflowService.Outcome e) {
        ctx.status(500)
                .json(Map.of(
                        "error",
                        "the workflow failed at \"" + e.errorNode() + "\": " + e.error(),
                        "executionId",
                        e.id()));
    }

    /** n8n's lastNode answers: the first item's JSON (firstEntryJson, the default), every item (allEntries), or no body. */
    private static void answerWithLastNode(Context ctx, WebhookSettings settings, WorkflowService.Outcome e) {
        ctx.status(settings.responseCode());
        switch (settings.responseData()) {
            case "allEntries" -> ctx.json(e.output());
            case "noData" -> ctx.result("");
            default -> {
                if (e.output().isEmpty()) {
                    ctx.status(500)
                            .json(Map.of(
                                    "error",
                                    "the last node that ran returned no item to answer with (responseData firstEntryJson)",
                                    "executionId",
                                    e.id()));
                } else {
                    ctx.json(e.output().get(0));
                }
            }
        }
    }

    /** A Respond to Webhook node's answer; its headers were checked by the node. */
    private static void send(Context ctx, WebhookResponse response) {
        ctx.status(response.status());
        response.headers().forEach(h -> ctx.header(h.name(), h.value()));
        if (response.body() == null) {
            ctx.result("");
        } else {
            ctx.contentType(response.contentType()).result(response.body());
        }
    }

    private static JsonNode body(Context ctx) throws IOException {
        byte[] bytes;
        try (InputStream in = ctx.bodyInputStream()) {
            bytes = Requests.readAtMost(
                    in, MAX_WEBHOOK_BYTES, "the webhook body is larger than " + MAX_WEBHOOK_BYTES / 1024 + " KiB");
        }
        if (bytes.length == 0) return Json.MAPPER.createObjectNode();
        String type = ctx.contentType() == null ? "" : ctx.contentType();
        if (type.startsWith("application/json")) {
            try {
                return Json.parse(bytes);
            } catch (IOException e) {
                // Jackson's own message names its classes and echoes the source; say only what and where.
                String where =
                        e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                                ? " at line " + j.getLocation().getLineNr() + ", column "
                                        + j.getLocation().getColumnNr()
                                : "";
                throw ApiException.badRequest("the webhook body is sent as application/json but is not valid JSON"
                        + where + "; send JSON, or another Content-Type to pass the body on as text");
            }
        }
        return Json.MAPPER.getNodeFactory().textNode(new String(bytes, StandardCharsets.UTF_8));
    }

    private static long id(Context ctx) {
        return parseId(ctx.pathParam("id"), "id");
    }

    private static long parseId(String text, String what) {
        try {
            long value = Long.parseLong(text);
            if (value < 0) throw new NumberFormatException();
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(what + ": expected a whole number; got \"" + text + "\"");
        }
    }

    private static ObjectNode summary(Context ctx, WorkflowService.Stored w) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", w.id());
        out.put("name", w.name());
        out.put("active", w.active());
        out.put("createdAt", w.createdAt().toString());
        out.put("updatedAt", w.updatedAt().toString());
        out.put("createdBy", w.createdBy());
        out.put("owner", w.owner());
        // Whether the caller may delete, share and transfer it (else it is shared with them): what the dashboard
        // offers.
        out.put("mayManage", Policy.mayManage(Access.principal(ctx), w.ownerId()));
        var triggers = out.putArray("triggers");
        w.workflow().nodes().stream()
                .map(n -> n.type())
                .filter(t -> t.endsWith("Trigger") || t.endsWith(".webhook"))
                .distinct()
                .forEach(triggers::add);
        return out;
    }

    private static ObjectNode summary(WorkflowService.Summary e) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("id", e.id());
        out.put("workflowId", e.workflowId());
        out.put("workflowName", e.workflowName());
        out.put("mode", e.mode());
        out.put("status", e.status());
        out.put("startedAt", e.startedAt().toString());
        if (e.finishedAt() != null) { // null while it runs
            out.put("finishedAt", e.finishedAt().toString());
            out.put(
                    "millis",
                    java.time.Duration.between(e.startedAt(), e.finishedAt()).toNanos() / 1e6);
        } else {
            out.putNull("finishedAt");
            out.putNull("millis");
        }
        out.put("error", e.error());
        out.put("errorNode", e.errorNode());
        return out;
    }

    private static ObjectNode full(Context ctx, WorkflowService.Stored w) {
        ObjectNode out = summary(ctx, w);
        out.set("workflow", w.definition());
        return out;
    }
}
