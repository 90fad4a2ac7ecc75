package io.nlink.workflow.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.js.JsEngine;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * n8n-style expressions in node parameters: a string that starts with "=" is a template whose
 * {@code {{ … }}} parts are JavaScript, evaluated once per item with {@code $json} (the item),
 * {@code $index}, {@code $input}, and other nodes' items as {@link References} offers them
 * ({@code $("Name").item} is the item of Name the current item descends from). A template that is exactly one {@code {{ … }}} keeps the value's type; otherwise
 * the parts are joined as text.
 *
 * <p>Evaluation happens in the JavaScript sandbox the execution.js fallback uses — one context per
 * node run, the expressions compiled once — never on the host: an expression is code from the
 * workflow's author and gets no more power than a node.
 */
public final class Expressions {
    private final JsEngine js;
    private final SandboxLimits limits;

    public Expressions(JsEngine js, SandboxLimits limits) {
        this.js = js;
        this.limits = limits;
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
        List<Slot> slots = new ArrayList<>();
        collect(params, List.of(), slots);
        List<Resolved> resolved = new ArrayList<>(items.size());
        if (slots.isEmpty()) {
            for (int i = 0; i < items.size(); i++) resolved.add(new Resolved(params, null));
            return resolved;
        }
        List<String> code = new ArrayList<>();
        for (Slot slot : slots) code.addAll(slot.template().codes());
        References references = new References(code, history);
        try (BatchRunner batch = new BatchRunner(js.load(script(code)), limits, Json.MAPPER.createObjectNode(), BatchOptions.DEFAULTS)) {
            for (int i = 0; i < items.size(); i++) {
                ItemResult result = batch.next(references.context(items, i), items.get(i).json());
                resolved.add(result.ok()
                        ? fill(params, slots, result.items().get(0).path("values"))
                        : new Resolved(null, new Failure(slots.get(0).path(), slots.get(0).template().source(),
                                "the expressions could not be evaluated: " + result.failure().message())));
            }
        }
        return resolved;
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
                    return new Resolved(null, new Failure(slot.path(), code, v == null ? "no value" : v.path("error").asText()));
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
    private static String script(List<String> codes) {
        return """
                const __codes = %s;
                const __fns = __codes.map(function (code) {
                  try { return new Function('$json', '$index', '$node', '$', '$input', '$now', '$today', '"use strict"; return (' + code + '\\n);'); }
                  catch (e) { return e; }
                });
                function execute_node(input) {
                  const $json = input.$json, $index = input.params.index, refs = __references(input.params, $json);
                  const $node = refs.$node, $ = refs.$, $input = refs.$input, $now = __now(), $today = __today();
                  return [{ json: { values: __fns.map(function (f) {
                    if (f instanceof Error) return { error: String(f) };
                    try { const v = f($json, $index, $node, $, $input, $now, $today); return { value: v === undefined ? null : v }; }
                    catch (e) { return { error: String(e && e.message !== undefined ? e.message : e) }; }
                  }) } }];
                }
                """.formatted(Json.write(codes)) + References.JS;
    }
}
