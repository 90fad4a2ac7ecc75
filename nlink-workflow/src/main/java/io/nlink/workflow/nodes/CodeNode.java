package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import io.nlink.workflow.expr.Luxon;
import io.nlink.workflow.expr.References;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Code (n8n-nodes-base.code), JavaScript only, in the sandbox the execution.js fallback uses (no
 * host, files, network, environment or threads; a time bound per call).
 * <ul>
 *   <li>{@code mode: "runOnceForAllItems"} (the default): {@code jsCode} runs once with
 *       {@code $input.all()} / {@code items} (each {@code {json}}) and returns a list of items.
 *   <li>{@code mode: "runOnceForEachItem"}: it runs per item with {@code $json}, {@code $index},
 *       {@code $input.item} and returns one item (or null to drop it).
 * </ul>
 * Items may be returned as {@code {json: {...}, pairedItem}} or as plain objects. {@code $node},
 * {@code $("Name")} and {@code $input} are as in expressions ({@link References}).
 */
final class CodeNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        String language = run.parameters().path("language").asText("javaScript");
        if (!language.equals("javaScript")) {
            throw new NodeFailedException(
                    "language \"" + language + "\" is not supported by nLink's Code node; use javaScript");
        }
        boolean perItem =
                run.parameters().path("mode").asText("runOnceForAllItems").equals("runOnceForEachItem");
        // n8n leaves a parameter at its default out of an export: a Code node exported without
        // jsCode runs the code n8n puts in a new node.
        String code = run.parameters().path("jsCode").asText(perItem ? DEFAULT_EACH_ITEM : DEFAULT_ALL_ITEMS);
        return run(run, code, perItem);
    }

    /** What a new Code node does in n8n, once for all items: adds myNewField = 1 to each. */
    static final String DEFAULT_ALL_ITEMS = """
            for (const item of $input.all()) {
              item.json.myNewField = 1;
            }
            return $input.all();
            """;

    /** The same, once for each item. */
    static final String DEFAULT_EACH_ITEM = """
            $input.item.json.myNewField = 1;
            return $input.item;
            """;

    /** Runs {@code code} over the node's first input; the Function and Function Item nodes share this. */
    static List<List<Item>> run(NodeRun run, String code, boolean perItem) throws NodeFailedException {
        List<Item> items = run.input(0);
        List<List<Item>> outputs = run.outputs(1);
        References references =
                new References(List.of(code), run.history(), run.contexts(), run.timezone(), run.facts());
        run.runtime("js");
        try (BatchRunner batch = new BatchRunner(
                run.services().js().load(script(code, perItem)),
                run.limits(),
                Json.MAPPER.createObjectNode(),
                BatchOptions.DEFAULTS,
                run.cancellation())) { // a stop ends the script under way
            if (perItem) {
                for (int i = 0; i < items.size(); i++) {
                    ItemResult result = settled(
                            batch,
                            batch.next(
                                    references.context(items, i), items.get(i).json()));
                    run.log(result.stdout());
                    run.log(result.stderr());
                    if (!result.ok()) {
                        run.stopIfCanceled(result.failure());
                        run.itemFailed(
                                outputs,
                                i,
                                items.get(i),
                                message(result.failure().message()));
                        continue;
                    }
                    // Whatever an item's code returns descends from that item.
                    for (JsonNode returned : result.items())
                        outputs.get(0).add(run.item(returned.path("json"), items.get(i)));
                }
            } else {
                ItemResult result =
                        settled(batch, batch.next(references.context(items, -1), Json.MAPPER.createObjectNode()));
                run.log(result.stdout());
                run.log(result.stderr());
                if (!result.ok()) {
                    run.stopIfCanceled(result.failure());
                    if (run.node().onError() == io.nlink.workflow.Workflow.OnError.STOP_WORKFLOW || items.isEmpty())
                        throw new NodeFailedException(message(result.failure().message()));
                    // One run for all items failed: with onError set to go on, its error goes on as one item, as n8n's.
                    run.itemFailed(
                            outputs, 0, items.get(0), message(result.failure().message()));
                    return outputs;
                }
                outputs.get(0).addAll(linked(run, items, result.items()));
            }
        }
        return outputs;
    }

    /** Timers a promise may wait for before the code counts as never settling. */
    static final int MAX_SETTLE_ROUNDS = 1_000;

    private static final com.fasterxml.jackson.databind.node.ObjectNode SETTLE =
            Json.MAPPER.createObjectNode().put("settle", true);

    /**
     * The items of a call whose code returned a promise (n8n awaits what the code returns, and
     * {@code await} works at its top level): each further call fires the next timer the code set
     * ({@code setTimeout}), on a clock of its own rather than the wall's, until the promise has
     * settled. Promise reactions run between calls, when the sandbox's call returns.
     */
    private static ItemResult settled(BatchRunner batch, ItemResult result) throws NodeFailedException {
        for (int round = 0; result.ok() && pending(result); round++) {
            if (round == MAX_SETTLE_ROUNDS)
                throw new NodeFailedException("the code's promise was still pending after " + MAX_SETTLE_ROUNDS
                        + " timers; resolve it, or stop setting new timers (setTimeout) while it waits");
            result = batch.next(SETTLE, Json.MAPPER.createObjectNode());
        }
        return result;
    }

    /** The wrapper's answer while the code's promise is pending: one item without {@code json} inside. */
    private static boolean pending(ItemResult result) {
        if (result.items().size() != 1) return false;
        JsonNode only = result.items().get(0);
        return only.path("pending").asBoolean() && !only.has("json");
    }

    /**
     * The items all-items code returned, linked to input items as n8n does: by the
     * {@code pairedItem} the code gave (an index, {@code {item}}, or a list of them); else,
     * automatically, all to the one input item; else to the input items returned unchanged;
     * else, as many out as in, by position. Items made up from nothing stay unlinked.
     */
    private static List<Item> linked(NodeRun run, List<Item> inputs, List<JsonNode> returned) {
        List<JsonNode> jsons = returned.stream().map(r -> r.path("json")).toList();
        List<List<Item>> links = new ArrayList<>();
        boolean explicit = returned.stream()
                .anyMatch(r -> !r.path("paired").isNull() && !r.path("paired").isMissingNode());
        if (explicit) {
            for (JsonNode r : returned) links.add(pairedItem(r.path("paired"), inputs));
        } else if (inputs.size() == 1) {
            jsons.forEach(j -> links.add(List.of(inputs.get(0))));
        } else {
            Map<JsonNode, ArrayDeque<Item>> unchanged = new HashMap<>();
            for (Item in : inputs)
                unchanged.computeIfAbsent(in.json(), k -> new ArrayDeque<>()).add(in);
            int found = 0;
            for (JsonNode j : jsons) {
                ArrayDeque<Item> same = unchanged.get(j);
                Item match = same == null ? null : same.poll();
                if (match != null) found++;
                links.add(match == null ? List.of() : List.of(match));
            }
            if (found < jsons.size() && jsons.size() == inputs.size()) {
                for (int i = 0; i < jsons.size(); i++) links.set(i, List.of(inputs.get(i)));
            }
        }
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < jsons.size(); i++) out.add(run.item(jsons.get(i), links.get(i)));
        return out;
    }

    private static List<Item> pairedItem(JsonNode paired, List<Item> inputs) {
        List<Item> out = new ArrayList<>();
        for (JsonNode p : paired.isArray() ? paired : List.of(paired)) {
            JsonNode index = p.isObject() ? p.path("item") : p;
            if (index.canConvertToInt() && index.asInt() >= 0 && index.asInt() < inputs.size())
                out.add(inputs.get(index.asInt()));
        }
        return out;
    }

    private static final Pattern AWAITS = Pattern.compile("\\bawait\\b");

    private static final Pattern SCRIPT_LINE = Pattern.compile("execution\\.js:(\\d+)");

    /** Errors name lines of the user's code, not of the wrapper around it. */
    private static String message(String failure) {
        Matcher m = SCRIPT_LINE.matcher(failure);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, "code line " + Math.max(1, Integer.parseInt(m.group(1)) - 1));
        m.appendTail(out);
        return out.toString().replace("execution.js", "the code");
    }

    /**
     * The user's code first (line 2 of the script is its line 1), then the execute_node wrapper.
     * Each returned item reaches the host as {@code {json, paired}}: its data and the
     * {@code pairedItem} the code gave it, if any.
     */
    private static String script(String code, boolean perItem) {
        // The code sits in a block of its own, so it may declare names the wrapper passes in (const items =
        // $input.all()).
        // Code that awaits runs as n8n runs all code, in an async function; other code gets no promise to settle.
        String kind = AWAITS.matcher(code).find() ? "async function" : "function";
        return kind
                + " __user($input, items, $json, $index, item, $node, $, $now, $today, $workflow, $execution, $runIndex,"
                + " $prevNode, $nodeVersion, $mode) { {\n" + code + "\n} }\n"
                + """
                function __items(r, perItem) {
                  if (r === undefined || r === null) return [];
                  if (!Array.isArray(r)) r = [r];
                  // n8n's own words, so that an error output holds what n8n's would.
                  for (let i = 0; i < r.length; i++) {
                    const x = r[i];
                    if (x !== null && typeof x === 'object' && 'json' in x && (x.json === null || typeof x.json !== 'object' || Array.isArray(x.json)))
                      return { error: "A 'json' property isn't an object [item " + i + "]" };
                  }
                  return r.map(function (x, i) {
                    if (x === null || typeof x !== 'object' || Array.isArray(x)) {
                      throw new TypeError('the code returned ' + (Array.isArray(x) ? 'an array' : typeof x) + ' as item ' + i + '; return objects or {json: object}');
                    }
                    const wrapped = x.json !== null && typeof x.json === 'object' && !Array.isArray(x.json);
                    return { json: { json: wrapped ? x.json : x, paired: wrapped && x.pairedItem !== undefined ? x.pairedItem : null } };
                  });
                }
                let __settling = null, __clock = 0, __timerCount = 0;
                const __timers = [];
                function setTimeout(fn, ms) {
                  if (typeof fn !== 'function') throw new TypeError('setTimeout: the callback must be a function');
                  const args = Array.prototype.slice.call(arguments, 2), id = ++__timerCount;
                  __timers.push({ id: id, at: __clock + Math.max(0, Number(ms) || 0), fn: fn, args: args });
                  return id;
                }
                function clearTimeout(id) {
                  const at = __timers.findIndex(function (t) { return t.id === id; });
                  if (at >= 0) __timers.splice(at, 1);
                }
                function __await(r) {
                  if (r === null || (typeof r !== 'object' && typeof r !== 'function') || typeof r.then !== 'function') return __items(r);
                  const s = __settling = { done: false };
                  Promise.resolve(r).then(function (v) { s.done = true; s.value = v; }, function (e) { s.done = true; s.failed = true; s.error = e; });
                  return [{ json: { pending: true } }];
                }
                function __settle() {
                  const s = __settling;
                  if (s === null) throw new Error('nothing is pending');
                  if (s.done) {
                    __settling = null;
                    if (s.failed) throw s.error;
                    return __items(s.value);
                  }
                  if (__timers.length === 0) throw new Error('the code returned a promise that never settles: nothing is left for it to wait for');
                  __timers.sort(function (a, b) { return a.at - b.at || a.id - b.id; });
                  const t = __timers.shift();
                  __clock = t.at;
                  t.fn.apply(undefined, t.args);
                  return [{ json: { pending: true } }];
                }
                """ + References.JS + Luxon.script(Luxon.usedBy(List.of(code))) + """
                function execute_node(input) {
                  if (input.params.settle) return __settle();
                  __settling = null; __timers.length = 0; __clock = 0;
                  const refs = __references(input.params, input.$json), $node = refs.$node, $ = refs.$, $input = refs.$input;
                  const dates = __dates(input.params.zone);
                """ + (perItem ? """
                  const item = $input.item;
                  return __await(__user($input, [item], input.$json, input.params.index, item, $node, $, dates.now, dates.today,
                    refs.$workflow, refs.$execution, refs.$runIndex, refs.$prevNode, refs.$nodeVersion, refs.$mode));
                }
                """ : """
                  const items = $input.all();
                  $input.all = function () { return items; };
                  $input.first = function () { return items[0]; };
                  $input.last = function () { return items[items.length - 1]; };
                  // As n8n's all-items mode, $json is the first item's (its data proxy is made for item 0).
                  return __await(__user($input, items, items.length ? items[0].json : undefined, 0, undefined, $node, $, dates.now, dates.today,
                    refs.$workflow, refs.$execution, refs.$runIndex, refs.$prevNode, refs.$nodeVersion, refs.$mode));
                }
                """);
    }
}
