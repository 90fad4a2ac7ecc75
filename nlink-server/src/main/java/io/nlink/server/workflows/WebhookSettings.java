package io.nlink.server.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.server.refusal.Invalid;
import io.nlink.workflow.Workflow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What an n8n Webhook node's parameters say about its HTTP route, read once and checked, for
 * activation (who holds which route, {@link WorkflowService#setActive}) and for the triggers that
 * answer it ({@link Triggers}): {@code httpMethod}, {@code path}, {@code authentication},
 * {@code responseMode} (onReceived, lastNode, responseNode), {@code responseCode},
 * {@code responseData} (lastNode: firstEntryJson, allEntries, noData) and
 * {@code options.responseData} (onReceived: a body of one's own).
 */
public record WebhookSettings(
        String node,
        String method,
        String path,
        String authentication,
        ResponseMode responseMode,
        int responseCode,
        String responseData,
        String receivedBody) {

    /** When the caller gets its answer. */
    public enum ResponseMode {
        /** At once, before the run: "Workflow was started", or the configured body. */
        ON_RECEIVED,
        /** When the run ends: the last node's output. */
        LAST_NODE,
        /** When a Respond to Webhook node runs; the run goes on. */
        RESPONSE_NODE
    }

    static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
    /** Keeps the route key within what a PostgreSQL index entry holds (4 bytes a character at worst). */
    private static final int MAX_PATH = 500;

    /** The route, as stored and matched: "METHOD path". */
    public String route() {
        return method + " " + path;
    }

    /** Whether a caller must prove who it is: with basic or header authentication, against the node's credential. */
    public boolean protectedByAuthentication() {
        return !authentication.equals("none");
    }

    /** Whether nLink can check what the node's {@code authentication} demands: none, basicAuth, headerAuth, jwtAuth. */
    public boolean checkable() {
        return Set.of("none", "basicAuth", "headerAuth", "jwtAuth").contains(authentication);
    }

    /**
     * The enabled Webhook nodes of {@code workflow}, checked as activation needs them: a method
     * nLink serves, a path, a known response mode, and no route twice.
     *
     * @throws Invalid naming the node and what to change
     */
    public static List<WebhookSettings> of(Workflow workflow) {
        List<WebhookSettings> hooks = new ArrayList<>();
        Set<String> routes = new HashSet<>();
        for (Workflow.Node node : workflow.nodes()) {
            if (node.disabled() || !node.type().equals(Triggers.WEBHOOK)) continue;
            WebhookSettings hook = of(node);
            if (!routes.add(hook.route())) {
                throw refused(
                        node,
                        "another Webhook node of this workflow already listens on " + hook.method() + " /webhook/"
                                + hook.path() + "; give each its own path or method");
            }
            hooks.add(hook);
        }
        return hooks;
    }

    static WebhookSettings of(Workflow.Node node) {
        JsonNode p = node.parameters();
        JsonNode methodParameter = p.path("httpMethod");
        if (!methodParameter.isMissingNode() && !methodParameter.isTextual()) {
            throw refused(
                    node,
                    "httpMethod must be one HTTP method (nLink does not take several methods on one Webhook node yet); use one node per method");
        }
        String method = methodParameter.asText("GET").toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method))
            throw refused(
                    node,
                    "httpMethod \"" + method + "\" is not served; use one of "
                            + String.join(", ", METHODS.stream().sorted().toList()));
        String path = normalise(
                p.path("path").isTextual() && !p.path("path").asText().isBlank()
                        ? p.path("path").asText()
                        : node.id());
        if (path.isEmpty()) throw refused(node, "the webhook has no path; set the node's path");
        if (path.length() > MAX_PATH) throw refused(node, "the path is longer than " + MAX_PATH + " characters");
        if (path.contains(":"))
            throw refused(
                    node,
                    "path parameters (\":name\" in the path) are not supported yet; use a fixed path and send values in the query or body");
        String authentication = p.path("authentication").asText("none");
        String mode = p.path("responseMode").asText("onReceived");
        ResponseMode responseMode = switch (mode) {
            case "onReceived" -> ResponseMode.ON_RECEIVED;
            case "lastNode" -> ResponseMode.LAST_NODE;
            case "responseNode" -> ResponseMode.RESPONSE_NODE;
            default ->
                throw refused(
                        node, "responseMode \"" + mode + "\" is unknown; use onReceived, lastNode or responseNode");
        };
        String responseData = p.path("responseData").asText("firstEntryJson");
        if (responseMode == ResponseMode.LAST_NODE
                && !Set.of("firstEntryJson", "allEntries", "noData").contains(responseData)) {
            throw refused(
                    node,
                    "responseData \"" + responseData + "\" is not supported; use firstEntryJson, allEntries or noData");
        }
        JsonNode code = p.has("responseCode")
                ? p.get("responseCode")
                : p.path("options").path("responseCode");
        int responseCode = code.isNumber()
                ? code.asInt()
                : code.path("values").path("responseCode").asInt(200);
        if (responseCode < 100 || responseCode > 599)
            throw refused(node, "responseCode " + responseCode + " is not an HTTP status (100 to 599)");
        JsonNode received = p.path("options").path("responseData");
        return new WebhookSettings(
                node.name(),
                method,
                path,
                authentication,
                responseMode,
                responseCode,
                responseData,
                received.isTextual() && !received.asText().isEmpty() ? received.asText() : null);
    }

    /** A path as routes compare it: without the slashes around it. */
    static String normalise(String path) {
        String p = path.strip();
        while (p.startsWith("/")) p = p.substring(1);
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        return p;
    }

    /**
     * Why a workflow whose webhook demands an authentication nLink cannot check stays inactive:
     * serving it without the check would open to anyone what its author protected. Basic, header
     * and JWT authentication are checked against the node's credential ({@code WebhookAuthentication}).
     */
    void requireServable() {
        if (!checkable()) {
            throw new Invalid("Webhook node \"" + node + "\" uses authentication \"" + authentication
                    + "\", which nLink cannot check (it checks basicAuth, headerAuth and jwtAuth), and serving it without the check would make it"
                    + " public. Use one of those with a credential, or keep the workflow inactive");
        }
    }

    private static Invalid refused(Workflow.Node node, String why) {
        return new Invalid("Webhook node \"" + node.name() + "\": " + why);
    }
}
