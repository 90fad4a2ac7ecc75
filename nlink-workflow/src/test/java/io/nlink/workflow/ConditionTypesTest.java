package io.nlink.workflow;

import static io.nlink.workflow.BuiltinRuns.error;
import static io.nlink.workflow.BuiltinRuns.node;
import static io.nlink.workflow.BuiltinRuns.output;
import static io.nlink.workflow.BuiltinRuns.outputs;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The condition types n8n's filter has beyond text, numbers and booleans — array, dateTime,
 * object — and its type validation (strict only when the block says so), through IF 2, Filter 2
 * and Switch 3 on real items; and Date &amp; Time reading Unix timestamps as n8n does.
 */
class ConditionTypesTest {
    static final String ITEMS =
            "[{\"n\": \"a\", \"tags\": [\"Exotic\", 3, null], \"at\": \"2020-10-05T14:48:00.000Z\", \"meta\": {\"k\": 1}},"
                    + " {\"n\": \"b\", \"tags\": [], \"at\": \"2011-10-05 14:48:00\", \"meta\": {}},"
                    + " {\"n\": \"c\", \"tags\": \"['exotic', 'x']\", \"at\": 1682918315, \"meta\": {}},"
                    + " {\"n\": \"d\"}]";

    /** The names of the items a Filter 2 keeps with one condition. */
    static List<String> kept(String type, String operation, String left, String right, String options)
            throws Exception {
        String condition = "{\"leftValue\": \"" + left + "\", \"rightValue\": " + right
                + ", \"operator\": {\"type\": \"" + type + "\", \"operation\": \"" + operation + "\"}}";
        String parameters = "{\"conditions\": {\"options\": " + options + ", \"conditions\": [" + condition
                + "], \"combinator\": \"and\"}}";
        return output(node("filter", 2, parameters), ITEMS).stream()
                .map(s -> s.replaceAll(".*\"n\":\"(\\w)\".*", "$1"))
                .toList();
    }

    static final String LOOSE = "{\"caseSensitive\": true, \"typeValidation\": \"loose\"}";
    static final String STRICT = "{\"caseSensitive\": true, \"typeValidation\": \"strict\"}";
    static final String IGNORE_CASE = "{\"caseSensitive\": false, \"typeValidation\": \"loose\"}";

    @Test
    void arrayContainsAndLengthAsN8nsFilter() throws Exception {
        // Case matters unless ignored; loosely, JSON text (even with single quotes) is a list; a missing list is empty.
        assertThat(kept("array", "contains", "={{ $json.tags }}", "\"Exotic\"", LOOSE))
                .containsExactly("a");
        assertThat(kept("array", "contains", "={{ $json.tags }}", "\"exotic\"", IGNORE_CASE))
                .containsExactly("a", "c");
        assertThat(kept("array", "notContains", "={{ $json.tags }}", "\"exotic\"", IGNORE_CASE))
                .containsExactly("b", "d");
        assertThat(kept("array", "contains", "={{ $json.tags }}", "3", LOOSE)).containsExactly("a");
        assertThat(kept("array", "lengthEquals", "={{ $json.tags }}", "2", LOOSE))
                .containsExactly("c");
        assertThat(kept("array", "lengthGt", "={{ $json.tags }}", "\"1\"", LOOSE))
                .containsExactly("a", "c");
        assertThat(kept("array", "lengthLte", "={{ $json.tags }}", "0", LOOSE)).containsExactly("b", "d");
        assertThat(kept("array", "lengthNotEquals", "={{ $json.tags }}", "3", LOOSE))
                .containsExactly("b", "c", "d");
        assertThat(kept("array", "lengthLt", "={{ $json.tags }}", "3", LOOSE)).containsExactly("b", "c", "d");
        assertThat(kept("array", "lengthGte", "={{ $json.tags }}", "3", LOOSE)).containsExactly("a");
        assertThat(kept("array", "empty", "={{ $json.tags }}", "\"\"", LOOSE)).containsExactly("b", "d");
        assertThat(kept("array", "notEmpty", "={{ $json.tags }}", "\"\"", LOOSE))
                .containsExactly("a", "c");
        // Strictly, text is not a list.
        assertThat(error(
                        node(
                                "filter",
                                2,
                                "{\"conditions\": {\"options\": " + STRICT
                                        + ", \"conditions\": [{\"leftValue\": \"={{ $json.tags }}\", \"rightValue\": \"x\","
                                        + " \"operator\": {\"type\": \"array\", \"operation\": \"contains\", \"rightType\": \"any\"}}]}}"),
                        ITEMS))
                .contains("item 2: wrong type: the left value \"['exotic', 'x']\" is not an array");
    }

    @Test
    void dateTimeAfterBeforeAndEqualsReadEveryDateForm() throws Exception {
        // ISO with an offset, SQL's form (in the workflow's zone: UTC here) and a Unix timestamp in seconds.
        assertThat(kept("dateTime", "after", "={{ $json.at }}", "\"2018-12-31T22:00:00\"", STRICT))
                .containsExactly("a", "c");
        assertThat(kept("dateTime", "before", "={{ $json.at }}", "\"2021-08-03T03:30:08Z\"", STRICT))
                .containsExactly("a", "b");
        assertThat(kept("dateTime", "equals", "={{ $json.at }}", "\"2023-05-01T05:18:35Z\"", STRICT))
                .containsExactly("c");
        assertThat(kept("dateTime", "notEquals", "={{ $json.at }}", "\"2023-05-01T05:18:35Z\"", STRICT))
                .containsExactly("a", "b");
        assertThat(kept("dateTime", "afterOrEquals", "={{ $json.at }}", "\"2020-10-05T14:48:00Z\"", STRICT))
                .containsExactly("a", "c");
        assertThat(kept("dateTime", "beforeOrEquals", "={{ $json.at }}", "\"2020-10-05T16:48:00+02:00\"", STRICT))
                .containsExactly("a", "b");
        assertThat(kept("dateTime", "exists", "={{ $json.at }}", "\"\"", STRICT))
                .containsExactly("a", "b", "c");
        assertThat(error(
                        node(
                                "if",
                                2,
                                "{\"conditions\": {\"conditions\": [{\"leftValue\": \"={{ $json.n }}\", \"rightValue\": \"2020-01-01\","
                                        + " \"operator\": {\"type\": \"dateTime\", \"operation\": \"after\"}}]}}"),
                        ITEMS))
                .contains("item 0: wrong type: the left value \"a\" is not a date nLink can read");
    }

    @Test
    void objectEmptinessAndSwitchRoutingOnTheNewTypes() throws Exception {
        assertThat(kept("object", "notEmpty", "={{ $json.meta }}", "\"\"", STRICT))
                .containsExactly("a");
        assertThat(kept("object", "empty", "={{ $json.meta }}", "\"\"", STRICT)).containsExactly("b", "c", "d");
        String rules =
                "{\"rules\": {\"values\": [{\"conditions\": {\"conditions\": [{\"leftValue\": \"={{ $json.tags }}\", \"rightValue\": 0,"
                        + " \"operator\": {\"type\": \"array\", \"operation\": \"lengthGt\", \"rightType\": \"number\"}}]}},"
                        + " {\"conditions\": {\"conditions\": [{\"leftValue\": \"={{ $json.at }}\", \"rightValue\": \"2015-01-01\","
                        + " \"operator\": {\"type\": \"dateTime\", \"operation\": \"before\"}}]}}]}, \"options\": {\"fallbackOutput\": \"extra\"}}";
        assertThat(outputs(node("switch", 3, rules), ITEMS))
                .extracting(o -> o.stream()
                        .map(s -> s.replaceAll(".*\"n\":\"(\\w)\".*", "$1"))
                        .toList())
                .containsExactly(List.of("a", "c"), List.of("b"), List.of("d"));
    }

    @Test
    void typesAreStrictOnlyWhenTheBlockSaysSo() throws Exception {
        String ifNode =
                "{\"conditions\": {\"options\": %s, \"conditions\": [{\"leftValue\": \"={{ $json.v }}\", \"rightValue\": %s,"
                        + " \"operator\": {\"type\": \"%s\", \"operation\": \"%s\"%s}}]}}";
        String values =
                "[{\"v\": true}, {\"v\": \"false\"}, {\"v\": \"0\"}, {\"v\": 1}, {\"v\": \"TRUE\"}, {\"v\": \"yes\"}]";
        // Filter 2 and later read "false", "0", 1 and "TRUE" as n8n's tryToParseBoolean does; other text is truthy.
        assertThat(outputs(
                        node(
                                "if",
                                2.2,
                                ifNode.formatted(
                                        "{\"typeValidation\": \"loose\", \"version\": 2}",
                                        "\"\"",
                                        "boolean",
                                        "true",
                                        ", \"singleValue\": true")),
                        values))
                .extracting(List::size)
                .containsExactly(4, 2);
        // A block without typeValidation converts (n8n's IF 2.0 exports): "1" is the number 1.
        assertThat(outputs(
                        node("if", 2, ifNode.formatted("{}", "\"1\"", "number", "equals", "")),
                        "[{\"v\": 1}, {\"v\": 2}]"))
                .extracting(List::size)
                .containsExactly(1, 1);
        assertThat(error(
                        node(
                                "if",
                                2,
                                ifNode.formatted("{\"typeValidation\": \"strict\"}", "\"1\"", "number", "equals", "")),
                        "[{\"v\": 1}]"))
                .contains("the right value \"1\" is not a number");
        // A missing number equals nothing and orders as 0, as JavaScript's null does in n8n's filter.
        assertThat(outputs(node("if", 2, ifNode.formatted("{}", "-1", "number", "gt", "")), "[{}, {\"v\": -5}]"))
                .extracting(List::size)
                .containsExactly(1, 1);
    }

    @Test
    void regexConditionsReadJavaScriptLiteralsAndAreBoundedInTime() throws Exception {
        String regex =
                "{\"conditions\": {\"options\": {\"caseSensitive\": %s}, \"conditions\": [{\"leftValue\": \"={{ $json.v }}\", \"rightValue\": \"%s\","
                        + " \"operator\": {\"type\": \"string\", \"operation\": \"regex\"}}]}}";
        assertThat(output(node("filter", 2, regex.formatted("true", "/^AB/i")), "[{\"v\": \"abc\"}, {\"v\": \"xab\"}]"))
                .containsExactly("{\"v\":\"abc\"}");
        assertThat(output(node("filter", 2, regex.formatted("false", "^AB")), "[{\"v\": \"abc\"}]"))
                .containsExactly("{\"v\":\"abc\"}");
        assertThat(error(
                        node("filter", 2, regex.formatted("true", "^(.*a){10}b")),
                        "[{\"v\": \"" + "a".repeat(40) + "\"}]"))
                .contains("took more than 1 s");
    }

    @Test
    void dateAndTimeReadsUnixTimestampsAsN8nDoes() throws Exception {
        String format = "{\"operation\": \"formatDate\", \"date\": \"={{ $json.t }}\", \"format\": \"custom\","
                + " \"customFormat\": \"yyyy-MM-dd HH:mm:ss.SSS\", \"options\": {\"timezone\": \"UTC\"}}";
        assertThat(output(
                        node("dateTime", 2, format),
                        "[{\"t\": 1682918315}, {\"t\": 1682918315.906}, {\"t\": \"1682918315.906\"}, {\"t\": 1682918315906},"
                                + " {\"t\": \"1682918315906\"}, {\"t\": 0}, {\"t\": \"99999999999\"}]"))
                .extracting(s -> s.replaceAll(".*\"formattedDate\":\"([^\"]+)\".*", "$1"))
                .containsExactly(
                        "2023-05-01 05:18:35.000",
                        "2023-05-01 05:18:35.906",
                        "2023-05-01 05:18:35.906",
                        "2023-05-01 05:18:35.906",
                        "2023-05-01 05:18:35.906",
                        "1970-01-01 00:00:00.000",
                        "5138-11-16 09:46:39.000");
        // No date formats as null, as n8n's nullDate test records.
        assertThat(output(node("dateTime", 2, format), "[{\"t\": null}, {}]"))
                .containsExactly("{\"formattedDate\":null}", "{\"formattedDate\":null}");
        assertThat(error(node("dateTime", 2, format), "[{\"t\": \"99999999999999999999\"}]"))
                .contains("the timestamp 99999999999999999999 is out of the range of dates");
    }
}
