package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Date &amp; Time (versions 1 and 2) and Crypto, with the parameters n8n exports and results known independently. */
class DateTimeCryptoNodesTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static JsonNode first(String type, double version, String parameters, String item) throws Exception {
        String node = "{\"name\": \"N\", \"type\": \"n8n-nodes-base." + type + "\", \"typeVersion\": " + version
                + ", \"parameters\": " + parameters + "}";
        Execution run = engine.run(Fixtures.workflow(Fixtures.chain(node)), null, Fixtures.items("[" + item + "]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        return run.output().get(0);
    }

    private static String v2(String parameters) throws Exception {
        return first("dateTime", 2, parameters, "{\"at\": \"2024-03-01T09:30:00Z\", \"keep\": 1}")
                .toString();
    }

    @Test
    void dateTime2FormatsAddsRoundsExtractsAndMeasuresInTheGivenTimeZone() throws Exception {
        assertThat(v2(
                        "{\"operation\": \"formatDate\", \"date\": \"={{ $json.at }}\", \"format\": \"custom\", \"customFormat\": \"yyyy-MM-dd HH:mm EEE 'at' ZZ\","
                                + " \"options\": {\"timezone\": \"Europe/Berlin\"}}"))
                .isEqualTo("{\"formattedDate\":\"2024-03-01 10:30 Fri at +01:00\"}");
        assertThat(
                        v2(
                                "{\"operation\": \"formatDate\", \"date\": \"={{ $json.at }}\", \"options\": {\"timezone\": \"UTC\", \"includeInputFields\": true}}"))
                .isEqualTo("{\"at\":\"2024-03-01T09:30:00Z\",\"keep\":1,\"formattedDate\":\"03/01/2024\"}");
        // A month after 31 January is the last day of February, as in Luxon.
        assertThat(
                        v2(
                                "{\"operation\": \"addToDate\", \"magnitude\": \"2024-01-31T10:00:00Z\", \"duration\": 1, \"timeUnit\": \"months\", \"options\": {\"timezone\": \"UTC\"}}"))
                .isEqualTo("{\"newDate\":\"2024-02-29T10:00:00.000Z\"}");
        assertThat(v2(
                        "{\"operation\": \"subtractFromDate\", \"magnitude\": \"={{ $json.at }}\", \"duration\": 90, \"timeUnit\": \"minutes\", \"outputFieldName\": \"earlier\","
                                + " \"options\": {\"timezone\": \"Asia/Kolkata\"}}"))
                .isEqualTo("{\"earlier\":\"2024-03-01T13:30:00.000+05:30\"}");
        assertThat(
                        v2(
                                "{\"operation\": \"roundDate\", \"date\": \"={{ $json.at }}\", \"toNearest\": \"day\", \"options\": {\"timezone\": \"Europe/Berlin\"}}"))
                .isEqualTo("{\"roundedDate\":\"2024-03-01T00:00:00.000+01:00\"}");
        // Rounded up to the month: 1 April, after the clocks went forward.
        assertThat(
                        v2(
                                "{\"operation\": \"roundDate\", \"date\": \"={{ $json.at }}\", \"mode\": \"roundUp\", \"to\": \"month\", \"options\": {\"timezone\": \"Europe/Berlin\"}}"))
                .isEqualTo("{\"roundedDate\":\"2024-04-01T00:00:00.000+02:00\"}");
        assertThat(v2("{\"operation\": \"extractDate\", \"date\": \"={{ $json.at }}\", \"part\": \"week\"}"))
                .isEqualTo("{\"datePart\":9}");
        String between =
                "{\"operation\": \"getTimeBetweenDates\", \"startDate\": \"2024-01-01T00:00:00Z\", \"endDate\": \"2024-01-02T12:00:00Z\", \"units\": %s%s}";
        assertThat(v2(between.formatted("[\"day\", \"hour\"]", "")))
                .isEqualTo("{\"timeDifference\":{\"days\":1,\"hours\":12}}");
        assertThat(v2(between.formatted("[\"day\"]", ""))).isEqualTo("{\"timeDifference\":{\"days\":1.5}}");
        assertThat(v2(between.formatted("[\"day\", \"hour\"]", ", \"options\": {\"isoString\": true}")))
                .isEqualTo("{\"timeDifference\":\"P1DT12H\"}");
        assertThat(v2("{\"includeTime\": false, \"options\": {\"timezone\": \"UTC\"}}"))
                .matches("\\{\"currentDate\":\"\\d{4}-\\d\\d-\\d\\dT00:00:00\\.000Z\"}");
    }

    @Test
    void dateTime2ReadsDatesWithoutAnOffsetInTheWorkflowsTimeZone() throws Exception {
        String json = Fixtures.chain(
                        "{\"name\": \"N\", \"type\": \"n8n-nodes-base.dateTime\", \"typeVersion\": 2, \"parameters\": {\"operation\": \"roundDate\","
                                + " \"date\": \"2024-07-01 23:30:00\", \"toNearest\": \"hour\"}}")
                .replace(
                        "{\"name\": \"chain\",",
                        "{\"name\": \"chain\", \"settings\": {\"timezone\": \"America/New_York\"},");
        Execution run = engine.run(Fixtures.workflow(json), null, null);
        assertThat(run.output().get(0).toString()).isEqualTo("{\"roundedDate\":\"2024-07-01T23:00:00.000-04:00\"}");
    }

    @Test
    void dateTime1FormatsWithMomentTokensAndCalculatesInUtc() throws Exception {
        assertThat(first(
                                "dateTime",
                                1,
                                "{\"value\": \"={{ $json.at }}\", \"dataPropertyName\": \"formatted\", \"custom\": true,"
                                        + " \"toFormat\": \"dddd, MMMM Do YYYY, h:mm a [ET]\", \"options\": {\"toTimezone\": \"America/New_York\"}}",
                                "{\"at\": \"2024-03-01T09:30:00Z\"}")
                        .toString())
                .isEqualTo("{\"at\":\"2024-03-01T09:30:00Z\",\"formatted\":\"Friday, March 1st 2024, 4:30 am ET\"}");
        assertThat(first(
                                "dateTime",
                                1,
                                "{\"action\": \"calculate\", \"value\": \"01/03/2024 09:30\", \"duration\": 2, \"timeUnit\": \"hours\","
                                        + " \"options\": {\"fromFormat\": \"DD/MM/YYYY HH:mm\", \"fromTimezone\": \"UTC\"}}",
                                "{}")
                        .toString())
                .isEqualTo("{\"data\":\"2024-03-01T11:30:00.000Z\"}");
        Execution bad = engine.run(
                Fixtures.workflow(
                        Fixtures.chain(
                                "{\"name\": \"N\", \"type\": \"n8n-nodes-base.dateTime\", \"typeVersion\": 1, \"parameters\": {\"value\": \"next tuesday\"}}")),
                null,
                null);
        assertThat(bad.error()).startsWith("item 0: \"next tuesday\" is not a date nLink can read");
    }

    @Test
    void cryptoHashesHmacsSignsAndGenerates() throws Exception {
        String item = "{\"text\": \"hello\"}";
        assertThat(first("crypto", 1, "{\"value\": \"={{ $json.text }}\"}", item)
                        .path("data")
                        .asText())
                .isEqualTo("5d41402abc4b2a76b9719d911017c592");
        assertThat(first(
                                "crypto",
                                1,
                                "{\"type\": \"SHA256\", \"value\": \"hello\", \"dataPropertyName\": \"out.sha\"}",
                                item)
                        .path("out")
                        .path("sha")
                        .asText())
                .isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(first("crypto", 1, "{\"type\": \"SHA256\", \"value\": \"hello\", \"encoding\": \"base64\"}", item)
                        .path("data")
                        .asText())
                .isEqualTo("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
        assertThat(first(
                                "crypto",
                                1,
                                "{\"action\": \"hmac\", \"type\": \"SHA256\", \"value\": \"The quick brown fox jumps over the lazy dog\", \"secret\": \"key\"}",
                                item)
                        .path("data")
                        .asText())
                .isEqualTo("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----";
        String signed = first(
                        "crypto",
                        1,
                        "{\"action\": \"sign\", \"value\": \"hello\", \"algorithm\": \"RSA-SHA256\", \"encoding\": \"base64\", \"privateKey\": "
                                + Json.MAPPER.writeValueAsString(pem) + "}",
                        item)
                .path("data")
                .asText();
        Signature verify = Signature.getInstance("SHA256withRSA");
        verify.initVerify(keys.getPublic());
        verify.update("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(verify.verify(Base64.getDecoder().decode(signed))).isTrue();

        assertThat(first("crypto", 1, "{\"action\": \"generate\"}", item)
                        .path("data")
                        .asText())
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}");
        List<String> two = List.of(
                first(
                                "crypto",
                                1,
                                "{\"action\": \"generate\", \"encodingType\": \"ascii\", \"stringLength\": 20}",
                                item)
                        .path("data")
                        .asText(),
                first(
                                "crypto",
                                1,
                                "{\"action\": \"generate\", \"encodingType\": \"ascii\", \"stringLength\": 20}",
                                item)
                        .path("data")
                        .asText());
        assertThat(two).allMatch(s -> s.matches("[A-Za-z0-9]{20}"));
        assertThat(two.get(0)).isNotEqualTo(two.get(1));
        assertThat(first(
                                "crypto",
                                1,
                                "{\"action\": \"generate\", \"encodingType\": \"hex\", \"stringLength\": 10}",
                                item)
                        .path("data")
                        .asText())
                .matches("[0-9a-f]{10}");
    }
}
