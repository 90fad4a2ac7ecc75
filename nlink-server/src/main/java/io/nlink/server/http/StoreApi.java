package io.nlink.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.nlink.runtime.json.Json;
import io.nlink.server.auth.AuditLog;
import io.nlink.server.store.NodeStore;
import io.nlink.server.store.TestRunner;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/** The Community Store: {@code /api/nodes}. */
final class StoreApi {
    private final NodeStore store;
    private final TestRunner runner;
    private final long maxUploadBytes;
    private final AuditLog audit;

    StoreApi(NodeStore store, TestRunner runner, long maxUploadBytes, AuditLog audit) {
        this.audit = audit;
        this.store = store;
        this.runner = runner;
        this.maxUploadBytes = maxUploadBytes;
    }

    void register(RoutesConfig routes) {
        routes.get("/api/nodes", ctx -> ctx.json(Map.of("nodes", store.nodes())), Access.SIGNED_IN);
        routes.post("/api/nodes", this::upload, Access.NODE_MANAGER);
        routes.get(
                "/api/nodes/{name}",
                ctx -> {
                    var versions = store.versions(ctx.pathParam("name"));
                    if (versions.isEmpty())
                        throw ApiException.notFound("no node named " + ctx.pathParam("name") + " is installed");
                    ctx.json(Map.of(
                            "name",
                            ctx.pathParam("name"),
                            "versions",
                            versions.stream().map(StoreApi::versionJson).toList()));
                },
                Access.SIGNED_IN);
        routes.get(
                "/api/nodes/{name}/versions/{version}", ctx -> ctx.json(versionJson(require(ctx))), Access.SIGNED_IN);
        routes.delete(
                "/api/nodes/{name}/versions/{version}",
                ctx -> {
                    store.remove(
                            ctx.pathParam("name"),
                            ctx.pathParam("version"),
                            audit.recorder(
                                    AuditLog.Action.NODE_REMOVED, Access.principal(ctx), Requests.clientAddress(ctx)));
                    ctx.status(204);
                },
                Access.NODE_MANAGER);
        routes.get(
                "/api/nodes/{name}/versions/{version}/package",
                ctx -> {
                    NodeStore.Version v = require(ctx);
                    ctx.contentType("application/zip");
                    ctx.header(
                            "Content-Disposition", "attachment; filename=\"" + v.name() + "-" + v.version() + ".zip\"");
                    ctx.result(store.packageBytes(v.sha256()));
                },
                Access.SIGNED_IN);
        routes.post(
                "/api/nodes/{name}/versions/{version}/run",
                ctx -> ctx.json(runner.run(ctx.pathParam("name"), ctx.pathParam("version"), Requests.json(ctx))),
                Access.SIGNED_IN);
    }

    private NodeStore.Version require(Context ctx) throws Exception {
        return store.require(ctx.pathParam("name"), ctx.pathParam("version"));
    }

    /** A multipart form with the ZIP in field "package", or the ZIP as the raw body. */
    private void upload(Context ctx) throws Exception {
        byte[] zip;
        String type = ctx.contentType() == null ? "" : ctx.contentType();
        if (type.startsWith("multipart/form-data")) {
            UploadedFile file = uploadedFile(ctx);
            if (file == null) throw ApiException.badRequest("the form has no file field named \"package\"");
            try (InputStream in = file.content()) {
                zip = readBounded(in);
            }
        } else if (type.startsWith("application/zip") || type.startsWith("application/octet-stream")) {
            try (InputStream in = ctx.bodyInputStream()) {
                zip = readBounded(in);
            }
        } else {
            throw new ApiException(
                    415, "send the node as multipart/form-data (field \"package\") or as an application/zip body");
        }
        NodeStore.Installed installed = store.install(
                zip,
                Access.principal(ctx).username(),
                audit.recorder(AuditLog.Action.NODE_INSTALLED, Access.principal(ctx), Requests.clientAddress(ctx)));
        ctx.status(installed.created() ? 201 : 200).json(versionJson(installed.version()));
    }

    /** The multipart field "package"; Jetty's own size bound surfaces as a 413 that says the limit. */
    private UploadedFile uploadedFile(Context ctx) {
        try {
            return ctx.uploadedFile("package");
        } catch (Exception e) { // Javalin rethrows Jetty's ServletException unchecked
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IllegalStateException
                        && String.valueOf(t.getMessage()).contains("max file size exceeded")) {
                    throw new ApiException(413, tooLarge());
                }
            }
            throw ApiException.badRequest("the multipart body cannot be read: " + e.getMessage());
        }
    }

    private byte[] readBounded(InputStream in) throws IOException {
        byte[] zip = Requests.readAtMost(in, maxUploadBytes, tooLarge());
        if (zip.length == 0) throw ApiException.badRequest("the upload is empty");
        return zip;
    }

    private String tooLarge() {
        return "the upload is larger than the " + maxUploadBytes / (1024 * 1024) + " MiB allowed";
    }

    static ObjectNode versionJson(NodeStore.Version v) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("name", v.name());
        out.put("version", v.version());
        out.put("sha256", v.sha256());
        out.put("displayName", v.displayName());
        out.put("description", v.description());
        out.put("zipBytes", v.zipBytes());
        out.put("installedAt", v.installedAt().toString());
        out.put("installedBy", v.installedBy());
        out.set("details", v.details());
        return out;
    }
}
