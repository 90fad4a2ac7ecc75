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
 * appendUnique. The output field is named as n8n names it ({@code count_field},
 * {@code unique_count_field}, {@code sum_field}, …). One item per group, linked to the group's
 * items; {@code options.outputFormat: "singleItem"} puts them all in one.
 */
final class SummarizeNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        boolean dots = Fields.dots(p);
        List<String> splitBy = Fields.list(p.path("fieldsToSplitBy"));
        JsonNode summaries = p.path("fieldsToSummarize").path("values");
        if (summaries.isEmpty()) throw new NodeFailedException("fieldsToSummarize: name at least one field and its aggregation");
        Map<JsonNode, List<Item>> groups = new LinkedHashMap<>();
        for (Item item : run.input(0)) {
            ArrayNode key = Json.MAPPER.createArrayNode();
            for (String f : splitBy) {
                JsonNode v = Fields.get(item.json(), f, dots);
                key.add(v.isMissingNode() ? Json.MAPPER.nullNode() : v);
            }
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(item);
        }
        List<Item> out = new ArrayList<>();
        for (var group : groups.entrySet()) {
            ObjectNode json = Json.MAPPER.createObjectNode();
            for (int i = 0; i < splitBy.size(); i++) json.set(splitBy.get(i), group.getKey().get(i));
            for (JsonNode s : summaries) summarize(json, s, group.getValue(), dots);
            out.add(run.item(json, group.getValue()));
        }
        if (p.path("options").path("outputFormat").asText("separateItems").equals("singleItem")) {
            ObjectNode single = Json.MAPPER.createObjectNode();
            ArrayNode all = single.putArray("summary");
            out.forEach(i -> all.add(i.json()));
            return List.of(List.of(run.item(single, run.input(0))));
        }
        return List.of(out);
    }

    private static void summarize(ObjectNode out, JsonNode s, List<Item> items, boolean dots) throws NodeFailedException {
        String aggregation = s.path("aggregation").asText("count");
        String field = s.path("field").asText("");
        if (field.isBlank()) throw new NodeFailedException("fieldsToSummarize: a summary has no field");
        List<JsonNode> values = new ArrayList<>();
        for (Item item : items) {
            JsonNode v = Fields.get(item.json(), field, dots);
            if (!Fields.missing(v)) values.add(v);
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
                            throw new NodeFailedException("fieldsToSummarize: " + aggregation + " of " + field + ": " + v + " is not a number");
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
                out.set(aggregation + "_" + field, result == Math.rint(result) && Math.abs(result) < 1e15 ? f.numberNode((long) result) : f.numberNode(result));
            }
            case "concatenate" -> {
                String separator = switch (s.path("separateBy").asText(",")) {
                    case "other" -> s.path("customSeparator").asText("");
                    case "space" -> " ";
                    case "newline" -> "\n";
                    default -> s.path("separateBy").asText(",");
                };
                List<String> texts = values.stream().map(v -> v.isValueNode() ? v.asText() : v.toString()).toList();
                out.put("concatenated_" + field, String.join(separator, texts));
            }
            case "append", "appendUnique" -> {
                ArrayNode list = out.putArray((aggregation.equals("append") ? "appended_" : "unique_appended_") + field);
                Set<JsonNode> seen = new LinkedHashSet<>();
                for (JsonNode v : values) if (aggregation.equals("append") || seen.add(v)) list.add(v.deepCopy());
            }
            default -> throw new NodeFailedException("fieldsToSummarize: the aggregation \"" + aggregation
                    + "\" is not supported; use count, countUnique, sum, average, min, max, concatenate, append or appendUnique");
        }
    }
}
