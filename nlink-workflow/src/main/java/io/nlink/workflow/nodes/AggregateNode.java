package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregate (n8n-nodes-base.aggregate): all items into one, linked to every one of them.
 * <ul>
 *   <li>{@code aggregate: "aggregateIndividualFields"} (the default): for each
 *       {@code fieldsToAggregate.fieldToAggregate[{fieldToAggregate, renameField,
 *       outputFieldName}]}, the list of that field's values (items without it skipped unless
 *       {@code options.keepMissing}; lists joined with {@code options.mergeLists}).
 *   <li>{@code aggregate: "aggregateAllItemData"}: the items themselves in
 *       {@code destinationFieldName} ("data"), {@code include} allFields, specifiedFields
 *       ({@code fieldsToInclude}) or allFieldsExcept ({@code fieldsToExclude}).
 * </ul>
 * {@code options.groupByFields} ("domain" or "a, b"): one such item per group of items with equal
 * values there, in order of first appearance, starting with those values.
 */
final class AggregateNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        boolean dots = Fields.dots(p);
        List<String> groupBy = Fields.list(p.path("options").path("groupByFields"));
        if (groupBy.isEmpty()) return List.of(List.of(run.item(aggregate(p, run.input(0), dots), run.input(0))));
        // One item per group of equal groupByFields values, in order of first appearance, the values first.
        Map<JsonNode, List<Item>> groups = new LinkedHashMap<>();
        for (Item item : run.input(0)) {
            ArrayNode key = Json.MAPPER.createArrayNode();
            for (String f : groupBy) {
                JsonNode v = Fields.get(item.json(), f, dots);
                key.add(v.isMissingNode() ? Json.MAPPER.nullNode() : v);
            }
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(item);
        }
        List<Item> out = new ArrayList<>();
        for (var group : groups.entrySet()) {
            ObjectNode json = Json.MAPPER.createObjectNode();
            for (int i = 0; i < groupBy.size(); i++)
                Fields.put(json, groupBy.get(i), group.getKey().get(i).deepCopy(), dots);
            json.setAll(aggregate(p, group.getValue(), dots));
            out.add(run.item(json, group.getValue()));
        }
        return List.of(out);
    }

    private static ObjectNode aggregate(JsonNode p, List<Item> in, boolean dots) throws NodeFailedException {
        ObjectNode out = Json.MAPPER.createObjectNode();
        if (p.path("aggregate").asText("aggregateIndividualFields").equals("aggregateAllItemData")) {
            String include = p.path("include").asText("allFields");
            ArrayNode data = out.putArray(p.path("destinationFieldName").asText("data"));
            for (Item item : in) {
                ObjectNode copy = Json.MAPPER.createObjectNode();
                switch (include) {
                    case "allFields" -> copy = item.json().isObject() ? ((ObjectNode) item.json()).deepCopy() : copy;
                    case "specifiedFields" -> {
                        for (String f : Fields.list(p.path("fieldsToInclude"))) {
                            JsonNode v = Fields.get(item.json(), f, dots);
                            if (!v.isMissingNode()) Fields.put(copy, f, v.deepCopy(), dots);
                        }
                    }
                    case "allFieldsExcept" -> {
                        copy = item.json().isObject() ? ((ObjectNode) item.json()).deepCopy() : copy;
                        for (String f : Fields.list(p.path("fieldsToExclude"))) copy.remove(f);
                    }
                    default ->
                        throw new NodeFailedException(
                                "include: \"" + include + "\" is not allFields, specifiedFields or allFieldsExcept");
                }
                data.add(copy);
            }
        } else {
            boolean keepMissing = p.path("options").path("keepMissing").asBoolean(false);
            boolean mergeLists = p.path("options").path("mergeLists").asBoolean(false);
            JsonNode wanted = p.path("fieldsToAggregate").path("fieldToAggregate");
            if (wanted.isEmpty())
                throw new NodeFailedException("fieldsToAggregate: name at least one field to aggregate");
            for (JsonNode w : wanted) {
                String field = w.path("fieldToAggregate").asText("");
                if (field.isBlank())
                    throw new NodeFailedException("fieldsToAggregate: a field to aggregate has no name");
                String name = w.path("renameField").asBoolean(false)
                        ? w.path("outputFieldName").asText(field)
                        : field;
                ArrayNode values = Json.MAPPER.createArrayNode();
                for (Item item : in) {
                    JsonNode v = Fields.get(item.json(), field, dots);
                    if (Fields.missing(v)) {
                        if (keepMissing) values.addNull();
                    } else if (mergeLists && v.isArray()) {
                        v.forEach(e -> values.add(e.deepCopy()));
                    } else {
                        values.add(v.deepCopy());
                    }
                }
                Fields.put(out, name, values, dots && !w.path("renameField").asBoolean(false));
            }
        }
        return out;
    }
}
