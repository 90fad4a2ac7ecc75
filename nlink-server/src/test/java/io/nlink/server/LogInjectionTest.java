package io.nlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A user's values reach the server log with their control characters escaped: a node name and a
 * cron expression holding a newline and an escape sequence cannot forge a log entry or steer the
 * terminal reading the log. (slf4j-simple writes to whatever System.err is at the time.)
 */
class LogInjectionTest extends SharedServer {
    @Test
    void aNodeNameAndCronTextCannotForgeALogEntry() throws Exception {
        String forged = "2025-01-01 INFO forged entry";
        Map<String, Object> workflow = Map.of(
                "name", "Bad schedule",
                "nodes",
                        List.of(Map.of(
                                "name",
                                "Tick\n" + forged + "\u001b[2J",
                                "type",
                                "n8n-nodes-base.scheduleTrigger",
                                "typeVersion",
                                1.2,
                                "parameters",
                                Map.of(
                                        "rule",
                                        Map.of(
                                                "interval",
                                                List.of(Map.of(
                                                        "field",
                                                        "cronExpression",
                                                        "expression",
                                                        "0 0\n" + forged + " *")))))),
                "connections", Map.of());
        ApiClient.Response created = server.owner.post("/api/workflows", workflow);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);

        String log = capturingStandardError(() -> {
            // Refused at activation: the caller reads the node name and the cron text, JSON-escaped.
            ApiClient.Response activated = server.owner.post(
                    "/api/workflows/" + created.json().path("id").asLong() + "/activate", Map.of());
            assertThat(activated.status()).as(activated.toString()).isEqualTo(422);
            assertThat(activated.json().path("error").asText())
                    .contains("node \"Tick\n" + forged + "\u001b[2J\"")
                    .contains("0 0\n" + forged);
        });

        assertThat(log.lines()).noneMatch(line -> line.startsWith(forged));
        assertThat(log).doesNotContain("\u001b");
    }

    private static String capturingStandardError(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        original.print(text);
        return text;
    }
}
