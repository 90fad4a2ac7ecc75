package io.nlink.server;

import io.javalin.Javalin;
import io.javalin.router.ParsedEndpoint;
import io.javalin.security.Roles;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The one place nLink uses Javalin's internals ({@code app.unsafe.internalRouter}), which Javalin
 * may change in any release. Why at all: the test that holds openapi.json in step with the routes
 * needs every route the server registered and its access level, and Javalin 7 offers no public
 * list of them. After a Javalin upgrade, this class is what to fix.
 */
final class JavalinRoutes {
    private JavalinRoutes() {}

    /** Every HTTP route of {@code app} as "METHOD /path" → its single access level in lower case, or null. */
    static SortedMap<String, String> of(Javalin app) {
        SortedMap<String, String> routes = new TreeMap<>();
        for (ParsedEndpoint parsed : app.unsafe.internalRouter.allHttpHandlers()) {
            var endpoint = parsed.endpoint;
            if (!endpoint.method.isHttpMethod()) continue; // before/after filters
            Roles roles = endpoint.metadata(Roles.class);
            String access = roles == null || roles.getRoles().size() != 1
                    ? null
                    : roles.getRoles().iterator().next().toString().toLowerCase(Locale.ROOT);
            routes.put(endpoint.method.name() + " " + endpoint.path, access);
        }
        return routes;
    }
}
