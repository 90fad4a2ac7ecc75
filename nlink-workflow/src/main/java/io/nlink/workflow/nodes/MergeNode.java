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
 *       "mergeByKey"} with {@code propertyName1}/{@code propertyName2} (enrich input 1).
 *       Matched items are merged field by field, input 2's fields winning on a clash.
 *   <li>by position: {@code combineBy: "combineByPosition"} (v3) or {@code mode: "mergeByIndex"}.
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
        } else if (mode.equals("combine")
                && p.path("combineBy").asText("combineByFields").equals("combineByFields")) {
            List<String> fields = Arrays.stream(
                            p.path("fieldsToMatchString").asText("").split(","))
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .toList();
            if (fields.isEmpty())
                throw new NodeFailedException("fieldsToMatchString: name the field(s) to match items on, e.g. \"id\"");
            out = byKey(run, one, fields, two, fields, p.path("joinMode").asText("keepMatches"));
        } else if (mode.equals("mergeByKey")) {
            out = byKey(
                    run,
                    one,
                    List.of(p.path("propertyName1").asText()),
                    two,
                    List.of(p.path("propertyName2").asText()),
                    "enrichInput1");
        } else if ((mode.equals("combine") && p.path("combineBy").asText().equals("combineByPosition"))
                || mode.equals("mergeByIndex")) {
            out = byPosition(
                    run, inputs, p.path("options").path("includeUnpaired").asBoolean(false));
        } else {
            throw new NodeFailedException(
                    "the Merge mode \"" + mode + "\""
                            + (mode.equals("combine")
                                    ? " by " + p.path("combineBy").asText()
                                    : "")
                            + " is not supported; use append, combine by fields, combine by position, chooseBranch, mergeByKey or mergeByIndex");
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

    /** Items at the same position in every input merged into one, later inputs winning a clash. */
    private static List<Item> byPosition(NodeRun run, int inputs, boolean includeUnpaired) {
        int shortest = Integer.MAX_VALUE, longest = 0;
        for (int i = 0; i < inputs; i++) {
            shortest = Math.min(shortest, run.input(i).size());
            longest = Math.max(longest, run.input(i).size());
        }
        List<Item> out = new ArrayList<>();
        for (int at = 0; at < (includeUnpaired ? longest : shortest); at++) {
            ObjectNode json = Json.MAPPER.createObjectNode();
            List<Item> from = new ArrayList<>();
            for (int i = 0; i < inputs; i++) {
                if (at >= run.input(i).size()) continue;
                Item item = run.input(i).get(at);
                if (item.json().isObject()) json.setAll(((ObjectNode) item.json()).deepCopy());
                from.add(item);
            }
            out.add(run.item(json, from));
        }
        return out;
    }

    /**
     * Choose Branch: once the inputs have run, output one input's items ({@code useDataOfInput},
     * counted from 1; version 2 says {@code output: "input1"}/{@code "input2"}) or one empty item.
     */
    private static List<Item> chosen(NodeRun run, JsonNode p, int inputs) throws NodeFailedException {
        String output = p.path("output").asText("specifiedInput");
        if (output.equals("empty")) return List.of(run.item(Json.MAPPER.createObjectNode()));
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

    private static List<Item> byKey(
            NodeRun run, List<Item> one, List<String> keys1, List<Item> two, List<String> keys2, String join)
            throws NodeFailedException {
        Map<String, List<Item>> index = new LinkedHashMap<>();
        for (Item item : two)
            index.computeIfAbsent(key(item.json(), keys2), k -> new ArrayList<>())
                    .add(item);
        List<Item> out = new ArrayList<>();
        java.util.Set<Item> matched2 = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Item a : one) {
            List<Item> matches = index.getOrDefault(key(a.json(), keys1), List.of());
            if (matches.isEmpty()) {
                if (join.equals("enrichInput1") || join.equals("keepEverything")) out.add(run.item(a.json(), a));
                continue;
            }
            for (Item b : matches) {
                matched2.add(b);
                switch (join) {
                    case "keepMatches", "keepEverything", "enrichInput1" -> out.add(merged(run, a, b));
                    case "enrichInput2" -> {
                        /* added below, in input 2's order */
                    }
                    default ->
                        throw new NodeFailedException("joinMode \"" + join
                                + "\" is not supported; use keepMatches, enrichInput1, enrichInput2 or keepEverything");
                }
            }
        }
        if (join.equals("enrichInput2")) {
            Map<String, List<Item>> index1 = new LinkedHashMap<>();
            for (Item a : one)
                index1.computeIfAbsent(key(a.json(), keys1), k -> new ArrayList<>())
                        .add(a);
            for (Item b : two) {
                List<Item> m = index1.getOrDefault(key(b.json(), keys2), List.of());
                out.add(m.isEmpty() ? run.item(b.json(), b) : merged(run, m.get(0), b));
            }
        } else if (join.equals("keepEverything")) {
            for (Item b : two) if (!matched2.contains(b)) out.add(run.item(b.json(), b));
        }
        return out;
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

    /** Two matched items as one, field by field, {@code b} winning a clash; linked to both. */
    private static Item merged(NodeRun run, Item a, Item b) {
        ObjectNode out = a.json().isObject() ? ((ObjectNode) a.json()).deepCopy() : Json.MAPPER.createObjectNode();
        if (b.json().isObject()) out.setAll(((ObjectNode) b.json()).deepCopy());
        return run.item(out, a, b);
    }
}
