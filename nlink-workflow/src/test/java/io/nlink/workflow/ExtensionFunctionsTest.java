package io.nlink.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * n8n's extension functions in a Set node's expressions, over real items: each expression with
 * the value n8n's documentation gives for it.
 */
class ExtensionFunctionsTest {
    static WorkflowEngine engine;

    @BeforeAll
    static void engine() throws Exception {
        engine = Fixtures.engine();
    }

    private static final String ITEM = """
            [{"email": "Contact: Ada <ada@example.com> today", "blank": "  ", "empty": "", "price": "$1,234", "ratio": 2.456,
              "html": "<b>bold</b>, <a href='x'>link</a>", "title": "the quick brown fox", "sentence": "hello WORLD. how are you?",
              "page": "see https://n8n.io/pricing?x=1 now", "tags": ["a", "b", "a", null, ""], "nums": [12, 1, 5],
              "people": [{"name": "Nathan", "age": 42}, {"name": "Jan", "city": "Berlin"}, {"name": "Nathan", "age": 42}],
              "obj": {"a": 1, "b": null, "c": "", "d": "keep me"}, "when": "2024-05-01T10:00:00Z", "count": 1234567.891}]""";

    /** Each expression and what it gives, as n8n documents it. */
    private static Map<String, String> cases() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(
                "{{ $json.empty.isEmpty() }}/{{ $json.email.isNotEmpty() }}/{{ $json.blank.isBlank() }}",
                "true/true/true");
        c.put("{{ $json.email.extractEmail() }}", "ada@example.com");
        c.put("{{ $json.page.extractUrl() }}", "https://n8n.io/pricing?x=1");
        c.put(
                "{{ 'https://n8n.io/pricing'.extractDomain() }}/{{ 'ada@example.com'.isEmail() }}/{{ 'n8n.io'.isDomain() }}",
                "n8n.io/true/true");
        c.put("{{ $json.html.removeTags() }}", "bold, link");
        c.put("{{ $json.title.toTitleCase() }}", "The Quick Brown Fox");
        c.put("{{ $json.sentence.toSentenceCase() }}", "Hello world. How are you?");
        c.put("{{ 'hello world-now'.toSnakeCase() }}", "hello_world_now");
        c.put("{{ 'a b&c'.urlEncode() }}", "a%20b%26c");
        c.put(
                "{{ '12.5'.toNumber() + 1 }}/{{ 'ff'.toInt(16) }}/{{ '$20'.toNumber() }}/{{ 'no'.toBoolean() }}/{{ 'yes'.toBoolean() }}",
                "13.5/255/20/false/true");
        c.put("{{ 'héllo ✓'.base64Encode() }}/{{ 'aMOpbGxvIOKckw=='.base64Decode() }}", "aMOpbGxvIOKckw==/héllo ✓");
        c.put("{{ '{\"a\": 1}'.parseJson().a }}", "1");
        c.put("{{ $json.when.toDateTime().toUTC().toISO() }}", "2024-05-01T10:00:00.000Z");
        c.put("{{ $json.when.toDateTime().toUTC().plus(1, 'day').format('yyyy-MM-dd') }}", "2024-05-02");
        c.put("{{ $json.when.toDateTime().toUTC().minus(2, 'hours').toFormat('HH:mm') }}", "08:00");
        c.put("{{ $json.when.toDateTime().toUTC().plus({ days: 2 }).format('dd') }}", "03");
        c.put(
                "{{ $json.when.toDateTime().toUTC().beginningOf('month').format('dd') }}/{{ $json.when.toDateTime().toUTC().endOfMonth().format('dd') }}",
                "01/31");
        c.put(
                "{{ $json.when.toDateTime().isWeekend }}/{{ $json.when.toDateTime().toUTC().extract('month') }}",
                "false/5");
        c.put("{{ '01-05-2024'.toDateTime('dd-MM-yyyy').toFormat('yyyy/MM/dd') }}", "2024/05/01");
        c.put("{{ (1714557600000).toDateTime().toUTC().toISO() }}", "2024-05-01T10:00:00.000Z");
        c.put(
                "{{ $json.tags.first() }}/{{ $json.nums.last() }}/{{ [].isEmpty() }}/{{ $json.nums.isNotEmpty() }}",
                "a/5/true/true");
        c.put(
                "{{ $json.nums.sum() }}/{{ $json.nums.average() }}/{{ $json.nums.min() }}/{{ $json.nums.max() }}",
                "18/6/1/12");
        c.put("{{ JSON.stringify($json.tags.unique()) }}", "[\"a\",\"b\",null,\"\"]");
        c.put(
                "{{ JSON.stringify($json.people.removeDuplicates()) }}",
                "[{\"name\":\"Nathan\",\"age\":42},{\"name\":\"Jan\",\"city\":\"Berlin\"}]");
        c.put(
                "{{ JSON.stringify($json.people.unique('name')) }}",
                "[{\"name\":\"Nathan\",\"age\":42},{\"name\":\"Jan\",\"city\":\"Berlin\"}]");
        c.put(
                "{{ JSON.stringify($json.people.pluck('name')) }}/{{ JSON.stringify($json.people.pluck('age')) }}",
                "[\"Nathan\",\"Jan\",\"Nathan\"]/[42,42]");
        c.put("{{ JSON.stringify([1, 2, 3, 4, 5, 6].chunk(2)) }}", "[[1,2],[3,4],[5,6]]");
        c.put("{{ JSON.stringify($json.tags.compact()) }}", "[\"a\",\"b\",\"a\"]");
        c.put(
                "{{ JSON.stringify([1, 2, 3].difference([2, 3])) }}/{{ JSON.stringify([1, 2].union([2, 3])) }}/{{ JSON.stringify([1, 2].intersection([2, 3])) }}",
                "[1]/[1,2,3]/[2]");
        c.put(
                "{{ JSON.stringify([{ name: 'a', value: 1 }, { name: 'b', value: 2 }].smartJoin('name', 'value')) }}",
                "{\"a\":1,\"b\":2}");
        c.put(
                "{{ $json.ratio.round(2) }}/{{ $json.ratio.floor() }}/{{ $json.ratio.ceil() }}/{{ (0).toBoolean() }}/{{ (4).isEven() }}",
                "2.46/2/3/false/true");
        c.put(
                "{{ $json.count.format('en-US') }}/{{ (0.5).format('en-US', { style: 'percent' }) }}",
                "1,234,567.891/50%");
        c.put(
                "{{ $json.obj.isEmpty() }}/{{ ({}).isEmpty() }}/{{ $json.obj.hasField('a') }}/{{ $json.obj.hasField('z') }}",
                "false/true/true/false");
        c.put("{{ JSON.stringify($json.obj.removeField('a')) }}", "{\"b\":null,\"c\":\"\",\"d\":\"keep me\"}");
        c.put(
                "{{ JSON.stringify($json.obj.compact()) }}/{{ $json.obj.keys().join() }}/{{ $json.obj.values().length }}",
                "{\"a\":1,\"d\":\"keep me\"}/a,b,c,d/4");
        c.put(
                "{{ JSON.stringify($json.obj.keepFieldsContaining('keep')) }}/{{ ({ q: 'a b', n: 1 }).urlEncode() }}",
                "{\"d\":\"keep me\"}/q=a%20b&n=1");
        // Own fields and properties of the same name come first, as anywhere in JavaScript.
        c.put(
                "{{ (() => { const o = { keys: 'mine' }; o.values = 'also'; return o.keys + o.values; })() }}",
                "minealso");
        return c;
    }

    @Test
    void eachExtensionFunctionGivesWhatN8nDocuments() throws Exception {
        Map<String, String> cases = cases();
        StringBuilder assignments = new StringBuilder();
        int i = 0;
        for (String expression : cases.keySet()) {
            if (i > 0) assignments.append(",");
            assignments
                    .append("{\"name\": \"f")
                    .append(i++)
                    .append("\", \"type\": \"string\", \"value\": ")
                    .append(Json.write("=" + expression))
                    .append("}");
        }
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(
                        "{\"name\": \"Set\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"parameters\": {\"assignments\": {\"assignments\": ["
                                + assignments + "]}}}")),
                null,
                Fixtures.items(ITEM));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        JsonNode out = run.output().get(0);
        i = 0;
        for (var c : cases.entrySet()) {
            assertThat(out.path("f" + i++).asText()).as(c.getKey()).isEqualTo(c.getValue());
        }
    }

    @Test
    void misuseFailsWithWhatToDo() throws Exception {
        for (var c : Map.of(
                        "{{ [1, 'x'].sum() }}", "sum(): all array elements must be numbers",
                        "{{ 'abc'.toNumber() }}", "toNumber(): cannot convert \"abc\" to a number",
                        "{{ [1].chunk(0) }}", "chunk(): expected a positive number",
                        "{{ 'not a date'.toDateTime() }}",
                                "toDateTime(): cannot convert \"not a date\" to a Luxon DateTime",
                        "{{ [1].hasField('a') }}", "hasField(): is a function of objects, not of arrays")
                .entrySet()) {
            Execution run = engine.run(
                    Fixtures.workflow(Fixtures.chain(
                            "{\"name\": \"Set\", \"type\": \"n8n-nodes-base.set\", \"typeVersion\": 3.4, \"parameters\": {\"assignments\": {\"assignments\": [{\"name\": \"x\", \"type\": \"string\", \"value\": "
                                    + Json.write("=" + c.getKey()) + "}]}}}")),
                    null,
                    Fixtures.items("[{}]"));
            assertThat(run.status()).as(c.getKey()).isEqualTo(Execution.Status.ERROR);
            assertThat(run.error()).as(c.getKey()).contains(c.getValue());
        }
    }

    @Test
    void theCodeNodeHasLuxonAndBuiltInsAsTheyAreAsInN8n() throws Exception {
        Execution run = engine.run(
                Fixtures.workflow(Fixtures.chain(
                        "{\"name\": \"Code\", \"type\": \"n8n-nodes-base.code\", \"parameters\": {\"jsCode\": "
                                + Json.write(
                                        "return [{json: {s: typeof ''.isEmpty, d: typeof DateTime.now().format}}];")
                                + "}}")),
                null,
                Fixtures.items("[{}]"));
        assertThat(run.status()).as(run.toJson().toPrettyString()).isEqualTo(Execution.Status.SUCCESS);
        assertThat(run.output().get(0).toString()).isEqualTo("{\"s\":\"undefined\",\"d\":\"undefined\"}");
    }
}
