package io.nlink.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.nlink.devkit.Language;
import io.nlink.devkit.Scaffolder;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Map;

/** Settings > Community Store > Scaffold WASM: the same generator as {@code nlink scaffold}. */
final class ScaffoldApi {
    void register(RoutesConfig routes) {
        routes.get(
                "/api/scaffold/languages",
                ctx -> ctx.json(Arrays.stream(Language.values())
                        .map(l -> Map.of("id", l.id(), "displayName", l.displayName()))
                        .toList()),
                Access.SIGNED_IN);
        routes.post("/api/scaffold", ScaffoldApi::scaffold, Access.SIGNED_IN);
    }

    private static void scaffold(Context ctx) throws Exception {
        JsonNode body = Requests.json(ctx);
        Scaffolder.Request request;
        try {
            String language = Requests.text(body, "language");
            request = new Scaffolder.Request(
                    Requests.text(body, "name"),
                    Requests.text(body, "displayName"),
                    Requests.text(body, "description"),
                    language == null ? Language.GO : Language.of(language));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        Scaffolder.writeZip(request, zip);
        ctx.contentType("application/zip");
        ctx.header("Content-Disposition", "attachment; filename=\"" + request.packageName() + ".zip\"");
        ctx.result(zip.toByteArray());
    }
}
