package io.nlink.workflow;

import static io.nlink.workflow.BuiltinRuns.error;
import static io.nlink.workflow.BuiltinRuns.node;
import static io.nlink.workflow.BuiltinRuns.output;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Item Lists, Rename Keys, Sort's code mode and Set 1's list paths, with the parameters n8n
 * exports for them, on real items run through the engine (the comparator in the real JavaScript
 * sandbox).
 */
class ListNodesTest {
    static final String ROWS = "[{\"name\": \"ada\", \"team\": \"a\", \"score\": 3, \"tags\": [\"x\", \"y\"]},"
            + " {\"name\": \"bob\", \"team\": \"b\", \"score\": 10, \"tags\": [\"z\"]},"
            + " {\"name\": \"cy\", \"team\": \"a\", \"score\": 5, \"tags\": []},"
            + " {\"name\": \"ada\", \"team\": \"a\", \"score\": 3, \"tags\": [\"x\", \"y\"]}]";

    @Test
    void itemListsSplitsOutByDefaultWithVersionOnesFieldList() throws Exception {
        assertThat(output(
                        node(
                                "itemLists",
                                1,
                                "{\"fieldToSplitOut\": \"tags\", \"include\": \"selectedOtherFields\","
                                        + " \"fieldsToInclude\": {\"fields\": [{\"fieldName\": \"name\"}]}}"),
                        ROWS))
                .containsExactly(
                        "{\"name\":\"ada\",\"tags\":\"x\"}",
                        "{\"name\":\"ada\",\"tags\":\"y\"}",
                        "{\"name\":\"bob\",\"tags\":\"z\"}",
                        "{\"name\":\"ada\",\"tags\":\"x\"}",
                        "{\"name\":\"ada\",\"tags\":\"y\"}");
    }

    @Test
    void itemListsConcatenatesUnderBothOperationNames() throws Exception {
        String fields =
                "\"fieldsToAggregate\": {\"fieldToAggregate\": [{\"fieldToAggregate\": \"score\"}, {\"fieldToAggregate\": \"name\", \"renameField\": true, \"outputFieldName\": \"names\"}]}";
        String expected = "{\"score\":[3,10,5,3],\"names\":[\"ada\",\"bob\",\"cy\",\"ada\"]}";
        assertThat(output(node("itemLists", 2, "{\"operation\": \"aggregateItems\", " + fields + "}"), ROWS))
                .containsExactly(expected);
        assertThat(output(node("itemLists", 3, "{\"operation\": \"concatenateItems\", " + fields + "}"), ROWS))
                .containsExactly(expected);
        assertThat(output(
                        node(
                                "itemLists",
                                3.1,
                                "{\"operation\": \"concatenateItems\", \"aggregate\": \"aggregateAllItemData\", \"include\": \"specifiedFields\", \"fieldsToInclude\": \"name\"}"),
                        ROWS))
                .containsExactly(
                        "{\"data\":[{\"name\":\"ada\"},{\"name\":\"bob\"},{\"name\":\"cy\"},{\"name\":\"ada\"}]}");
    }

    @Test
    void itemListsRemovesDuplicatesSortsLimitsAndSummarizes() throws Exception {
        assertThat(output(node("itemLists", 3, "{\"operation\": \"removeDuplicates\"}"), ROWS))
                .hasSize(3);
        assertThat(output(
                        node(
                                "itemLists",
                                1,
                                "{\"operation\": \"removeDuplicates\", \"compare\": \"selectedFields\", \"fieldsToCompare\": {\"fields\": [{\"fieldName\": \"team\"}]}}"),
                        ROWS))
                .extracting(s -> s.replaceAll(".*\"name\":\"(\\w+)\".*", "$1"))
                .containsExactly("ada", "bob");
        assertThat(output(
                        node(
                                "itemLists",
                                3,
                                "{\"operation\": \"sort\", \"sortFieldsUi\": {\"sortField\": [{\"fieldName\": \"score\", \"order\": \"descending\"}]}}"),
                        ROWS))
                .extracting(s -> s.replaceAll(".*\"score\":(\\d+).*", "$1"))
                .containsExactly("10", "5", "3", "3");
        assertThat(output(
                        node("itemLists", 3, "{\"operation\": \"limit\", \"maxItems\": 2, \"keep\": \"lastItems\"}"),
                        ROWS))
                .extracting(s -> s.replaceAll(".*\"name\":\"(\\w+)\".*", "$1"))
                .containsExactly("cy", "ada");
        assertThat(output(
                        node(
                                "itemLists",
                                3,
                                "{\"operation\": \"summarize\", \"fieldsToSummarize\": {\"values\": [{\"aggregation\": \"sum\", \"field\": \"score\"}]}, \"fieldsToSplitBy\": \"team\"}"),
                        ROWS))
                .containsExactly("{\"team\":\"a\",\"sum_score\":11}", "{\"team\":\"b\",\"sum_score\":10}");
        assertThat(error(node("itemLists", 3, "{\"operation\": \"manageBinaries\"}"), ROWS))
                .contains("operation \"manageBinaries\" is not an Item Lists operation")
                .contains("splitOutItems, concatenateItems");
    }

    @Test
    void sortByCodeRunsTheComparatorInTheSandbox() throws Exception {
        String byScoreThenName =
                "{\"type\": \"code\", \"code\": \"if (a.json.score !== b.json.score) return b.json.score - a.json.score;\\n"
                        + "return a.json.name < b.json.name ? -1 : a.json.name > b.json.name ? 1 : 0;\"}";
        assertThat(output(node("sort", 1, byScoreThenName), ROWS))
                .extracting(s -> s.replaceAll(".*\"name\":\"(\\w+)\".*\"score\":(\\d+).*", "$1 $2"))
                .containsExactly("bob 10", "cy 5", "ada 3", "ada 3");
        // n8n's default comparator assigns an undeclared name, which sloppy JavaScript allows.
        String n8nDefault =
                "{\"type\": \"code\", \"code\": \"fieldName = 'score';\\nif (a.json[fieldName] < b.json[fieldName]) {\\n\\t\\treturn -1;\\n}\\n"
                        + "if (a.json[fieldName] > b.json[fieldName]) {\\n\\t\\treturn 1;\\n}\\nreturn 0;\"}";
        assertThat(output(node("sort", 1, n8nDefault), ROWS))
                .extracting(s -> s.replaceAll(".*\"score\":(\\d+).*", "$1"))
                .containsExactly("3", "3", "5", "10");
        assertThat(error(node("sort", 1, "{\"type\": \"code\", \"code\": \"a.json.score - b.json.score\"}"), ROWS))
                .contains("the comparator never returns");
        // The comparator is sandboxed code: the host is out of reach, and its errors name the user's line.
        assertThat(error(
                        node(
                                "sort",
                                1,
                                "{\"type\": \"code\", \"code\": \"const x = 1;\\nreturn java.lang.System.exit(1);\"}"),
                        ROWS))
                .contains("code line 2");
        assertThat(error(node("sort", 1, "{\"type\": \"code\", \"code\": \"while (true) {} return 0;\"}"), ROWS))
                .isNotBlank();
    }

    @Test
    void renameKeysByNameAndDottedPath() throws Exception {
        String keys = "{\"keys\": {\"key\": [{\"currentKey\": \"name\", \"newKey\": \"person.first\"},"
                + " {\"currentKey\": \"deep.old\", \"newKey\": \"top\"}, {\"currentKey\": \"absent\", \"newKey\": \"x\"},"
                + " {\"currentKey\": \"same\", \"newKey\": \"same\"}, {\"currentKey\": \"score\"}]}}";
        assertThat(output(
                        node("renameKeys", 1, keys),
                        "[{\"name\": \"ada\", \"deep\": {\"old\": 1, \"keep\": 2}, \"same\": 3, \"score\": 4}]"))
                .containsExactly(
                        "{\"deep\":{\"keep\":2},\"same\":3,\"score\":4,\"person\":{\"first\":\"ada\"},\"top\":1}");
        // Each rename reads the item as it came in, as n8n's does: a → b, then b → c moves the old b.
        assertThat(output(
                        node(
                                "renameKeys",
                                1,
                                "{\"keys\": {\"key\": [{\"currentKey\": \"a\", \"newKey\": \"b\"}, {\"currentKey\": \"b\", \"newKey\": \"c\"}]}}"),
                        "[{\"a\": 1, \"b\": 2}]"))
                .containsExactly("{\"c\":2}");
    }

    @Test
    void renameKeysByRegexAtEveryDepthOrDownToALimit() throws Exception {
        String regex =
                "{\"additionalOptions\": {\"regexReplacement\": {\"replacements\": [{\"searchRegex\": \"^user_(\\\\w+)\","
                        + " \"replaceRegex\": \"$1Of$$User\", \"options\": %s}]}}}";
        String item =
                "[{\"user_id\": 1, \"USER_name\": \"n\", \"nested\": {\"user_id\": 2, \"list\": [{\"user_id\": 3}]}}]";
        assertThat(output(node("renameKeys", 1, regex.formatted("{}")), item))
                .containsExactly(
                        "{\"USER_name\":\"n\",\"nested\":{\"list\":[{\"idOf$User\":3}],\"idOf$User\":2},\"idOf$User\":1}");
        assertThat(output(node("renameKeys", 1, regex.formatted("{\"caseInsensitive\": true, \"depth\": 0}")), item))
                .containsExactly(
                        "{\"nested\":{\"user_id\":2,\"list\":[{\"user_id\":3}]},\"idOf$User\":1,\"nameOf$User\":\"n\"}");
        assertThat(error(node("renameKeys", 1, regex.formatted("{}").replace("^user_(\\\\w+)", "user_(")), item))
                .contains("the regular expression user_( is not valid");
    }

    @Test
    void renameKeysStopsARegexThatBacktracksWithoutEnd() throws Exception {
        // Unbounded, java.util.regex takes over 30 s for this one key (measured on JDK 25).
        String evil =
                "{\"additionalOptions\": {\"regexReplacement\": {\"replacements\": [{\"searchRegex\": \"^(.*a){10}b\", \"replaceRegex\": \"x\"}]}}}";
        long start = System.nanoTime();
        assertThat(error(node("renameKeys", 1, evil), "[{\"" + "a".repeat(40) + "\": 1}]"))
                .contains("took more than 1 s")
                .contains("simplify it");
        assertThat((System.nanoTime() - start) / 1_000_000_000.0).isLessThan(20);
    }

    @Test
    void setVersionOneKeepsWhatItIsGivenAndMakesListsFromIndexes() throws Exception {
        String set =
                "{\"values\": {\"string\": [{\"name\": \"data[0]\", \"value\": \"n8n\"}, {\"name\": \"data[1]\", \"value\": \"test\"},"
                        + " {\"name\": \"run\", \"value\": \"={{ $json.n }}\"}, {\"name\": \"a.b[1].c\", \"value\": \"deep\"}], \"number\": [{}]}}";
        assertThat(output(node("set", 1, set), "[{\"n\": 2}]"))
                .containsExactly(
                        "{\"n\":2,\"data\":[\"n8n\",\"test\"],\"run\":2,\"a\":{\"b\":[null,{\"c\":\"deep\"}]},\"propertyName\":0}");
        assertThat(error(
                        node(
                                "set",
                                1,
                                "{\"values\": {\"string\": [{\"name\": \"big[999999999]\", \"value\": \"x\"}]}}"),
                        "[{}]"))
                .contains("list index 999999999 is over the limit of 10000");
    }

    @Test
    void aggregateGroupsByFieldsInOrderOfFirstAppearance() throws Exception {
        assertThat(output(
                        node(
                                "aggregate",
                                1,
                                "{\"fieldsToAggregate\": {\"fieldToAggregate\": [{\"fieldToAggregate\": \"name\"}]}, \"options\": {\"groupByFields\": \"team\"}}"),
                        ROWS))
                .containsExactly(
                        "{\"team\":\"a\",\"name\":[\"ada\",\"cy\",\"ada\"]}", "{\"team\":\"b\",\"name\":[\"bob\"]}");
        assertThat(output(
                        node(
                                "aggregate",
                                1,
                                "{\"aggregate\": \"aggregateAllItemData\", \"include\": \"specifiedFields\", \"fieldsToInclude\": \"score\","
                                        + " \"options\": {\"groupByFields\": \"team, name\"}}"),
                        ROWS))
                .containsExactly(
                        "{\"team\":\"a\",\"name\":\"ada\",\"data\":[{\"score\":3},{\"score\":3}]}",
                        "{\"team\":\"b\",\"name\":\"bob\",\"data\":[{\"score\":10}]}",
                        "{\"team\":\"a\",\"name\":\"cy\",\"data\":[{\"score\":5}]}");
    }

    @Test
    void summarizeSkipsEmptyValuesUnlessIncludeEmpty() throws Exception {
        String items = "[{\"r\": \"good\"}, {\"r\": \"\"}, {\"r\": null}, {\"r\": null}, {\"r\": \"good\"}, {}, {}]";
        String summary = "{\"fieldsToSummarize\": {\"values\": [{\"aggregation\": \"%s\", \"field\": \"r\"%s}]}}";
        assertThat(output(node("summarize", 1.1, summary.formatted("count", "")), items))
                .containsExactly("{\"count_r\":2}");
        assertThat(output(node("summarize", 1.1, summary.formatted("count", ", \"includeEmpty\": true")), items))
                .containsExactly("{\"count_r\":7}");
        // good, "", null and a missing value (JavaScript's undefined) are four different values.
        assertThat(output(node("summarize", 1.1, summary.formatted("countUnique", ", \"includeEmpty\": true")), items))
                .containsExactly("{\"unique_count_r\":4}");
        assertThat(output(node("summarize", 1.1, summary.formatted("countUnique", "")), items))
                .containsExactly("{\"unique_count_r\":1}");
        assertThat(output(node("summarize", 1.1, summary.formatted("append", ", \"includeEmpty\": true")), items))
                .containsExactly("{\"appended_r\":[\"good\",\"\",null,null,\"good\",null,null]}");
        assertThat(output(node("summarize", 1.1, summary.formatted("concatenate", "")), items))
                .containsExactly("{\"concatenated_r\":\"good,good\"}");
    }

    @Test
    void removeDuplicatesCanKeepOnlyTheComparedFields() throws Exception {
        assertThat(output(
                        node(
                                "removeDuplicates",
                                1,
                                "{\"compare\": \"allFieldsExcept\", \"fieldsToExclude\": \"score, tags\", \"options\": {\"removeOtherFields\": true}}"),
                        ROWS))
                .containsExactly(
                        "{\"name\":\"ada\",\"team\":\"a\"}",
                        "{\"name\":\"bob\",\"team\":\"b\"}",
                        "{\"name\":\"cy\",\"team\":\"a\"}");
        assertThat(output(
                        node(
                                "removeDuplicates",
                                1,
                                "{\"compare\": \"selectedFields\", \"fieldsToCompare\": \"team\", \"options\": {\"removeOtherFields\": true}}"),
                        ROWS))
                .containsExactly("{\"team\":\"a\"}", "{\"team\":\"b\"}");
    }

    @Test
    void splitOutNeverWritesThroughThePrototype() throws Exception {
        // n8n's own test (SplitOut prototypePollution): the element keeps the field's name.
        assertThat(output(
                        node(
                                "splitOut",
                                1,
                                "{\"fieldToSplitOut\": \"tags\", \"include\": \"allOtherFields\", \"options\": {\"destinationFieldName\": \"__proto__.polluted\"}}"),
                        "[{\"n\": 1, \"tags\": [\"x\"]}]"))
                .containsExactly("{\"n\":1,\"tags\":\"x\"}");
        assertThat(output(
                        node(
                                "splitOut",
                                1,
                                "{\"fieldToSplitOut\": \"tags\", \"options\": {\"destinationFieldName\": \"constructor\"}}"),
                        "[{\"tags\": [\"x\"]}]"))
                .containsExactly("{\"tags\":\"x\"}");
    }
}
