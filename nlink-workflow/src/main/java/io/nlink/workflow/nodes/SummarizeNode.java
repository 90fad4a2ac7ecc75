package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Summarize (n8n-nodes-base.summarize): per group of items with equal {@code fieldsToSplitBy}
 * values (one group when none), each {@code fieldsToSummarize.values[{aggregation, field}]}:
 * count, countUnique, sum, average, min, max, concatenate ({@code separateBy}), append,
 * appendUnique (count, countUnique, append and concatenate skip empty values — missing, null,
 * "" — unless the summary's {@code includeEmpty}). The output field is named as n8n names it ({@code count_field},
 * {@code unique_count_field}, {@code sum_field}, dots in the path as underscores). One item
 * per group, linked to the group's items; {@code options.outputFormat: "singleItem"} nests the
 * groups by their split values in one item.
 */
final class SummarizeNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        boolean dots = Fields.dots(p);
        List<String> splitBy = Fields.list(p.path("fieldsToSplitBy"));
        JsonNode summaries = p.path("fieldsToSummarize").path("values");
        if (summaries.isEmpty())
            throw new NodeFailedException("fieldsToSummarize: name at least one field and its aggregation");
        Map<JsonNode, List<Item>> unordered = new LinkedHashMap<>();
        // Groups nest as n8n's do: by the first split value in order of first appearance, then the second within it, …
        Map<JsonNode, Integer> firstSeen = new java.util.HashMap<>();
        for (Item item : run.input(0)) {
            ArrayNode key = Json.MAPPER.createArrayNode();
            for (String f : splitBy) {
                JsonNode v = Fields.get(item.json(), f, dots);
                key.add(v.isMissingNode() ? Json.MAPPER.nullNode() : v);
                firstSeen.putIfAbsent(key.deepCopy(), firstSeen.size());
            }
            unordered.computeIfAbsent(key, k -> new ArrayList<>()).add(item);
        }
        List<JsonNode> keys = new ArrayList<>(unordered.keySet());
        keys.sort((a, b) -> {
            ArrayNode prefixA = Json.MAPPER.createArrayNode(), prefixB = Json.MAPPER.createArrayNode();
            for (int i = 0; i < a.size(); i++) {
                prefixA.add(a.get(i));
                prefixB.add(b.get(i));
                int c = Integer.compare(firstSeen.get(prefixA), firstSeen.get(prefixB));
                if (c != 0) return c;
            }
            return 0;
        });
        Map<JsonNode, List<Item>> groups = new LinkedHashMap<>();
        keys.forEach(k -> groups.put(k, unordered.get(k)));
        if (p.path("options").path("outputFormat").asText("separateItems").equals("singleItem")) {
            // One item nesting the groups by their split values: {red: {foo: {count_char: 2}}}.
            ObjectNode single = Json.MAPPER.createObjectNode();
            for (var group : groups.entrySet()) {
                ObjectNode at = single;
                for (JsonNode value : group.getKey()) {
                    String key = value.isValueNode() ? value.asText() : value.toString();
                    at = at.get(key) instanceof ObjectNode next ? next : at.putObject(key);
                }
                for (JsonNode s : summaries) summarize(at, s, group.getValue(), dots);
            }
            return List.of(List.of(run.item(single, run.input(0))));
        }
        List<Item> out = new ArrayList<>();
        for (var group : groups.entrySet()) {
            ObjectNode json = Json.MAPPER.createObjectNode();
            for (int i = 0; i < splitBy.size(); i++)
                json.set(splitBy.get(i), group.getKey().get(i));
            for (JsonNode s : summaries) summarize(json, s, group.getValue(), dots);
            out.add(run.item(json, group.getValue()));
        }
        return List.of(out);
    }

    private static void summarize(ObjectNode out, JsonNode s, List<Item> items, boolean dots)
            throws NodeFailedException {
        String aggregation = s.path("aggregation").asText("count");
        String path = s.path("field").asText("");
        if (path.isBlank()) throw new NodeFailedException("fieldsToSummarize: a summary has no field");
        String field = path.replace('.', '_'); // n8n names the output after the path, dots as underscores
        // As n8n's: without includeEmpty, count, countUnique, append and concatenate skip empty values (missing,
        // null, ""); with it they take every item's, a missing one being JavaScript's undefined (distinct from null
        // when counting unique values, null in a list). The numeric aggregations skip missing and null.
        boolean textual = List.of("count", "countUnique", "append", "appendUnique", "concatenate")
                .contains(aggregation);
        boolean includeEmpty = textual && s.path("includeEmpty").asBoolean(false);
        List<JsonNode> values = new ArrayList<>();
        for (Item item : items) {
            // A missing value stays a MissingNode here: one value of its own, as undefined is in n8n.
            JsonNode v = Fields.get(item.json(), path, dots);
            boolean empty =
                    Fields.missing(v) || (textual && v.isTextual() && v.asText().isEmpty());
            if (!empty || includeEmpty) values.add(v);
        }
        var f = Json.MAPPER.getNodeFactory();
        switch (aggregation) {
            case "count" -> out.set("count_" + field, f.numberNode(values.size()));
            case "countUnique" -> out.set("unique_count_" + field, f.numberNode(new LinkedHashSet<>(values).size()));
            case "sum", "average", "min", "max" -> {
                double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
                int n = 0;
                for (JsonNode v : values) {
                    double d;
                    if (v.isNumber()) d = v.asDouble();
                    else {
                        try {
                            d = Double.parseDouble(v.asText().strip());
                        } catch (NumberFormatException e) {
                            throw new NodeFailedException("fieldsToSummarize: " + aggregation + " of " + field + ": "
                                    + v + " is not a number");
                        }
                    }
                    sum += d;
                    min = Math.min(min, d);
                    max = Math.max(max, d);
                    n++;
                }
                double result = switch (aggregation) {
                    case "sum" -> sum;
                    case "average" -> n == 0 ? 0 : sum / n;
                    case "min" -> n == 0 ? 0 : min;
                    default -> n == 0 ? 0 : max;
                };
                out.set(
                        aggregation + "_" + field,
                        result == Math.rint(result) && Math.abs(result) < 1e15
                                ? f.numberNode((long) result)
                                : f.numberNode(result));
            }
            case "concatenate" -> {
                String separator = switch (s.path("separateBy").asText(",")) {
                    case "other" -> s.path("customSeparator").asText("");
                    case "space" -> " ";
                    case "newline" -> "\n";
                    default -> s.path("separateBy").asText(",");
                };
                List<String> texts = values.stream()
                        .map(v -> Fields.missing(v) ? "" : v.isValueNode() ? v.asText() : v.toString())
                        .toList();
                out.put("concatenated_" + field, String.join(separator, texts));
            }
            case "append", "appendUnique" -> {
                ArrayNode list =
                        out.putArray((aggregation.equals("append") ? "appended_" : "unique_appended_") + field);
                Set<JsonNode> seen = new LinkedHashSet<>();
                for (JsonNode v : values) {
                    if (aggregation.equals("append") || seen.add(v))
                        list.add(v.isMissingNode() ? Json.MAPPER.nullNode() : v.deepCopy());
                }
            }
            default ->
                throw new NodeFailedException(
                        "fieldsToSummarize: the aggregation \"" + aggregation
                                + "\" is not supported; use count, countUnique, sum, average, min, max, concatenate, append or appendUnique");
        }
    }
}
