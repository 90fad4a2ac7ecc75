package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Debug Helper with n8n's parameters, and the file nodes refused at run time with a reason. */
class DebugHelperReadFilesTest {
    private static String debug(String parameters) {
        return BuiltinRuns.node("debugHelper", 1, parameters);
    }

    private static List<JsonNode> parsed(List<String> items) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String item : items) out.add(Json.parse(item));
        return out;
    }

    /** The check every card number passes: from the right, every second digit doubled, the sum a multiple of 10. */
    private static boolean luhnValid(String digits) {
        int sum = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = digits.charAt(digits.length() - 1 - i) - '0';
            if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        return sum % 10 == 0;
    }

    @Test
    void randomUsersHaveN8nsFieldsAndASeedMakesThemRepeatable() throws Exception {
        String seeded = debug("{\"category\": \"randomData\", \"randomDataSeed\": \"ria\", \"randomDataCount\": 5}");
        List<String> first = BuiltinRuns.output(seeded, "[{}]");
        assertThat(first).hasSize(5);
        assertThat(BuiltinRuns.output(seeded, "[{}]")).isEqualTo(first);
        for (JsonNode user : parsed(first)) {
            assertThat(user.properties().stream().map(e -> e.getKey()).toList())
                    .containsExactly("uid", "email", "firstname", "lastname", "password");
            assertThat(user.path("uid").asText())
                    .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
            assertThat(user.path("email").asText()).contains("@");
        }
        // n8n reseeds for each input item: two items give the same five records twice.
        List<String> twice = BuiltinRuns.output(seeded, "[{}, {}]");
        assertThat(twice.subList(5, 10)).isEqualTo(first);

        String unseeded = debug("{\"category\": \"randomData\", \"randomDataCount\": 5}");
        assertThat(BuiltinRuns.output(unseeded, "[{}]")).isNotEqualTo(BuiltinRuns.output(unseeded, "[{}]"));
    }

    @Test
    void everyDataKindAndTheSingleArray() throws Exception {
        JsonNode card = parsed(BuiltinRuns.output(
                        debug(
                                "{\"category\": \"randomData\", \"randomDataType\": \"creditCard\", \"randomDataCount\": 1}"),
                        "[{}]"))
                .get(0);
        String number = card.path("number").asText();
        assertThat(number).matches("[45]\\d{15}");
        assertThat(luhnValid(number)).as(number + " passes the Luhn check").isTrue();
        assertThat(card.path("exp").asText()).matches("(0[1-9]|1[0-2])/\\d\\d");
        assertThat(card.path("type").asText()).isIn("MasterCard", "Visa");

        record Kind(String type, String field, String pattern) {}
        for (Kind k : List.of(
                new Kind("uuid", "uuid", "[0-9a-f-]{36}"),
                new Kind("ipv4", "ipv4", "\\d{1,3}(\\.\\d{1,3}){3}"),
                new Kind("ipv6", "ipv6", "[0-9a-f]{4}(:[0-9a-f]{4}){7}"),
                new Kind("macAddress", "macAddress", "[0-9a-f]{2}(:[0-9a-f]{2}){5}"),
                new Kind("semver", "semver", "\\d+\\.\\d+\\.\\d+"),
                new Kind("url", "url", "https://www\\.[a-z]+\\.[a-z]+"),
                new Kind("email", "email", "[a-z.]+\\d*@[a-z.]+"),
                new Kind("address", "zip", "\\d{5}"))) {
            JsonNode record = parsed(BuiltinRuns.output(
                            debug("{\"category\": \"randomData\", \"randomDataType\": \"" + k.type()
                                    + "\", \"randomDataCount\": 1}"),
                            "[{}]"))
                    .get(0);
            assertThat(record.path(k.field()).asText()).as(k.type()).matches(k.pattern());
        }
        JsonNode place = parsed(BuiltinRuns.output(
                        debug(
                                "{\"category\": \"randomData\", \"randomDataType\": \"latLong\", \"randomDataCount\": 1}"),
                        "[{}]"))
                .get(0);
        assertThat(place.path("lat").asDouble()).isBetween(-90.0, 90.0);
        assertThat(place.path("long").asDouble()).isBetween(-180.0, 180.0);

        List<String> ids = BuiltinRuns.output(
                debug("{\"category\": \"randomData\", \"randomDataType\": \"nanoid\", \"nanoidAlphabet\": \"ab\","
                        + " \"nanoidLength\": \"6\", \"randomDataCount\": 20, \"randomDataSingleArray\": true}"),
                "[{}]");
        assertThat(ids).hasSize(1);
        JsonNode all = Json.parse(ids.get(0)).path("generatedItems");
        assertThat(all.size()).isEqualTo(20);
        Set<String> distinct = new HashSet<>();
        all.forEach(id -> {
            assertThat(id.path("nanoid").asText()).matches("[ab]{6}");
            distinct.add(id.path("nanoid").asText());
        });
        assertThat(distinct.size()).isGreaterThan(1);
    }

    @Test
    void throwErrorFailsWithTheMessageAndFollowsOnError() throws Exception {
        assertThat(BuiltinRuns.error(debug("{\"throwErrorMessage\": \"boom\"}"), "[{}]"))
                .contains("boom");
        assertThat(BuiltinRuns.error(debug("{}"), "[{}]")).contains("Node has thrown an error");
        // n8n's ThrowAnError test workflow: the error output carries {"error": message}.
        String continuing = "{\"name\": \"N\", \"type\": \"n8n-nodes-base.debugHelper\", \"typeVersion\": 1,"
                + " \"parameters\": {}, \"onError\": \"continueRegularOutput\"}";
        assertThat(BuiltinRuns.output(continuing, "[{}]")).containsExactly("{\"error\":\"Node has thrown an error\"}");
    }

    @Test
    void doNothingOutputsNothingAndOutOfMemoryIsRefused() throws Exception {
        assertThat(BuiltinRuns.output(debug("{\"category\": \"doNothing\"}"), "[{\"a\": 1}]"))
                .isEmpty();
        String continuing = "{\"name\": \"N\", \"type\": \"n8n-nodes-base.debugHelper\", \"typeVersion\": 1,"
                + " \"parameters\": {\"category\": \"oom\", \"memorySizeValue\": 100000}, \"onError\": \"continueRegularOutput\"}";
        assertThat(BuiltinRuns.error(debug("{\"category\": \"oom\", \"memorySizeValue\": 100000}"), "[{}]"))
                .contains("\"oom\"")
                .contains("never lets a workflow");
        // Set to continue, the node allocates nothing and passes its input on, as any node whose whole run
        // fails does (n8n's continueOnFail); the refusal stays in its record.
        Execution run = BuiltinRuns.run(continuing, "[{\"a\": 1}]");
        assertThat(run.status()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.output()).extracting(Object::toString).containsExactly("{\"a\":1}");
        assertThat(run.node("N").itemErrors().get(0).message()).contains("never lets a workflow");
    }

    @Test
    void randomDataIsBounded() throws Exception {
        assertThat(BuiltinRuns.error(debug("{\"category\": \"randomData\", \"randomDataCount\": 10001}"), "[{}]"))
                .contains("at most 10000 per run");
        // The bound is per run, over all the input items.
        assertThat(BuiltinRuns.error(debug("{\"category\": \"randomData\", \"randomDataCount\": 6000}"), "[{}, {}]"))
                .contains("6000 before in this run");
        assertThat(BuiltinRuns.error(debug("{\"category\": \"randomData\", \"randomDataCount\": -1}"), "[{}]"))
                .contains("randomDataCount");
        assertThat(BuiltinRuns.error(
                        debug(
                                "{\"category\": \"randomData\", \"randomDataType\": \"nanoid\", \"nanoidLength\": \"100000\"}"),
                        "[{}]"))
                .contains("nanoidLength");
    }

    @Test
    void fileNodesImportButStopWithWhatToDoInstead() throws Exception {
        for (String type : List.of("readBinaryFiles", "readBinaryFile", "readWriteFile")) {
            String error = BuiltinRuns.error(
                    BuiltinRuns.node(type, 1, "{\"fileSelector\": \"/etc/passwd\", \"filePath\": \"/etc/passwd\"}"),
                    "[{}]");
            assertThat(error)
                    .as(type)
                    .contains("refused")
                    .contains("server's disk")
                    .contains("HTTP Request");
            assertThat(error).doesNotContain("root:");
        }
    }
}
