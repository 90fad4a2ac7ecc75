package io.nlink.server.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlink.workflow.Workflow;
import io.nlink.workflow.WorkflowParser;
import java.nio.charset.StandardCharsets;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * n8n's Cron and Interval nodes, with their parameters as n8n exports them (defaults left out),
 * turned into the schedule clock's rules: where each next fires. The server firing them is in
 * CalledWorkflowsTest.
 */
class OlderScheduleTriggersTest {
    private static Workflow.Node node(String type, String parameters) throws Exception {
        String json = "{\"name\": \"w\", \"nodes\": [{\"parameters\": " + parameters
                + ", \"name\": \"T\", \"type\": \"n8n-nodes-base." + type
                + "\", \"typeVersion\": 1, \"position\": [0, 0]}], \"connections\": {}}";
        return WorkflowParser.parse("test", json.getBytes(StandardCharsets.UTF_8))
                .node("T")
                .orElseThrow();
    }

    /**
     * When each of the node's rules next fires, to the nearest minute (in the server's time zone,
     * as the clock runs; the clock's delay may be short of the exact instant by under a second).
     */
    private static List<ZonedDateTime> nextFirings(Workflow.Node node) {
        return Triggers.rulesOf(node).stream()
                .map(rule -> toMinute(
                        ZonedDateTime.now().plus(Triggers.nextFiring(rule).get())))
                .toList();
    }

    private static ZonedDateTime toMinute(ZonedDateTime at) {
        return at.plusSeconds(30).truncatedTo(ChronoUnit.MINUTES);
    }

    private static ZonedDateTime cron(String item) throws Exception {
        List<ZonedDateTime> next = nextFirings(node("cron", "{\"triggerTimes\": {\"item\": [" + item + "]}}"));
        assertThat(next).hasSize(1);
        return next.get(0);
    }

    @Test
    void cronModesFireWhenN8nsWould() throws Exception {
        ZonedDateTime weekly = cron("{\"mode\": \"everyWeek\", \"hour\": 9, \"minute\": 30, \"weekday\": \"1\"}");
        assertThat(weekly.getDayOfWeek()).isEqualTo(DayOfWeek.MONDAY);
        assertThat(weekly.toLocalTime().toString()).isEqualTo("09:30");
        // Every Day with n8n's defaults left out of the export: 14:00.
        assertThat(cron("{}").toLocalTime().toString()).isEqualTo("14:00");
        ZonedDateTime monthly = cron("{\"mode\": \"everyMonth\", \"dayOfMonth\": 15, \"hour\": 6}");
        assertThat(monthly.getDayOfMonth()).isEqualTo(15);
        assertThat(monthly.toLocalTime().toString()).isEqualTo("06:00");
        ZonedDateTime hourly = cron("{\"mode\": \"everyHour\", \"minute\": 45}");
        assertThat(hourly.getMinute()).isEqualTo(45);
        assertThat(Duration.between(ZonedDateTime.now(), hourly)).isLessThanOrEqualTo(Duration.ofHours(1));
        ZonedDateTime everyX = cron("{\"mode\": \"everyX\", \"value\": 20, \"unit\": \"minutes\"}");
        assertThat(everyX.getMinute() % 20).isZero();
        assertThat(Duration.between(ZonedDateTime.now(), everyX)).isLessThanOrEqualTo(Duration.ofMinutes(20));
        ZonedDateTime custom = cron("{\"mode\": \"custom\", \"cronExpression\": \"0 0 12 * * 1-5\"}");
        assertThat(custom.getDayOfWeek()).isNotIn(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
        assertThat(custom.toLocalTime().toString()).isEqualTo("12:00");
        // Several trigger times, one rule each; none at all fires nowhere, as in n8n.
        assertThat(nextFirings(
                        node("cron", "{\"triggerTimes\": {\"item\": [{\"mode\": \"everyMinute\"}, {\"hour\": 3}]}}")))
                .hasSize(2);
        assertThat(nextFirings(node("cron", "{}"))).isEmpty();
    }

    @Test
    void intervalFiresEveryIntervalUnits() throws Exception {
        assertThat(Triggers.nextFiring(Triggers.rulesOf(node("interval", "{}")).get(0))
                        .get())
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(Triggers.nextFiring(Triggers.rulesOf(node("interval", "{\"interval\": 5, \"unit\": \"minutes\"}"))
                                .get(0))
                        .get())
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(Triggers.nextFiring(Triggers.rulesOf(node("interval", "{\"interval\": 2, \"unit\": \"hours\"}"))
                                .get(0))
                        .get())
                .isEqualTo(Duration.ofHours(2));
    }

    @Test
    void rulesNLinkCannotReadAreRefusedSayingWhy() throws Exception {
        assertThatThrownBy(() -> cron("{\"mode\": \"everyFortnight\"}"))
                .hasMessageContaining("Cron mode \"everyFortnight\" is not supported");
        assertThatThrownBy(() -> cron("{\"mode\": \"everyHour\", \"minute\": 75}"))
                .hasMessageContaining("Cron minute must be 0 to 59; got 75");
        assertThatThrownBy(() -> cron("{\"mode\": \"everyWeek\", \"weekday\": \"monday\"}"))
                .hasMessageContaining("Cron weekday must be 0 to 6");
        assertThatThrownBy(() -> cron("{\"mode\": \"custom\", \"cronExpression\": \"every tuesday\"}"))
                .hasMessageContaining("is not valid");
        assertThatThrownBy(() -> Triggers.rulesOf(node("interval", "{\"interval\": 1, \"unit\": \"days\"}")))
                .hasMessageContaining("unit \"days\" is not supported");
        assertThatThrownBy(() -> Triggers.rulesOf(node("interval", "{\"interval\": 0}")))
                .hasMessageContaining("interval must be at least 1");
    }

    /** As in n8n, schedules keep the workflow's settings.timezone; "DEFAULT" (n8n's word for none) and an unknown zone keep the server's. */
    @Test
    void schedulesKeepTheWorkflowsTimeZone() throws Exception {
        String json =
                "{\"name\": \"w\", \"settings\": {\"timezone\": \"%s\"}, \"nodes\": [{\"parameters\": {\"triggerTimes\": {\"item\": [{\"hour\": 9}]}},"
                        + " \"name\": \"T\", \"type\": \"n8n-nodes-base.cron\", \"typeVersion\": 1, \"position\": [0, 0]}], \"connections\": {}}";
        Workflow chatham =
                WorkflowParser.parse("test", json.formatted("Pacific/Chatham").getBytes(StandardCharsets.UTF_8));
        ZoneId zone = Triggers.zoneOf(chatham);
        assertThat(zone).isEqualTo(ZoneId.of("Pacific/Chatham"));
        Duration next = Triggers.nextFiring(
                        Triggers.rulesOf(chatham.node("T").orElseThrow()).get(0), zone)
                .get();
        assertThat(toMinute(ZonedDateTime.now(zone).plus(next)).toLocalTime().toString())
                .isEqualTo("09:00");
        for (String none : List.of("DEFAULT", "Mars/Olympus_Mons")) {
            assertThat(Triggers.zoneOf(
                            WorkflowParser.parse("test", json.formatted(none).getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo(ZoneId.systemDefault());
        }
    }
}
