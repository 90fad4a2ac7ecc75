package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.List;

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
 */
final class AggregateNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        List<Item> in = run.input(0);
        boolean dots = Fields.dots(p);
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
        return List.of(List.of(run.item(out, in)));
    }
}
