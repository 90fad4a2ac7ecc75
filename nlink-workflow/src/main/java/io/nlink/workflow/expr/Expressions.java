package io.nlink.workflow.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.Cancellation;
import io.nlink.runtime.ItemCodec;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.JavaScript;
import io.nlink.runtime.SandboxException;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * n8n-style expressions in node parameters: a string that starts with "=" is a template whose
 * {@code {{ … }}} parts are JavaScript, evaluated once per item with {@code $json} (the item),
 * {@code $index}, {@code $input}, other nodes' items as {@link References} offers them
 * ({@code $("Name").item} is the item of Name the current item descends from), and dates as
 * {@link Luxon} offers them ({@code $now}, {@code $today}, {@code DateTime}). A template that is exactly one {@code {{ … }}} keeps the value's type; otherwise
 * the parts are joined as text.
 *
 * <p>Evaluation happens in the JavaScript sandbox the execution.js fallback uses — one context per
 * node run, the expressions compiled once per context — never on the host: an expression is code
 * from the workflow's author and gets no more power than a node. The context's realm is locked
 * down before any expression runs (every object an expression can reach is frozen, RegExp's
 * legacy match statics are gone), so that a context can serve the next run of the same
 * expressions ({@link EvaluatorPool}) with nothing of this run left in it: an expression cannot
 * keep state, not even from one item to the next, and assigning to a built-in fails as it does
 * on any frozen object. Luxon, which keeps caches freezing cannot reach, is seen only through
 * read-only views ({@link Luxon}).
 */
public final class Expressions {
    private final JavaScript js;
    private final SandboxLimits limits;
    private final Cancellation cancellation;

    /** The evaluators of each engine; they go with it. */
    private static final java.util.Map<JavaScript, EvaluatorPool> POOLS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** The evaluators kept for {@code js}'s expressions. */
    static EvaluatorPool pool(JavaScript js) {
        return POOLS.computeIfAbsent(js, engine -> new EvaluatorPool());
    }

    public Expressions(JavaScript js, SandboxLimits limits) {
        this(js, limits, Cancellation.NEVER);
    }

    /**
     * Expressions whose evaluation {@code cancellation} cuts short (a workflow run's stop): the
     * evaluation under way ends at once, and every item after it fails without running.
     */
    public Expressions(JavaScript js, SandboxLimits limits, Cancellation cancellation) {
        this.js = js;
        this.limits = limits;
        this.cancellation = cancellation;
    }

    /** Why one item's parameters could not be worked out: the parameter, the expression, the error. */
    public record Failure(String parameter, String expression, String error) {
        public String message() {
            return "parameter " + parameter + ": the expression {{ " + expression.strip() + " }} failed: " + error;
        }
    }

    /** One item's parameters: resolved, or the first expression that failed. */
    public record Resolved(ObjectNode params, Failure failure) {}

    /**
     * Resolves {@code params} for each of {@code items}.
     *
     * @param history each node that ran before, with its outputs, in run order
     */
    public List<Resolved> resolve(ObjectNode params, List<Item> items, Map<String, List<List<Item>>> history) {
        return resolve(params, items, history, Map.of(), java.time.ZoneId.systemDefault());
    }

    /**
     * As {@link #resolve(ObjectNode, List, Map)}, with nodes' contexts ({@link References}) by name
     * and the workflow's time zone ({@code $now}, {@code $today}, Luxon's default zone).
     */
    public List<Resolved> resolve(
            ObjectNode params,
            List<Item> items,
            Map<String, List<List<Item>>> history,
            Map<String, ? extends JsonNode> contexts,
            java.time.ZoneId zone) {
        return resolve(params, items, history, contexts, zone, Json.MAPPER.createObjectNode());
    }

    /**
     * As {@link #resolve(ObjectNode, List, Map, Map, java.time.ZoneId)}, with what expressions read
     * of the run ({@code $workflow}, {@code $execution}, {@code $runIndex}, {@code $prevNode},
     * {@code $nodeVersion}: {@link References}).
     */
    public List<Resolved> resolve(
            ObjectNode params,
            List<Item> items,
            Map<String, List<List<Item>>> history,
            Map<String, ? extends JsonNode> contexts,
            java.time.ZoneId zone,
            JsonNode facts) {
        List<Slot> slots = new ArrayList<>();
        collect(params, List.of(), slots);
        List<Resolved> resolved = new ArrayList<>(items.size());
        if (slots.isEmpty()) {
            for (int i = 0; i < items.size(); i++) resolved.add(new Resolved(params, null));
            return resolved;
        }
        List<String> code = new ArrayList<>();
        for (Slot slot : slots) code.addAll(slot.template().codes());
        References references = new References(code, history, contexts, zone, facts);
        EvaluatorPool pool = pool(js);
        boolean extended = Extensions.usedBy(code);
        io.nlink.runtime.NodeExecutable evaluatorScript =
                js.load(script(code, Luxon.usedBy(code) || extended && Extensions.needsDates(code), extended));
        EvaluatorPool.Lease evaluator = null;
        try {
            for (int i = 0; i < items.size(); i++) {
                if (cancellation.isCanceled()) { // no evaluator is started only to refuse the items
                    for (int j = i; j < items.size(); j++)
                        resolved.add(failed(slots, "canceled (" + cancellation.reason() + ")"));
                    break;
                }
                if (evaluator == null
                        || !evaluator.instance
                                .usable()) { // a limit discarded the last one: the next item gets a new one
                    if (evaluator != null) evaluator.close();
                    evaluator = null;
                    try {
                        evaluator = pool.take(evaluatorScript, limits);
                    } catch (SandboxException e) {
                        for (int j = i; j < items.size(); j++)
                            resolved.add(failed(slots, e.failure().message()));
                        break; // it would fail again, slowly
                    }
                }
                ItemResult result = evaluator.instance.call(
                        i,
                        ItemCodec.encodeContext(
                                references.context(items, i), items.get(i).json()),
                        cancellation);
                resolved.add(
                        result.ok()
                                ? fill(params, slots, result.items().get(0).path("values"))
                                : failed(slots, result.failure().message()));
            }
        } finally {
            if (evaluator != null) evaluator.close();
        }
        return resolved;
    }

    private static Resolved failed(List<Slot> slots, String why) {
        return new Resolved(
                null,
                new Failure(
                        slots.get(0).path(),
                        slots.get(0).template().source(),
                        "the expressions could not be evaluated: " + why));
    }

    /** @param steps the way from the parameters' root to the template: keys and array indexes */
    private record Slot(List<Object> steps, Template template) {
        String path() {
            StringBuilder out = new StringBuilder();
            for (Object step : steps) {
                if (step instanceof Integer i) out.append('[').append(i).append(']');
                else out.append(out.isEmpty() ? "" : ".").append(step);
            }
            return out.toString();
        }
    }

    private static void collect(JsonNode node, List<Object> steps, List<Slot> slots) {
        if (node.isTextual() && node.asText().startsWith("=")) {
            slots.add(new Slot(List.copyOf(steps), Template.parse(node.asText().substring(1))));
        } else if (node.isObject()) {
            node.properties().forEach(e -> collect(e.getValue(), append(steps, e.getKey()), slots));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) collect(node.get(i), append(steps, i), slots);
        }
    }

    private static List<Object> append(List<Object> steps, Object step) {
        List<Object> longer = new ArrayList<>(steps);
        longer.add(step);
        return longer;
    }

    /** Puts the evaluated values back into a copy of the parameters, in the order they were collected. */
    private static Resolved fill(ObjectNode params, List<Slot> slots, JsonNode values) {
        ObjectNode copy = params.deepCopy();
        int[] next = {0};
        for (Slot slot : slots) {
            List<JsonNode> parts = new ArrayList<>();
            for (int i = 0; i < slot.template().codes().size(); i++) {
                JsonNode v = values.get(next[0]++);
                if (v == null || v.has("error")) {
                    String code = slot.template().codes().get(i);
                    return new Resolved(
                            null,
                            new Failure(
                                    slot.path(),
                                    code,
                                    v == null ? "no value" : v.path("error").asText()));
                }
                parts.add(v.get("value"));
            }
            JsonNode value = slot.template().render(parts);
            replace(copy, slot.steps(), value);
        }
        return new Resolved(copy, null);
    }

    private static void replace(ObjectNode root, List<Object> steps, JsonNode value) {
        JsonNode parent = root;
        for (int i = 0; i < steps.size() - 1; i++) {
            Object step = steps.get(i);
            parent = step instanceof Integer index ? parent.get(index) : parent.get((String) step);
        }
        Object leaf = steps.get(steps.size() - 1);
        if (leaf instanceof Integer index) ((ArrayNode) parent).set(index, value);
        else ((ObjectNode) parent).set((String) leaf, value);
    }

    /**
     * The evaluator: each expression compiled once into its own function, so a syntax error in one
     * is reported for that one; each item's call returns every value or error in order.
     */
    private static String script(List<String> codes, boolean dates, boolean extended) {
        return """
                const __codes = %s;
                const __fns = __codes.map(function (code) {
                  try { return new Function('$json', '$index', '$node', '$', '$input', '$now', '$today', '$workflow', '$execution',
                    '$runIndex', '$prevNode', '$itemIndex', '$nodeVersion', '$mode', '"use strict"; return (' + code + '\\n);'); }
                  catch (e) { return e; }
                });
                function execute_node(input) {
                  const $json = input.$json, $index = input.params.index, refs = __references(input.params, $json);
                  const $node = refs.$node, $ = refs.$, $input = refs.$input, dates = __dates(input.params.zone), $now = dates.now, $today = dates.today;
                  return [{ json: { values: __fns.map(function (f) {
                    if (f instanceof Error) return { error: String(f) };
                    try {
                      const v = f($json, $index, $node, $, $input, $now, $today, refs.$workflow, refs.$execution, refs.$runIndex,
                        refs.$prevNode, $index, refs.$nodeVersion, refs.$mode);
                      return { value: v === undefined ? null : v };
                    }
                    catch (e) { return { error: String(e && e.message !== undefined ? e.message : e) }; }
                  }) } }];
                }
                """.formatted(Json.write(codes))
                + References.JS
                + Luxon.script(dates, extended)
                + (extended ? Extensions.SCRIPT : "")
                + LOCKDOWN;
    }

    /**
     * Run last, before any expression: freezes every object an expression can reach — the global
     * object, the built-ins and their prototypes (those only syntax reaches too), the evaluator's
     * own functions — and deletes RegExp's legacy statics (RegExp.$1, lastMatch, …: realm state
     * that freezing cannot reach), so that nothing one call does is visible to a later one. An
     * object that inherits a frozen method may still get its own ({@code o.toString = f}), as in a
     * realm that was never frozen.
     */
    private static final String LOCKDOWN = """
            (function () {
              'use strict';
              const overridable = ['constructor', 'toString', 'toLocaleString', 'valueOf', 'toJSON', 'name', 'message', 'then',
                'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable'];
              const roots = [globalThis, __codes, __fns];
              const reach = function (f) { try { roots.push(Object.getPrototypeOf(f())); } catch (e) { /* not in this engine */ } };
              reach(function () { return function* () {}; });
              reach(function () { return async function () {}; });
              reach(function () { return async function* () {}; });
              reach(function () { return (async function* () {})(); });
              reach(function () { return (function* () {})(); });
              reach(function () { return [][Symbol.iterator](); });
              reach(function () { return new Map()[Symbol.iterator](); });
              reach(function () { return new Set()[Symbol.iterator](); });
              reach(function () { return ''[Symbol.iterator](); });
              reach(function () { return 'a'.matchAll(/a/g); });
              reach(function () { return [].values().map(function (x) { return x; }); });
              reach(function () { return Iterator.from({ next: function () { return { done: true }; } }); });
              reach(function () { return new Intl.Segmenter().segment('a'); });
              reach(function () { return new Intl.Segmenter().segment('a')[Symbol.iterator](); });
              reach(function () { return (function () { return arguments; })(); });
              roots.push(Object.getOwnPropertyDescriptor((function () { 'use strict'; return arguments; })(), 'callee').get);
              for (const key of Reflect.ownKeys(RegExp)) {
                if (typeof key === 'string' && /^(\\$.*|input|lastMatch|lastParen|leftContext|rightContext)$/.test(key)) delete RegExp[key];
              }
              const seen = new Set();
              while (roots.length > 0) {
                const o = roots.pop();
                if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
                seen.add(o);
                for (const key of Reflect.ownKeys(o)) {
                  const d = Reflect.getOwnPropertyDescriptor(o, key);
                  if ('value' in d) {
                    roots.push(d.value);
                    if (d.writable && d.configurable && overridable.indexOf(key) >= 0) {
                      const value = d.value, owner = o;
                      // Method shorthand: accessors without a prototype object of their own to freeze.
                      Object.defineProperty(o, key, { enumerable: d.enumerable, configurable: false,
                        get() { return value; },
                        set(v) {
                          if (this === owner) throw new TypeError('Cannot assign to read only property \\'' + String(key) + '\\' of a built-in');
                          Object.defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
                        } });
                      roots.push(Object.getOwnPropertyDescriptor(o, key).get, Object.getOwnPropertyDescriptor(o, key).set);
                    }
                  } else {
                    roots.push(d.get, d.set);
                    try { roots.push(Reflect.get(o, key)); } catch (e) { /* a getter that needs an instance */ }
                  }
                }
                roots.push(Object.getPrototypeOf(o));
                Object.freeze(o);
              }
            })();
            """;
}
