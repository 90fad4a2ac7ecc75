package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.workflow.expr.Luxon;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dates as n8n's expressions and Code node offer them: Luxon's DateTime, Duration and Interval, and
 * {@code $now}/{@code $today} as DateTimes in the workflow's {@code settings.timezone}, which is
 * also the zone of a date read without an offset. Each run is in its own zone, and code cannot
 * reach Luxon's settings to change another's.
 */
class LuxonDatesTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static String set(String name, String... fields) {
        StringBuilder assignments = new StringBuilder();
        for (int i = 0; i < fields.length; i += 2) {
            if (i > 0) assignments.append(", ");
            assignments
                    .append("{\"name\": \"")
                    .append(fields[i])
                    .append("\", \"type\": \"string\", \"value\": ")
                    .append(io.nlink.runtime.json.Json.write(
                            io.nlink.runtime.json.Json.MAPPER.getNodeFactory().textNode(fields[i + 1])))
                    .append("}");
        }
        return "{\"name\": \"" + name + "\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4,"
                + " \"parameters\": {\"assignments\": {\"assignments\": [" + assignments + "]}}}";
    }

    /** {@code chain} with {@code settings.timezone} set to {@code zone}. */
    private static Workflow inZone(String zone, String... nodes) throws Exception {
        String json = Fixtures.chain(nodes);
        return Fixtures.workflow(
                json.substring(0, json.length() - 1) + ", \"settings\": {\"timezone\": \"" + zone + "\"}}");
    }

    private static JsonNode only(Execution run) {
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.output()).hasSize(1);
        return run.output().get(0);
    }

    @Test
    void expressionsComputeWithLuxonInTheWorkflowsZone() throws Exception {
        Workflow workflow = inZone(
                "Asia/Tokyo",
                set(
                        "Dates",
                        "zone",
                        "={{ $now.zoneName }}",
                        "today",
                        "={{ $today.toISO() }}",
                        "local",
                        "={{ DateTime.fromISO('2024-05-01T10:00').toISO() }}",
                        "format",
                        "={{ DateTime.fromISO('2024-05-01').toFormat('dd LLL yyyy') }}",
                        "leap",
                        "={{ DateTime.fromISO('2024-01-31').plus({ months: 1 }).toISODate() }}",
                        "minutes",
                        "={{ Duration.fromObject({ hours: 2 }).as('minutes') }}",
                        "days",
                        "={{ Interval.fromDateTimes(DateTime.fromISO('2024-03-01'), DateTime.fromISO('2024-03-11')).length('days') }}",
                        "text",
                        "=week {{ DateTime.fromISO('2024-05-01').weekNumber }} of {{ DateTime.fromISO('2024-05-01').year }}",
                        "whole",
                        "={{ DateTime.fromMillis(0, { zone: 'UTC' }) }}",
                        "unix",
                        "={{ DateTime.fromSeconds(1700000000.5).toUTC().toISO() }}"));
        JsonNode out = only(engine.run(workflow, null, null));
        assertThat(out.path("zone").asText()).isEqualTo("Asia/Tokyo");
        assertThat(out.path("today").asText())
                .isEqualTo(LocalDate.now(ZoneId.of("Asia/Tokyo")) + "T00:00:00.000+09:00");
        assertThat(out.path("local").asText()).isEqualTo("2024-05-01T10:00:00.000+09:00");
        assertThat(out.path("format").asText()).isEqualTo("01 May 2024");
        assertThat(out.path("leap").asText()).isEqualTo("2024-02-29");
        assertThat(out.path("minutes").asText()).isEqualTo("120");
        assertThat(out.path("days").asText()).isEqualTo("10");
        assertThat(out.path("text").asText()).isEqualTo("week 18 of 2024");
        // A DateTime as a value is its ISO text, as n8n writes it.
        assertThat(out.path("whole").asText()).isEqualTo("1970-01-01T00:00:00.000Z");
        assertThat(out.path("unix").asText()).isEqualTo("2023-11-14T22:13:20.500Z");
    }

    @Test
    void eachRunIsInItsOwnZoneAndCodeCannotChangeAnothers() throws Exception {
        // The same expressions (so the same pooled sandbox) in two zones, one after the other.
        String probe = set(
                "Dates",
                "zone",
                "={{ $now.zoneName }}",
                "offset",
                "={{ DateTime.fromISO('2024-01-15T12:00').offset }}",
                "settings",
                "={{ typeof luxon + ' ' + typeof Settings + ' ' + typeof DateTime.now }}");
        JsonNode paris = only(engine.run(inZone("Europe/Paris", probe), null, null));
        JsonNode newYork = only(engine.run(inZone("America/New_York", probe), null, null));
        assertThat(paris.path("zone").asText()).isEqualTo("Europe/Paris");
        assertThat(paris.path("offset").asText()).isEqualTo("60");
        assertThat(newYork.path("zone").asText()).isEqualTo("America/New_York");
        assertThat(newYork.path("offset").asText()).isEqualTo("-300");
        assertThat(paris.path("settings").asText()).isEqualTo("undefined undefined function");

        // Code that tries to move Luxon's clock or zone for later calls: every call starts afresh.
        String tamper = set(
                "Tamper",
                "tried",
                "={{ (() => { try { __luxon.enter('Pacific/Kiritimati'); } catch (e) {} try { DateTime.now().loc.intl = 'x'; } catch (e) {}"
                        + " return $json.n; })() }}",
                "zone",
                "={{ $now.zoneName }}");
        Execution run = engine.run(
                inZone("Europe/Paris", tamper), null, Fixtures.items("[{\"n\": 1}, {\"n\": 2}, {\"n\": 3}]"));
        assertThat(run.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.output()).extracting(j -> j.path("zone").asText()).containsOnly("Europe/Paris");

        // Luxon's zone objects are cached where the lockdown cannot freeze them: code sees them read-only.
        String stash = set(
                "Stash",
                "before",
                "={{ (() => { const was = $now.zone.stash; try { $now.zone.stash = $json.secret; } catch (e) {"
                        + " return String(was) + ' / ' + e.message; } return 'written'; })() }}");
        for (String secret : List.of("first-run", "second-run")) {
            Execution next = engine.run(
                    inZone("Europe/Paris", stash), null, Fixtures.items("[{\"secret\": \"" + secret + "\"}]"));
            assertThat(only(next).path("before").asText())
                    .isEqualTo(
                            "undefined / Luxon objects are read-only here: cannot set stash; make a new one (plus, set, setZone…)");
        }
    }

    @Test
    void theCodeNodeHasLuxonToo() throws Exception {
        String code =
                "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"typeVersion\": 2, \"parameters\": {\"jsCode\": "
                        + io.nlink.runtime.json.Json.write(
                                io.nlink.runtime.json.Json.MAPPER
                                        .getNodeFactory()
                                        .textNode(
                                                "return [{ json: { zone: $now.zoneName, day: DateTime.fromISO('2024-05-01').toFormat('cccc'),"
                                                        + " start: $today.hour, span: Duration.fromISO('PT90M').toFormat('h:mm') } }];"))
                        + "}}";
        JsonNode out = only(engine.run(inZone("Australia/Sydney", code), null, null));
        assertThat(out.path("zone").asText()).isEqualTo("Australia/Sydney");
        assertThat(out.path("day").asText()).isEqualTo("Wednesday");
        assertThat(out.path("start").asInt()).isZero();
        assertThat(out.path("span").asText()).isEqualTo("1:30");
    }

    @Test
    void onlyCodeThatNamesADateLoadsLuxon() {
        assertThat(Luxon.usedBy(List.of("$json.a + 1", "$('X').item.json.now"))).isFalse();
        assertThat(Luxon.usedBy(List.of("$json.a", "$now.toISO()"))).isTrue();
        assertThat(Luxon.usedBy(List.of("DateTime.fromISO($json.d)"))).isTrue();
        assertThat(Luxon.usedBy(List.of("$today"))).isTrue();
        assertThat(Luxon.script(false)).doesNotContain("luxon");
        assertThat(Luxon.script(true)).contains("DateTime").hasSizeGreaterThan(50_000);
    }
}
