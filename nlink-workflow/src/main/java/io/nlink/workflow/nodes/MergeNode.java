package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merge (n8n-nodes-base.merge), its inputs into one output: two, or Merge 3's
 * {@code numberInputs} (append, combine by position and choose branch use them all).
 * <ul>
 *   <li>{@code mode: "append"} (the default): input 1's items, then input 2's, and so on.
 *   <li>{@code mode: "chooseBranch"}: the items of input {@code useDataOfInput}, or one empty item.
 *   <li>by key — version 3: {@code mode: "combine"}, {@code combineBy: "combineByFields"},
 *       {@code fieldsToMatchString: "id"} (or "a, b") and {@code joinMode}: keepMatches (the
 *       default), enrichInput1, enrichInput2, keepEverything; versions 1-2: {@code mode:
 *       "mergeByKey"} with {@code propertyName1}/{@code propertyName2} (enrich input 1). Version 2:
 *       {@code mode: "combine"}, {@code combinationMode: "mergeByFields"} (the default),
 *       {@code mergeByFields.values[{field1, field2}]}. Both: {@code joinMode} keepNonMatches too
 *       (with {@code _source} when from both), {@code outputDataFrom} both / input1 / input2.
 *       Matched items merge as {@code options.clashHandling} says ({@link Clash}).
 *   <li>by position: {@code combineBy: "combineByPosition"} (v3), {@code combinationMode:
 *       "mergeByPosition"} (v2) or {@code mode: "mergeByIndex"} (v1).
 *   <li>every pair: {@code combineBy: "combineAll"} (v3) or {@code combinationMode: "multiplex"}
 *       (v2): each item of input 1 merged with each of input 2 (each of input 2 with each of
 *       input 1 when input 1's values win, as n8n orders them).
 * </ul>
 */
final class MergeNode implements NodeType {
    @Override
    public boolean runsWithAnyInput() {
        return true;
    }

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        List<Item> one = run.input(0), two = run.input(1);
        String mode = p.path("mode").asText("append");
        List<Item> out;
        int inputs = inputCount(run);
        if (mode.equals("append")) {
            out = new ArrayList<>();
            for (int i = 0; i < inputs; i++) for (Item item : run.input(i)) out.add(run.item(item.json(), item));
        } else if (mode.equals("chooseBranch")) {
            out = chosen(run, p, inputs);
        } else if (mode.equals("combine") && combineBy(p).equals("combineByFields")) {
            List<List<String>> keys = matchFields(p);
            if (run.node().typeVersion() < 2.1) {
                present(one, keys.get(0), "Input 1");
                present(two, keys.get(1), "Input 2");
            }
            String join = p.path("joinMode").asText("keepMatches"),
                    from = p.path("outputDataFrom").asText("both");
            if (one.isEmpty() || two.isEmpty()) return List.of(withAnEmptyInput(run, one, two, join, from));
            out = byKey(run, one, keys.get(0), two, keys.get(1), join, from, Clash.of(p));
        } else if (mode.equals("mergeByKey")) {
            out = byKey(
                    run,
                    one,
                    List.of(p.path("propertyName1").asText()),
                    two,
                    List.of(p.path("propertyName2").asText()),
                    "enrichInput1",
                    "both",
                    Clash.PREFER_LAST_SHALLOW);
        } else if ((mode.equals("combine") && combineBy(p).equals("combineByPosition"))
                || mode.equals("mergeByIndex")) {
            out = byPosition(
                    run,
                    inputs,
                    p.path("options").path("includeUnpaired").asBoolean(false),
                    mode.equals("mergeByIndex") ? Clash.PREFER_LAST_SHALLOW : Clash.of(p));
        } else if (mode.equals("combine") && combineBy(p).equals("combineAll")) {
            out = new ArrayList<>();
            Clash clash = Clash.of(p);
            // n8n swaps the inputs to let input 1 win, which also turns the order of the pairs.
            boolean swapped = clash.resolve().equals("preferInput1");
            for (Item outer : swapped ? two : one)
                for (Item inner : swapped ? one : two) {
                    List<Item> pair = swapped ? List.of(inner, outer) : List.of(outer, inner);
                    out.add(run.item(clash.merge(pair, List.of(0, 1)), pair));
                }
        } else {
            throw new NodeFailedException(
                    "the Merge mode \"" + mode + "\""
                            + (mode.equals("combine") ? " by " + combineBy(p) : "")
                            + " is not supported; use append, combine by fields, by position or all pairs, chooseBranch, mergeByKey or mergeByIndex");
        }
        return List.of(out);
    }

    /**
     * How many inputs the node has: Merge 3's {@code numberInputs} (2 by default), or more when
     * connections reach further — an input that is wired is never dropped.
     */
    private static int inputCount(NodeRun run) {
        return Math.max(Math.max(2, run.parameters().path("numberInputs").asInt(2)), run.inputCount());
    }

    /** Items at the same position in every input merged into one, clashes resolved as {@code clash} says. */
    private static List<Item> byPosition(NodeRun run, int inputs, boolean includeUnpaired, Clash clash) {
        int shortest = Integer.MAX_VALUE, longest = 0;
        for (int i = 0; i < inputs; i++) {
            shortest = Math.min(shortest, run.input(i).size());
            longest = Math.max(longest, run.input(i).size());
        }
        List<Item> out = new ArrayList<>();
        for (int at = 0; at < (includeUnpaired ? longest : shortest); at++) {
            List<Item> from = new ArrayList<>();
            List<Integer> inputOf = new ArrayList<>();
            for (int i = 0; i < inputs; i++) {
                if (at >= run.input(i).size()) continue;
                from.add(run.input(i).get(at));
                inputOf.add(i);
            }
            out.add(run.item(clash.merge(from, inputOf), from));
        }
        return out;
    }

    /** Version 3's {@code combineBy}, or version 2's {@code combinationMode} in its words. */
    private static String combineBy(JsonNode p) {
        if (p.has("combineBy")) return p.path("combineBy").asText();
        return switch (p.path("combinationMode").asText("mergeByFields")) {
            case "mergeByFields" -> "combineByFields";
            case "mergeByPosition" -> "combineByPosition";
            case "multiplex" -> "combineAll";
            default -> p.path("combinationMode").asText();
        };
    }

    /**
     * The fields items match on, for input 1 and input 2: version 3's {@code fieldsToMatchString}
     * ("id" or "a, b", the same on both sides), or version 2's (and version 3's advanced)
     * {@code mergeByFields.values[{field1, field2}]}.
     */
    private static List<List<String>> matchFields(JsonNode p) throws NodeFailedException {
        List<String> first = new ArrayList<>(), second = new ArrayList<>();
        JsonNode pairs = p.path("mergeByFields").path("values");
        if (!pairs.isEmpty()
                && (!p.has("fieldsToMatchString") || p.path("advanced").asBoolean(false))) {
            for (JsonNode pair : pairs) {
                String a = pair.path("field1").asText("").strip(),
                        b = pair.path("field2").asText("").strip();
                if (a.isEmpty() || b.isEmpty())
                    throw new NodeFailedException(
                            "mergeByFields: each pair needs field1 (input 1) and field2 (input 2)");
                first.add(a);
                second.add(b);
            }
        } else {
            Arrays.stream(p.path("fieldsToMatchString").asText("").split(","))
                    .map(String::strip)
                    .filter(f -> !f.isEmpty())
                    .forEach(first::add);
            second.addAll(first);
        }
        if (first.isEmpty())
            throw new NodeFailedException(
                    "fieldsToMatchString: name the field(s) to match items on, e.g. \"id\" (or mergeByFields.values"
                            + " [{field1, field2}] in version 2)");
        return List.of(first, second);
    }

    /**
     * How matched items become one ({@code options.clashHandling.values}): {@code resolveClash}
     * preferInput2 / preferLast (the default: the later input's value wins), preferInput1 (the
     * earlier's wins) or addSuffix (every field of input n renamed field_n); {@code mergeMode}
     * deepMerge (the default: objects in both are merged field by field) or shallowMerge.
     */
    record Clash(String resolve, boolean deep) {
        static final Clash PREFER_LAST_SHALLOW = new Clash("preferLast", false);

        static Clash of(JsonNode p) throws NodeFailedException {
            JsonNode values = p.path("options").path("clashHandling").path("values");
            String resolve = values.path("resolveClash").asText("preferLast");
            if (resolve.equals("preferInput2")) resolve = "preferLast";
            if (!List.of("preferLast", "preferInput1", "addSuffix").contains(resolve))
                throw new NodeFailedException("options.clashHandling.values.resolveClash: \"" + resolve
                        + "\" is not preferInput1, preferInput2 (preferLast) or addSuffix");
            return new Clash(
                    resolve, !values.path("mergeMode").asText("deepMerge").equals("shallowMerge"));
        }

        /** {@code items} (from inputs {@code inputOf}, counted from 0) as one object. */
        ObjectNode merge(List<Item> items, List<Integer> inputOf) {
            ObjectNode out = Json.MAPPER.createObjectNode();
            int n = items.size();
            for (int k = 0; k < n; k++) {
                // preferInput1: the first input is applied last, so its values win.
                int at = resolve.equals("preferInput1") ? n - 1 - k : k;
                JsonNode json = items.get(at).json();
                if (!json.isObject()) continue;
                ObjectNode fields = (ObjectNode) json;
                if (resolve.equals("addSuffix")) {
                    ObjectNode suffixed = Json.MAPPER.createObjectNode();
                    String suffix = "_" + (inputOf.get(at) + 1);
                    fields.properties().forEach(e -> suffixed.set(e.getKey() + suffix, e.getValue()));
                    fields = suffixed;
                }
                if (deep) deepMerge(out, fields);
                else out.setAll(fields.deepCopy());
            }
            return out;
        }

        private static void deepMerge(ObjectNode into, ObjectNode from) {
            from.properties().forEach(e -> {
                JsonNode existing = into.get(e.getKey());
                if (existing instanceof ObjectNode target && e.getValue() instanceof ObjectNode source)
                    deepMerge(target, source);
                else into.set(e.getKey(), e.getValue().deepCopy());
            });
        }
    }

    /**
     * Choose Branch: once the inputs have run, output one input's items ({@code useDataOfInput},
     * counted from 1; version 2 says {@code output: "input1"}/{@code "input2"}) or one empty item.
     */
    private static List<Item> chosen(NodeRun run, JsonNode p, int inputs) throws NodeFailedException {
        String output = p.path("output").asText("specifiedInput");
        if (output.equals("empty")) {
            // The one item descends from every input item, as n8n pairs it: $("Either input").item works after it.
            List<Item> all = new ArrayList<>();
            for (int i = 0; i < inputs; i++) all.addAll(run.input(i));
            return List.of(run.item(Json.MAPPER.createObjectNode(), all));
        }
        int input = output.startsWith("input")
                ? Integer.parseInt("0" + output.substring(5).replaceAll("\\D", ""))
                : p.path("useDataOfInput").asInt(1);
        if (input < 1 || input > inputs)
            throw new NodeFailedException(
                    "useDataOfInput: input " + input + " does not exist; the node has " + inputs + " inputs");
        List<Item> out = new ArrayList<>();
        for (Item item : run.input(input - 1)) out.add(run.item(item.json(), item));
        return out;
    }

    /**
     * Combine by fields when an input has no items, as n8n answers it: nothing for keepMatches, for
     * enriching an empty input or for keeping the non-matches of the empty one; else the items of
     * both inputs as they are.
     */
    private static List<Item> withAnEmptyInput(NodeRun run, List<Item> one, List<Item> two, String join, String from) {
        boolean nothing = join.equals("keepMatches")
                || (join.equals("keepNonMatches") && from.equals("input1") && one.isEmpty())
                || (join.equals("keepNonMatches") && from.equals("input2") && two.isEmpty())
                || (join.equals("enrichInput1") && one.isEmpty())
                || (join.equals("enrichInput2") && two.isEmpty());
        List<Item> out = new ArrayList<>();
        if (nothing) return out;
        for (Item item : one) out.add(run.item(item.json(), item));
        for (Item item : two) out.add(run.item(item.json(), item));
        return out;
    }

    /** Merge 2.0's check: each field to match on is in at least one item of the input. */
    private static void present(List<Item> items, List<String> fields, String input) throws NodeFailedException {
        for (String field : fields) {
            if (items.stream().noneMatch(i -> !i.json().path(field).isMissingNode()))
                throw new NodeFailedException(
                        "Field '" + field + "' is not present in any of items in '" + input + "'");
        }
    }

    private static List<Item> byKey(
            NodeRun run,
            List<Item> one,
            List<String> keys1,
            List<Item> two,
            List<String> keys2,
            String join,
            String outputDataFrom,
            Clash clash)
            throws NodeFailedException {
        if (!List.of("keepMatches", "keepNonMatches", "keepEverything", "enrichInput1", "enrichInput2")
                .contains(join)) {
            throw new NodeFailedException(
                    "joinMode \"" + join
                            + "\" is not supported; use keepMatches, keepNonMatches, enrichInput1, enrichInput2 or keepEverything");
        }
        if (!List.of("both", "input1", "input2").contains(outputDataFrom))
            throw new NodeFailedException("outputDataFrom: \"" + outputDataFrom + "\" is not both, input1 or input2");
        Map<String, List<Item>> index2 = index(two, keys2), index1 = index(one, keys1);
        List<Item> out = new ArrayList<>();
        if (join.equals("keepNonMatches")) {
            // What matched nothing on the other side; from both inputs, each marked with where it came from.
            if (!outputDataFrom.equals("input2")) {
                for (Item a : one) {
                    if (index2.containsKey(key(a.json(), keys1))) continue;
                    out.add(run.item(marked(a, outputDataFrom.equals("both") ? "input1" : null), a));
                }
            }
            if (!outputDataFrom.equals("input1")) {
                for (Item b : two) {
                    if (index1.containsKey(key(b.json(), keys2))) continue;
                    out.add(run.item(marked(b, outputDataFrom.equals("both") ? "input2" : null), b));
                }
            }
            return out;
        }
        if (join.equals("keepMatches") && !outputDataFrom.equals("both")) {
            // Only one side's matched items, unchanged.
            boolean first = outputDataFrom.equals("input1");
            for (Item item : first ? one : two) {
                if ((first ? index2 : index1).containsKey(key(item.json(), first ? keys1 : keys2)))
                    out.add(run.item(item.json(), item));
            }
            return out;
        }
        if (join.equals("enrichInput2")) {
            for (Item b : two) {
                List<Item> m = index1.getOrDefault(key(b.json(), keys2), List.of());
                out.add(m.isEmpty() ? run.item(b.json(), b) : merged(run, m.get(0), b, clash));
            }
            return out;
        }
        java.util.Set<Item> matched2 = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Item a : one) {
            List<Item> matches = index2.getOrDefault(key(a.json(), keys1), List.of());
            if (matches.isEmpty()) {
                if (join.equals("enrichInput1") || join.equals("keepEverything")) out.add(run.item(a.json(), a));
                continue;
            }
            for (Item b : matches) {
                matched2.add(b);
                out.add(merged(run, a, b, clash));
            }
        }
        if (join.equals("keepEverything")) {
            for (Item b : two) if (!matched2.contains(b)) out.add(run.item(b.json(), b));
        }
        return out;
    }

    private static Map<String, List<Item>> index(List<Item> items, List<String> keys) {
        Map<String, List<Item>> index = new LinkedHashMap<>();
        for (Item item : items)
            index.computeIfAbsent(key(item.json(), keys), k -> new ArrayList<>())
                    .add(item);
        return index;
    }

    /** {@code item} with {@code _source} (n8n's mark on kept non-matches from both inputs), or as it is. */
    private static JsonNode marked(Item item, String source) {
        if (source == null || !item.json().isObject()) return item.json();
        return ((ObjectNode) item.json()).deepCopy().put("_source", source);
    }

    /** The values of the key fields as one comparable string; items missing a key never match. */
    private static String key(JsonNode item, List<String> fields) {
        StringBuilder key = new StringBuilder();
        for (String f : fields) {
            JsonNode v = item.path(f);
            if (v.isMissingNode() || v.isNull()) return "\u0000missing:" + System.identityHashCode(item);
            key.append(v.isTextual() ? v.asText() : v.toString()).append('\u0000');
        }
        return key.toString();
    }

    /** Two matched items as one, clashes resolved as {@code clash} says; linked to both. */
    private static Item merged(NodeRun run, Item a, Item b, Clash clash) {
        return run.item(clash.merge(List.of(a, b), List.of(0, 1)), a, b);
    }
}
