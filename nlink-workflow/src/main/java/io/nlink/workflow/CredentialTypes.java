package io.nlink.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The credential types nLink stores, with n8n's names and fields, so an n8n workflow's references
 * fit: {@code httpHeaderAuth} {name, value} (a header), {@code httpBasicAuth} {user, password}
 * and {@code httpQueryAuth} {name, value} (a query parameter), {@code httpBearerAuth} {token}
 * ({@code Authorization: Bearer}), and {@code oAuth2Api} {grantType,
 * accessTokenUrl, clientId, clientSecret, scope, authentication} (OAuth2 by the client-credentials
 * grant: a bearer token fetched from the token URL, {@link io.nlink.workflow.http.OAuth2Tokens}).
 * {@code jwtAuth} {keyType, secret, publicKey, algorithm} (what a Webhook's JWT authentication
 * verifies tokens with, {@link JwtVerifier}). Every field is a string; all are required but those with a default ({@link #defaultOf}); nothing
 * else is accepted, so what is stored is what a node can use.
 */
public final class CredentialTypes {
    /** HTTP token characters (RFC 9110): a header name that cannot split a request. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");

    private static final int MAX_VALUE = 8 * 1024;

    private static final Map<String, List<String>> FIELDS = new LinkedHashMap<>();
    /** Fields that may be left out, with the value they then have (type.field). */
    private static final Map<String, String> DEFAULTS = Map.of(
            "oAuth2Api.grantType", "clientCredentials",
            "oAuth2Api.scope", "",
            "oAuth2Api.authentication", "header",
            "jwtAuth.keyType", "passphrase",
            "jwtAuth.secret", "",
            "jwtAuth.publicKey", "",
            "jwtAuth.algorithm", "HS256");
    /** Fields that take one of a few values (type.field): what a form offers as a choice. */
    private static final Map<String, List<String>> CHOICES = Map.of(
            "oAuth2Api.grantType", List.of("clientCredentials"),
            "oAuth2Api.authentication", List.of("header", "body"),
            "jwtAuth.keyType", List.of("passphrase", "pemKey"),
            "jwtAuth.algorithm", JwtVerifier.ALGORITHMS);
    /** Fields whose value spans lines (a PEM key): line breaks are allowed there, and only there. */
    private static final List<String> MULTILINE_FIELDS = List.of("publicKey");
    /** The fields whose value is a secret: never shown back, not even in a form. */
    private static final List<String> SECRET_FIELDS = List.of("value", "password", "clientSecret", "secret", "token");

    static {
        FIELDS.put("httpHeaderAuth", List.of("name", "value"));
        FIELDS.put("httpBasicAuth", List.of("user", "password"));
        FIELDS.put("httpQueryAuth", List.of("name", "value"));
        FIELDS.put("httpBearerAuth", List.of("token"));
        FIELDS.put(
                "oAuth2Api",
                List.of("grantType", "accessTokenUrl", "clientId", "clientSecret", "scope", "authentication"));
        FIELDS.put("jwtAuth", List.of("keyType", "secret", "publicKey", "algorithm"));
    }

    private CredentialTypes() {}

    public static boolean known(String type) {
        return FIELDS.containsKey(type);
    }

    public static List<String> names() {
        return List.copyOf(FIELDS.keySet());
    }

    /** The fields of {@code type}, in order; empty for an unknown type. */
    public static List<String> fields(String type) {
        return FIELDS.getOrDefault(type, List.of());
    }

    /** The value {@code type}'s {@code field} has when left out, or null when it must be given. */
    public static String defaultOf(String type, String field) {
        return DEFAULTS.get(type + "." + field);
    }

    /** The values {@code type}'s {@code field} may take; empty when it is free text. */
    public static List<String> choices(String type, String field) {
        return CHOICES.getOrDefault(type + "." + field, List.of());
    }

    /** Whether a credential of {@code type} can be tried on its own (OAuth2: get a token); others only by the service they go to. */
    public static boolean testable(String type) {
        return type.equals("oAuth2Api");
    }

    /** Whether {@code field} holds a secret (a form asks for it with a password input; nothing shows it). */
    public static boolean secret(String field) {
        return SECRET_FIELDS.contains(field);
    }

    /**
     * {@code data} checked as {@code type}'s: its problems, each naming the field; empty when it
     * is fit to store and use.
     */
    public static List<String> problems(String type, JsonNode data) {
        List<String> problems = new ArrayList<>();
        if (!known(type)) {
            problems.add("type: \"" + type + "\" is not a credential type nLink has; use one of "
                    + String.join(", ", names()));
            return problems;
        }
        if (data == null || !data.isObject()) {
            problems.add("data: expected an object with " + String.join(", ", fields(type)));
            return problems;
        }
        for (var entry : data.properties()) {
            if (!fields(type).contains(entry.getKey())) {
                problems.add("data." + entry.getKey() + ": " + type + " has no such field; its fields are "
                        + String.join(", ", fields(type)));
            }
        }
        for (String field : fields(type)) {
            JsonNode value = data.get(field);
            if (value == null && defaultOf(type, field) != null) continue;
            if (value == null || !value.isTextual()) {
                problems.add("data." + field + ": expected a string");
                continue;
            }
            String text = value.asText();
            if (text.length() > MAX_VALUE) problems.add("data." + field + ": at most " + MAX_VALUE + " characters");
            if (hasControl(
                    MULTILINE_FIELDS.contains(field) ? text.replace('\n', ' ').replace('\r', ' ') : text))
                problems.add("data." + field + ": contains a control character (a line break would split the request)");
        }
        if (problems.isEmpty()) {
            if (type.equals("httpHeaderAuth")
                    && !HEADER_NAME.matcher(data.get("name").asText()).matches()) {
                problems.add("data.name: \"" + data.get("name").asText() + "\" is not a valid header name");
            }
            if (type.equals("httpBearerAuth") && data.get("token").asText().isBlank())
                problems.add("data.token: give the bearer token");
            if (type.equals("httpQueryAuth") && data.get("name").asText().isEmpty())
                problems.add("data.name: give the query parameter's name");
            if (type.equals("httpBasicAuth") && data.get("user").asText().contains(":")) {
                problems.add("data.user: basic authentication cannot carry a user name with \":\"");
            }
            if (type.equals("oAuth2Api")) oauth2Problems(normalised(type, data), problems);
            if (type.equals("jwtAuth")) {
                try {
                    JwtVerifier.of(normalised(type, data));
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        return problems;
    }

    /**
     * The credential types {@code node} authenticates with, as its parameters say: an HTTP
     * Request's {@code genericAuthType} (with {@code authentication: "genericCredentialType"}), a
     * Webhook's {@code authentication} (basicAuth, headerAuth, jwtAuth). Stale references an n8n export
     * keeps on nodes that no longer use them are not among these.
     */
    public static List<String> usedBy(Workflow.Node node) {
        JsonNode p = node.parameters();
        return switch (node.type()) {
            case "n8n-nodes-base.httpRequest" ->
                p.path("authentication").asText("none").equals("genericCredentialType")
                                && known(p.path("genericAuthType").asText(""))
                        ? List.of(p.path("genericAuthType").asText())
                        : List.of();
            case "n8n-nodes-base.webhook" ->
                switch (p.path("authentication").asText("none")) {
                    case "basicAuth" -> List.of("httpBasicAuth");
                    case "headerAuth" -> List.of("httpHeaderAuth");
                    case "jwtAuth" -> List.of("jwtAuth");
                    default -> List.of();
                };
            default -> List.of();
        };
    }

    private static void oauth2Problems(ObjectNode data, List<String> problems) {
        if (!data.path("grantType").asText().equals("clientCredentials")) {
            problems.add(
                    "data.grantType: only \"clientCredentials\" is supported (a server-to-server token, no browser sign-in)");
        }
        try {
            io.nlink.workflow.http.OAuth2Tokens.tokenUrl(
                    data.path("accessTokenUrl").asText());
        } catch (IllegalArgumentException e) {
            problems.add("data." + e.getMessage());
        }
        if (data.path("clientId").asText().isEmpty()) problems.add("data.clientId: give the client id");
        if (!List.of("header", "body").contains(data.path("authentication").asText())) {
            problems.add(
                    "data.authentication: \"header\" (HTTP Basic, the default) or \"body\" (client_id and client_secret as form fields)");
        }
    }

    /** A copy of {@code data} with only {@code type}'s fields, those left out at their default. */
    public static ObjectNode normalised(String type, JsonNode data) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        for (String field : fields(type)) {
            JsonNode value = data.get(field);
            out.put(
                    field,
                    value == null && defaultOf(type, field) != null
                            ? defaultOf(type, field)
                            : data.path(field).asText());
        }
        return out;
    }

    private static boolean hasControl(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
        }
        return false;
    }
}
