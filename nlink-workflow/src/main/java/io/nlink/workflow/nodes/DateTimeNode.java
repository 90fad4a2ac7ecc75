package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;

/**
 * Date &amp; Time (n8n-nodes-base.dateTime).
 * <ul>
 *   <li>Version 2 ({@code operation}): getCurrentDate ({@code includeTime}), addToDate and
 *       subtractFromDate ({@code magnitude}, {@code duration}, {@code timeUnit}), formatDate
 *       ({@code date}, {@code format} or {@code customFormat} in Luxon's tokens), roundDate
 *       ({@code mode} roundDown/roundUp to {@code toNearest}/{@code to}), getTimeBetweenDates
 *       ({@code startDate}, {@code endDate}, {@code units}), extractDate ({@code part}). Each
 *       writes {@code outputFieldName}; dates are written as Luxon writes them
 *       ({@code 2024-03-01T09:30:00.000+01:00}). Only that field is output unless
 *       {@code options.includeInputFields}.
 *   <li>Version 1 ({@code action}): format ({@code value}, {@code toFormat} in Moment's tokens,
 *       {@code options.fromFormat/fromTimezone/toTimezone}) and calculate ({@code operation}
 *       add/subtract, {@code duration}, {@code timeUnit}, written as UTC ISO). The result goes to
 *       {@code dataPropertyName} ("data") of the item.
 * </ul>
 * Dates without an offset are in {@code options.timezone}, else the workflow's
 * {@code settings.timezone}, else the server's time zone.
 */
final class DateTimeNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(1);
        boolean v1 = run.node().typeVersion() < 2;
        run.eachItem(run.input(0), outputs, (i, item, p) -> {
            JsonNode json = v1 ? version1(p, item.json(), run.timezone()) : version2(p, item.json(), run.timezone());
            outputs.get(0).add(run.item(json, item));
        });
        return outputs;
    }

    private static ZoneId zone(JsonNode value, ZoneId fallback) {
        String id = value.asText("").strip();
        if (id.isEmpty()) return fallback;
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(
                    "the time zone \"" + id + "\" is not valid; use an IANA name such as Europe/Berlin or UTC");
        }
    }

    private static String text(JsonNode value, String name) {
        if (value.isMissingNode() || value.isNull() || value.asText("").isBlank())
            throw new IllegalArgumentException(name + ": give a date");
        // A number keeps its fraction: 1682918315.906 is seconds and milliseconds.
        return value.isNumber() ? value.decimalValue().toPlainString() : value.asText();
    }

    private static JsonNode version2(JsonNode p, JsonNode input, ZoneId workflowZone) {
        String operation = p.path("operation").asText("getCurrentDate");
        ZoneId zone = zone(p.path("options").path("timezone"), workflowZone);
        String field;
        JsonNode value;
        switch (operation) {
            case "getCurrentDate" -> {
                field = p.path("outputFieldName").asText("currentDate");
                ZonedDateTime now = ZonedDateTime.now(zone);
                value = Json.MAPPER
                        .getNodeFactory()
                        .textNode(DateFormats.luxonIso(
                                p.path("includeTime").asBoolean(true) ? now : now.truncatedTo(ChronoUnit.DAYS)));
            }
            case "addToDate", "subtractFromDate" -> {
                field = p.path("outputFieldName").asText("newDate");
                ZonedDateTime date = DateFormats.parse(text(p.path("magnitude"), "magnitude"), zone);
                double amount = p.path("duration").asDouble(0) * (operation.equals("addToDate") ? 1 : -1);
                value = Json.MAPPER
                        .getNodeFactory()
                        .textNode(DateFormats.luxonIso(
                                plus(date, p.path("timeUnit").asText("days"), amount)));
            }
            case "formatDate" -> {
                field = p.path("outputFieldName").asText("formattedDate");
                if (p.path("date").isNull() || p.path("date").isMissingNode()) {
                    // n8n formats no date as null (its DateTime nullDate test) rather than failing the item.
                    value = Json.MAPPER.nullNode();
                    break;
                }
                ZonedDateTime date = DateFormats.parse(text(p.path("date"), "date"), zone);
                String format = p.path("format").asText("MM/dd/yyyy");
                if (format.equals("custom")) format = p.path("customFormat").asText("");
                if (!p.path("options").path("fromFormat").asText("").isBlank()) {
                    date = DateFormats.parse(
                            text(p.path("date"), "date"),
                            p.path("options").path("fromFormat").asText(),
                            DateFormats.Dialect.LUXON,
                            zone);
                }
                value = Json.MAPPER
                        .getNodeFactory()
                        .textNode(DateFormats.format(date, format, DateFormats.Dialect.LUXON));
            }
            case "roundDate" -> {
                field = p.path("outputFieldName").asText("roundedDate");
                ZonedDateTime date = DateFormats.parse(text(p.path("date"), "date"), zone);
                boolean up = p.path("mode").asText("roundDown").equals("roundUp");
                String unit =
                        up ? p.path("to").asText("month") : p.path("toNearest").asText("month");
                // n8n's "round up" is the start of the next unit, even from a date already on one.
                ZonedDateTime start = startOf(up ? plus(date, unit + "s", 1) : date, unit);
                value = Json.MAPPER.getNodeFactory().textNode(DateFormats.luxonIso(start));
            }
            case "getTimeBetweenDates" -> {
                field = p.path("outputFieldName").asText("timeDifference");
                ZonedDateTime start = DateFormats.parse(text(p.path("startDate"), "startDate"), zone);
                ZonedDateTime end = DateFormats.parse(text(p.path("endDate"), "endDate"), zone);
                List<String> units = new ArrayList<>();
                JsonNode u = p.path("units");
                if (u.isArray()) u.forEach(x -> units.add(x.asText()));
                else if (u.isTextual()) units.add(u.asText());
                if (units.isEmpty()) units.add("day");
                value = between(
                        start, end, units, p.path("options").path("isoString").asBoolean(false));
            }
            case "extractDate" -> {
                field = p.path("outputFieldName").asText("datePart");
                ZonedDateTime date = DateFormats.parse(text(p.path("date"), "date"), zone);
                String part = p.path("part").asText("month");
                value = Json.MAPPER
                        .getNodeFactory()
                        .numberNode(
                                switch (part) {
                                    case "year" -> date.getYear();
                                    case "month" -> date.getMonthValue();
                                    case "week" -> date.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
                                    case "day" -> date.getDayOfMonth();
                                    case "hour" -> date.getHour();
                                    case "minute" -> date.getMinute();
                                    case "second" -> date.getSecond();
                                    default ->
                                        throw new IllegalArgumentException(
                                                "part: expected year, month, week, day, hour, minute or second; got \""
                                                        + part + "\"");
                                });
            }
            default ->
                throw new IllegalArgumentException("operation: \"" + operation
                        + "\" is not supported (getCurrentDate, addToDate, subtractFromDate,"
                        + " formatDate, roundDate, getTimeBetweenDates, extractDate)");
        }
        ObjectNode out = p.path("options").path("includeInputFields").asBoolean(false) && input.isObject()
                ? ((ObjectNode) input).deepCopy()
                : Json.MAPPER.createObjectNode();
        Fields.put(out, field, value, false);
        return out;
    }

    private static JsonNode version1(JsonNode p, JsonNode input, ZoneId workflowZone) {
        String action = p.path("action").asText("format");
        ObjectNode out = input.isObject() ? ((ObjectNode) input).deepCopy() : Json.MAPPER.createObjectNode();
        String field = p.path("dataPropertyName").asText("data");
        JsonNode options = p.path("options");
        ZoneId from = zone(options.path("fromTimezone"), workflowZone);
        String fromFormat = options.path("fromFormat").asText("");
        String value = text(p.path("value"), "value");
        ZonedDateTime date = fromFormat.isBlank()
                ? DateFormats.parse(value, from)
                : DateFormats.parse(value, fromFormat, DateFormats.Dialect.MOMENT, from);
        switch (action) {
            case "format" -> {
                ZonedDateTime shown = date.withZoneSameInstant(zone(options.path("toTimezone"), from));
                String format = p.path("toFormat").asText("MM/DD/YYYY");
                Fields.put(
                        out,
                        field,
                        Json.MAPPER
                                .getNodeFactory()
                                .textNode(DateFormats.format(shown, format, DateFormats.Dialect.MOMENT)),
                        true);
            }
            case "calculate" -> {
                double amount = p.path("duration").asDouble(0)
                        * (p.path("operation").asText("add").equals("subtract") ? -1 : 1);
                ZonedDateTime result = plus(date, p.path("timeUnit").asText("days"), amount);
                Fields.put(
                        out,
                        field,
                        Json.MAPPER
                                .getNodeFactory()
                                .textNode(DateFormats.luxonIso(result.withZoneSameInstant(java.time.ZoneOffset.UTC))),
                        true);
            }
            default ->
                throw new IllegalArgumentException("action: expected format or calculate; got \"" + action + "\"");
        }
        return out;
    }

    /** {@code date} plus {@code amount} {@code unit}s (n8n's plural unit names); calendar units must be whole. */
    static ZonedDateTime plus(ZonedDateTime date, String unit, double amount) {
        ChronoUnit calendar = switch (unit) {
            case "years" -> ChronoUnit.YEARS;
            case "quarters" -> null;
            case "months" -> ChronoUnit.MONTHS;
            case "weeks" -> ChronoUnit.WEEKS;
            case "days" -> ChronoUnit.DAYS;
            default -> null;
        };
        if (unit.equals("quarters")) return plus(date, "months", amount * 3);
        if (calendar != null) {
            long whole = (long) amount;
            ZonedDateTime moved = date.plus(whole, calendar);
            double rest = amount - whole;
            if (rest == 0) return moved;
            // A fraction of a calendar unit: the fraction of that unit's length from there, as Luxon does for days and
            // weeks.
            Duration length = Duration.between(moved, moved.plus(1, calendar));
            return moved.plus(Duration.ofMillis(Math.round(length.toMillis() * rest)));
        }
        long millis = switch (unit) {
            case "hours" -> Math.round(amount * 3_600_000);
            case "minutes" -> Math.round(amount * 60_000);
            case "seconds" -> Math.round(amount * 1000);
            case "milliseconds" -> Math.round(amount);
            default ->
                throw new IllegalArgumentException(
                        "timeUnit: \"" + unit
                                + "\" is not one of years, quarters, months, weeks, days, hours, minutes, seconds, milliseconds");
        };
        return date.plus(Duration.ofMillis(millis));
    }

    private static ZonedDateTime startOf(ZonedDateTime date, String unit) {
        return switch (unit) {
            case "year" -> date.with(TemporalAdjusters.firstDayOfYear()).truncatedTo(ChronoUnit.DAYS);
            case "month" -> date.with(TemporalAdjusters.firstDayOfMonth()).truncatedTo(ChronoUnit.DAYS);
            case "week" ->
                date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).truncatedTo(ChronoUnit.DAYS);
            case "day" -> date.truncatedTo(ChronoUnit.DAYS);
            case "hour" -> date.truncatedTo(ChronoUnit.HOURS);
            case "minute" -> date.truncatedTo(ChronoUnit.MINUTES);
            case "second" -> date.truncatedTo(ChronoUnit.SECONDS);
            default ->
                throw new IllegalArgumentException(
                        "round to: expected year, month, week, day, hour, minute or second; got \"" + unit + "\"");
        };
    }

    private static final List<String> UNITS =
            List.of("year", "month", "week", "day", "hour", "minute", "second", "millisecond");

    /** Luxon's {@code diff(start, units)}: the largest unit first, the smallest taking the fractional rest. */
    private static JsonNode between(ZonedDateTime start, ZonedDateTime end, List<String> units, boolean iso) {
        List<String> sorted = UNITS.stream().filter(units::contains).toList();
        if (sorted.size() != units.size())
            throw new IllegalArgumentException(
                    "units: expected some of " + String.join(", ", UNITS) + "; got " + units);
        ObjectNode out = Json.MAPPER.createObjectNode();
        ZonedDateTime at = start;
        StringBuilder isoText = new StringBuilder("P");
        boolean inTime = false;
        for (int k = 0; k < sorted.size(); k++) {
            String unit = sorted.get(k);
            boolean last = k == sorted.size() - 1;
            double amount;
            if (unit.equals("year") || unit.equals("month")) {
                ChronoUnit cu = unit.equals("year") ? ChronoUnit.YEARS : ChronoUnit.MONTHS;
                long whole = cu.between(at, end);
                ZonedDateTime after = at.plus(whole, cu);
                amount = whole;
                if (last && !after.equals(end)) {
                    Duration length = Duration.between(after, after.plus(1, cu));
                    amount += Duration.between(after, end).toMillis() / (double) length.toMillis();
                }
                at = after;
            } else {
                long unitMillis = switch (unit) {
                    case "week" -> 604_800_000L;
                    case "day" -> 86_400_000L;
                    case "hour" -> 3_600_000L;
                    case "minute" -> 60_000L;
                    case "second" -> 1000L;
                    default -> 1L;
                };
                long rest = Duration.between(at, end).toMillis();
                amount = last ? rest / (double) unitMillis : rest / unitMillis;
                at = at.plus(Duration.ofMillis((long) amount * unitMillis));
            }
            String key = unit + "s";
            if (amount == Math.rint(amount)) out.put(key, (long) amount);
            else out.put(key, amount);
            if (iso) {
                boolean time = unit.equals("hour")
                        || unit.equals("minute")
                        || unit.equals("second")
                        || unit.equals("millisecond");
                if (time && !inTime) {
                    isoText.append('T');
                    inTime = true;
                }
                String n = amount == Math.rint(amount) ? Long.toString((long) amount) : Double.toString(amount);
                isoText.append(n)
                        .append(
                                switch (unit) {
                                    case "year" -> "Y";
                                    case "month" -> "M";
                                    case "week" -> "W";
                                    case "day" -> "D";
                                    case "hour" -> "H";
                                    case "minute" -> "M";
                                    default -> "S";
                                });
            }
        }
        return iso ? Json.MAPPER.getNodeFactory().textNode(isoText.toString()) : out;
    }
}
