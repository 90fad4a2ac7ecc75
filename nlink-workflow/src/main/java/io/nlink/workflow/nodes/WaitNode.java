package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import io.nlink.workflow.expr.Expressions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Wait (n8n-nodes-base.wait), versions 1 and 1.1: passes its items on, then pauses the run.
 * {@code resume: "timeInterval"} waits {@code amount} {@code unit}s (seconds, minutes, hours,
 * days; version 1 defaults to 1 hour, 1.1 to 5 seconds, as n8n leaves defaults out of exports);
 * {@code "specificTime"} waits until {@code dateTime} (ISO 8601; without an offset, the server's
 * time zone), at once when that is past. Parameters are read from the first item, as n8n does.
 *
 * <p>A waiting run lives in the memory of the process running it, so a wait is bounded
 * ({@link io.nlink.workflow.WorkflowEngine#DEFAULT_MAX_WAIT}); a longer one fails the node
 * rather than being lost on a restart. Resuming on a webhook call or a form ({@code "webhook"},
 * {@code "form"}) is refused: nLink has no resume URLs.
 */
final class WaitNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<Item> in = run.input(0);
        Expressions.Resolved resolved = run.parametersPerItem(
                        in.isEmpty() ? List.of(Item.start(Json.MAPPER.createObjectNode())) : in.subList(0, 1))
                .get(0);
        if (resolved.failure() != null)
            throw new NodeFailedException(resolved.failure().message());
        JsonNode p = resolved.params();
        boolean version1 = run.node().typeVersion() < 1.1;
        String resume = p.path("resume").asText("timeInterval");
        Instant now = Instant.now();
        Instant until = switch (resume) {
            case "timeInterval" ->
                now.plus(interval(
                        p.path("amount"), p.path("unit").asText(version1 ? "hours" : "seconds"), version1 ? 1 : 5));
            case "specificTime" -> at(p.path("dateTime"));
            case "webhook", "form" ->
                throw new NodeFailedException(
                        "resume \"" + resume + "\" is not supported: nLink has no resume URL for a waiting run;"
                                + " wait for a time (resume \"timeInterval\" or \"specificTime\"), or split the workflow in two, the second started by its own Webhook");
            default ->
                throw new NodeFailedException("resume: expected timeInterval or specificTime; got \"" + resume + "\"");
        };
        Duration wait = Duration.between(now, until);
        Duration max = run.services().maxWait();
        if (wait.compareTo(max) > 0) {
            throw new NodeFailedException(
                    "the wait of " + human(wait) + " is longer than nLink waits within one run (" + human(max) + "):"
                            + " a waiting run lives only in memory; wait less, or start the rest of the work later with a Schedule Trigger");
        }
        run.resumeAt(until);
        return List.of(in.stream().map(i -> run.item(i.json(), i)).toList());
    }

    private static Duration interval(JsonNode amount, String unit, double fallback) throws NodeFailedException {
        double value = amount.isMissingNode() || amount.isNull() ? fallback : amount.asDouble(Double.NaN);
        if (Double.isNaN(value)
                || value < 0
                || (amount.isTextual() && !amount.asText().strip().matches("\\d+(\\.\\d+)?"))) {
            throw new NodeFailedException("amount: expected a number of at least 0; got " + amount);
        }
        double seconds = switch (unit) {
            case "seconds" -> value;
            case "minutes" -> value * 60;
            case "hours" -> value * 3600;
            case "days" -> value * 86400;
            default ->
                throw new NodeFailedException("unit: expected seconds, minutes, hours or days; got \"" + unit + "\"");
        };
        if (seconds > 366 * 86400d)
            throw new NodeFailedException("amount: " + value + " " + unit + " is more than a year");
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static Instant at(JsonNode dateTime) throws NodeFailedException {
        String text = dateTime.asText("").strip();
        if (text.isEmpty())
            throw new NodeFailedException(
                    "dateTime: give the date and time to resume at, such as 2030-01-01T09:00:00Z");
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException withoutOffset) {
            try {
                return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant();
            } catch (DateTimeParseException e) {
                throw new NodeFailedException(
                        "dateTime: \"" + text + "\" is not an ISO 8601 date and time such as 2030-01-01T09:00:00Z");
            }
        }
    }

    private static String human(Duration d) {
        if (d.toSeconds() < 120) return d.toMillis() / 1000.0 + " s";
        if (d.toMinutes() < 120) return d.toMinutes() + " min";
        return d.toHours() + " h";
    }
}
