package io.nlink.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.OpenApi31;
import io.nlink.runtime.json.Json;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The published OpenAPI document as a contract for real exchanges: each request and its
 * response is matched to its documented operation (by method and path template), and the
 * response's status, content type and JSON body, the query parameters, and the JSON body of
 * each request the server accepted are checked against it. Bodies are validated by networknt's JSON Schema validator
 * in its OpenAPI 3.1 dialect, over the whole document, so {@code $ref}s resolve as a client's
 * would. What differs is collected, not thrown, so one run names every difference.
 */
final class OpenApiContract {
    /** Where the document is registered for the validator; nothing is fetched from it. */
    private static final String DOCUMENT = "https://nlink.invalid/openapi.json";

    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

    private record Operation(String method, String template, Pattern pattern) {}

    private final JsonNode doc;
    private final SchemaRegistry registry;
    private final List<Operation> operations = new ArrayList<>();
    private final List<String> differences = new ArrayList<>();
    private final Set<String> exercised = new TreeSet<>();

    OpenApiContract(String documentText) throws IOException {
        this.doc = Json.parse(documentText);
        this.registry = SchemaRegistry.withDefaultDialect(
                OpenApi31.getInstance(), b -> b.schemas(Map.of(DOCUMENT, documentText)));
        doc.path("paths")
                .properties()
                .forEach(path -> path.getValue().properties().forEach(op -> {
                    if (!METHODS.contains(op.getKey())) return;
                    // A parameter named path may hold slashes (the webhook's); any other is one segment.
                    String regex = Pattern.quote(path.getKey())
                            .replace("{path}", "\\E.+\\Q")
                            .replaceAll("\\{[^}/]+}", "\\\\E[^/]+\\\\Q");
                    operations.add(new Operation(op.getKey(), path.getKey(), Pattern.compile(regex)));
                }));
    }

    /** Every documented operation, as "METHOD /template". */
    Set<String> documented() {
        Set<String> all = new TreeSet<>();
        operations.forEach(o -> all.add(o.method().toUpperCase(Locale.ROOT) + " " + o.template()));
        return all;
    }

    /** The operations {@link #check} has seen, as "METHOD /template". */
    Set<String> exercised() {
        return exercised;
    }

    List<String> differences() {
        return differences;
    }

    /**
     * Checks one exchange.
     *
     * @param requestBody the JSON sent, or null when the request had no JSON body
     */
    void check(String method, String pathAndQuery, Object requestBody, ApiClient.Response response) {
        URI uri = URI.create(pathAndQuery);
        String m = method.toLowerCase(Locale.ROOT);
        String exchange = method + " " + pathAndQuery + " -> " + response.status();
        Operation op = operations.stream()
                .filter(o -> o.method().equals(m)
                        && o.pattern().matcher(uri.getPath()).matches())
                .findFirst()
                .orElse(null);
        if (op == null) {
            differences.add(exchange + ": no documented operation");
            return;
        }
        exercised.add(method.toUpperCase(Locale.ROOT) + " " + op.template());
        String opPointer = "/paths/" + escape(op.template()) + "/" + m;
        JsonNode operation = doc.at(opPointer);

        if (uri.getQuery() != null) {
            for (String pair : uri.getQuery().split("&")) {
                String name = pair.split("=", 2)[0];
                boolean known = false;
                for (JsonNode p : operation.path("parameters"))
                    known |= "query".equals(p.path("in").asText())
                            && name.equals(p.path("name").asText());
                if (!known) differences.add(exchange + ": query parameter " + name + " is not documented");
            }
        }
        // What the server accepted must be what the document allows; a refused body is the test's own doing.
        if (requestBody != null && response.status() / 100 == 2) {
            String schemaPointer = opPointer + "/requestBody/content/application~1json/schema";
            if (doc.at(schemaPointer).isMissingNode()) {
                differences.add(exchange + ": sends a JSON body, but the operation documents none");
            } else {
                validate(exchange + " request", schemaPointer, Json.MAPPER.valueToTree(requestBody));
            }
        }

        String status = Integer.toString(response.status());
        JsonNode documented = operation.path("responses").path(status);
        if (documented.isMissingNode()) documented = operation.path("responses").path("default");
        if (documented.isMissingNode()) {
            differences.add(exchange + ": status " + status + " is not documented (" + response.text() + ")");
            return;
        }
        String contentType = response.raw()
                .headers()
                .firstValue("Content-Type")
                .orElse("")
                .split(";")[0]
                .trim();
        if (!documented.has("content")) {
            if (response.body().length > 0)
                differences.add(exchange + ": documents no body, but one came: " + response.text());
            return;
        }
        if (!documented.path("content").has(contentType)) {
            differences.add(exchange + ": Content-Type " + contentType + " is not among the documented "
                    + documented
                            .path("content")
                            .propertyStream()
                            .map(Map.Entry::getKey)
                            .toList());
            return;
        }
        if (contentType.equals("application/json")) {
            String schemaPointer =
                    opPointer + "/responses/" + (operation.path("responses").has(status) ? status : "default")
                            + "/content/application~1json/schema";
            if (!doc.at(schemaPointer).isMissingNode()) validate(exchange, schemaPointer, response.json());
        }
    }

    private void validate(String what, String schemaPointer, JsonNode instance) {
        Schema schema = registry.getSchema(SchemaLocation.of(DOCUMENT + "#" + schemaPointer));
        schema.validate(instance)
                .forEach(
                        error -> differences.add(what + ": " + error.getInstanceLocation() + " " + error.getMessage()));
    }

    /** A JSON pointer segment: ~ as ~0, / as ~1. */
    private static String escape(String segment) {
        return segment.replace("~", "~0").replace("/", "~1");
    }
}
