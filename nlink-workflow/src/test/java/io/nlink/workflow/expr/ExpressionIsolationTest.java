package io.nlink.workflow.expr;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.JavaScript;
import io.nlink.runtime.NodeRuntime;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An evaluator context serves later runs of the same expressions ({@link EvaluatorPool}): that is
 * only sound if nothing an expression does can be seen by a later call. A hostile probe tries
 * every place a realm keeps state — the global object, built-in prototypes and namespaces,
 * prototypes only syntax reaches, the evaluator's own functions and code list, RegExp's legacy
 * match statics, a replaced built-in method — writing each item's secret and reading what earlier
 * calls left, over two items of one run and a later run on the same, reused, context.
 */
class ExpressionIsolationTest {
    private static NodeRuntime runtime;
    private static JavaScript js;

    @BeforeAll
    static void engine() {
        runtime = NodeRuntime.builder().build();
        js = runtime.javascript();
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    /** Each channel: how to read it, how to write the item's secret into it. */
    private static final List<String[]> CHANNELS = List.of(
            new String[] {"global", "globalThis.leak", "globalThis.leak = s"},
            new String[] {"Object.prototype", "({}).leak", "Object.prototype.leak = s"},
            new String[] {"Array.prototype", "[].leak", "Array.prototype.leak = s"},
            new String[] {"Function.prototype", "(function () {}).leak", "Function.prototype.leak = s"},
            new String[] {"JSON", "JSON.leak", "JSON.leak = s"},
            new String[] {"Math", "Math.leak", "Math.leak = s"},
            new String[] {
                "generator prototype",
                "Object.getPrototypeOf(function* () {}).leak",
                "Object.getPrototypeOf(function* () {}).leak = s"
            },
            new String[] {
                "array iterator prototype",
                "Object.getPrototypeOf([][Symbol.iterator]()).leak",
                "Object.getPrototypeOf([][Symbol.iterator]()).leak = s"
            },
            new String[] {"evaluator functions", "__fns.leak", "__fns.leak = s"},
            new String[] {
                "evaluator code list", "__codes.length > 1 ? __codes[__codes.length - 1] : ''", "__codes.push(s)"
            },
            new String[] {"references helper", "__references.leak", "__references.leak = s"},
            new String[] {"a built-in method", "Object.prototype.toString.leak", "Object.prototype.toString.leak = s"},
            new String[] {"Error.prototype.message", "Error.prototype.message", "Error.prototype.message = s"},
            new String[] {
                "a replaced toString", "({}).toString()", "Object.prototype.toString = function () { return s; }"
            },
            new String[] {"RegExp.$1", "RegExp.$1", "/(secret-[0-9]+)/.exec(s)"},
            new String[] {"RegExp.lastMatch", "RegExp.lastMatch", "/secret-[0-9]+/.exec(s)"},
            new String[] {"JSON.stringify", "JSON.stringify(1)", "JSON.stringify = function () { return s; }"});

    /**
     * Where Luxon ({@link Luxon}) keeps state that outlives a call: its classes and prototypes, the
     * zone and locale objects it caches, the formatters in its caches, its error classes, and the
     * script's own handle on it.
     */
    private static final List<String[]> LUXON_CHANNELS = List.of(
            new String[] {"DateTime", "DateTime.leak", "DateTime.leak = s"},
            new String[] {"DateTime.prototype", "DateTime.prototype.leak", "DateTime.prototype.leak = s"},
            new String[] {
                "the prototype of a DateTime",
                "Object.getPrototypeOf($now).leak",
                "Object.getPrototypeOf($now).leak = s"
            },
            new String[] {"a DateTime method", "DateTime.prototype.toISO.leak", "DateTime.prototype.toISO.leak = s"},
            new String[] {
                "a replaced DateTime method",
                "$now.toISODate()",
                "DateTime.prototype.toISODate = function () { return s; }"
            },
            new String[] {"Duration.prototype", "Duration.prototype.leak", "Duration.prototype.leak = s"},
            new String[] {"Interval", "Interval.leak", "Interval.leak = s"},
            new String[] {"a cached zone", "$now.zone.leak", "$now.zone.leak = s"},
            new String[] {"the name of a cached zone", "$now.zone.zoneName", "$now.zone.zoneName = s"},
            new String[] {"the UTC zone", "$now.toUTC().zone.leak", "$now.toUTC().zone.leak = s"},
            new String[] {"a locale", "$now.loc.leak", "$now.loc.leak = s"},
            new String[] {"the cache of a locale", "$now.loc.monthsCache.leak", "$now.loc.monthsCache.leak = s"},
            new String[] {
                "a cached formatter",
                "$now.loc.dtFormatter($now, {}).dtf.leak",
                "$now.loc.dtFormatter($now, {}).dtf.leak = s"
            },
            new String[] {
                "the prototype of a Luxon error",
                "(() => { try { DateTime.invalid(); } catch (e) { return Object.getPrototypeOf(e).leak; } })()",
                "(() => { try { DateTime.invalid(); } catch (e) { Object.getPrototypeOf(e).leak = s; } })()"
            },
            new String[] {"the handle of the script", "__luxon.leak", "__luxon.leak = s"},
            new String[] {"the per-call set-up", "__luxon.dates.leak", "__luxon.dates.leak = s"},
            new String[] {"the dates helper", "__dates.leak", "__dates.leak = s"},
            new String[] {"the clock", "String($now.year)", "__luxon.dates = function () { return { now: s }; }"});

    /**
     * Where n8n's extension functions ({@link Extensions}) live: the methods added to the
     * built-in prototypes and to Luxon's DateTime, which every later run finds again.
     */
    private static final List<String[]> EXTENSION_CHANNELS = List.of(
            new String[] {"a String extension", "''.isEmpty.leak", "''.isEmpty.leak = s"},
            new String[] {
                "a replaced String extension",
                "'a b'.toTitleCase()",
                "String.prototype.toTitleCase = function () { return s; }"
            },
            new String[] {
                "a String extension defined anew",
                "'x'.toSnakeCase()",
                "Object.defineProperty(String.prototype, 'toSnakeCase', { value: function () { return s; } })"
            },
            new String[] {"an Array extension", "[].sum.leak", "[].sum.leak = s"},
            new String[] {
                "a replaced Array extension", "String([1].sum())", "Array.prototype.sum = function () { return s; }"
            },
            new String[] {
                "a replaced Number extension",
                "String((1.5).round())",
                "Number.prototype.round = function () { return s; }"
            },
            new String[] {
                "a replaced Object extension",
                "String(({ a: 1 }).keys())",
                "Object.prototype.keys = function () { return [s]; }"
            },
            new String[] {
                "the accessor of an Object extension",
                "String(Object.getOwnPropertyDescriptor(Object.prototype, 'values').get().leak)",
                "Object.getOwnPropertyDescriptor(Object.prototype, 'values').get().leak = s"
            },
            new String[] {
                "an own property named as an extension",
                "String(({}).values)",
                "(() => { const o = {}; o.values = s; })()"
            },
            new String[] {
                "a replaced DateTime extension",
                "$now.format('yyyy')",
                "DateTime.prototype.format = function () { return s; }"
            },
            new String[] {"a DateTime extension", "$now.format.leak", "$now.format.leak = s"},
            new String[] {"the DateTime plus with a unit", "$now.plus.leak", "$now.plus.leak = s"});

    /** The probe: "saw <channel>" for each secret an earlier call left, "kept <channel>" for each write that held. */
    private static String probe(List<String[]> channels) {
        StringBuilder js = new StringBuilder("(() => { const s = $json.secret, out = []; ");
        for (String[] c : channels) {
            js.append("try { const v = ")
                    .append(c[1])
                    .append("; if (String(v).indexOf('secret-') >= 0) out.push('saw ")
                    .append(c[0])
                    .append("'); } catch (e) { } ");
            js.append("try { ")
                    .append(c[2])
                    .append("; const v = ")
                    .append(c[1])
                    .append("; if (v === s && ")
                    .append(c[0].startsWith("RegExp") ? "false" : "true")
                    .append(") out.push('kept ")
                    .append(c[0])
                    .append("'); } catch (e) { } ");
        }
        String code = js.append("return out.join(', '); })()").toString();
        assertThat(code).doesNotContain("}}"); // it sits inside {{ }}
        return "={{ " + code + " }}";
    }

    private static List<Expressions.Resolved> run(ObjectNode params, String... secrets) {
        List<Item> items = java.util.Arrays.stream(secrets)
                .map(s -> Item.start(Json.MAPPER.createObjectNode().put("secret", s)))
                .toList();
        return new Expressions(js, SandboxLimits.DEFAULTS).resolve(params, items, Map.of());
    }

    @Test
    void nothingOneCallDoesReachesALaterCallOnTheSameContext() {
        assertProbeFindsNothingOverRunsOnAKeptContext(probe(CHANNELS));
    }

    @Test
    void nothingOneCallDoesToLuxonReachesALaterCallOnTheSameContext() {
        assertProbeFindsNothingOverRunsOnAKeptContext(probe(LUXON_CHANNELS));
    }

    @Test
    void nothingOneCallDoesToTheExtensionFunctionsReachesALaterCallOnTheSameContext() {
        String probe = probe(EXTENSION_CHANNELS);
        assertThat(Extensions.usedBy(List.of(probe))).isTrue();
        assertProbeFindsNothingOverRunsOnAKeptContext(probe);
    }

    /** Runs {@code probe} over two items, then two later runs that a kept context serves: it finds nothing. */
    private static void assertProbeFindsNothingOverRunsOnAKeptContext(String probe) {
        ObjectNode params = Json.MAPPER.createObjectNode().put("probe", probe);
        long reusedBefore = Expressions.pool(js).reused();
        for (List<Expressions.Resolved> run :
                List.of(run(params, "secret-1", "secret-2"), run(params, "secret-3"), run(params, "secret-4"))) {
            for (Expressions.Resolved r : run) {
                assertThat(r.failure()).isNull();
                assertThat(r.params().path("probe").asText())
                        .as("what the probe found")
                        .isEmpty();
            }
        }
        assertThat(Expressions.pool(js).reused() - reusedBefore)
                .as("later runs were served by a kept context")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void ordinaryExpressionsStillWorkInTheLockedDownRealm() {
        ObjectNode params = Json.MAPPER
                .createObjectNode()
                .put("upper", "={{ $json.secret.toUpperCase() }}")
                .put("sorted", "={{ [3, 1, 2].sort().join('-') }}")
                .put("own", "={{ (() => { const o = { a: 1 }; o.toString = () => 'mine'; return String(o); })() }}")
                .put("error", "={{ (() => { const e = new Error('x'); e.message = 'changed'; return e.message; })() }}")
                .put("date", "={{ typeof $now.toISO() }}")
                .put("luxon", "={{ DateTime.fromISO('2024-05-01T10:00:00Z').toUTC().plus({ days: 1 }).toISO() }}")
                .put("match", "={{ 'a-1'.match(/a-([0-9])/)[1] }}");
        for (int round = 0; round < 2; round++) {
            Expressions.Resolved r = run(params, "secret-x").get(0);
            assertThat(r.failure()).isNull();
            assertThat(r.params().path("upper").asText()).isEqualTo("SECRET-X");
            assertThat(r.params().path("sorted").asText()).isEqualTo("1-2-3");
            assertThat(r.params().path("own").asText()).isEqualTo("mine");
            assertThat(r.params().path("error").asText()).isEqualTo("changed");
            assertThat(r.params().path("date").asText()).isEqualTo("string");
            assertThat(r.params().path("luxon").asText()).isEqualTo("2024-05-02T10:00:00.000Z");
            assertThat(r.params().path("match").asText()).isEqualTo("1");
        }
    }
}
