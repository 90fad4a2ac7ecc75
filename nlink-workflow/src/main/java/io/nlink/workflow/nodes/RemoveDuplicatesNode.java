package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Remove Duplicates (n8n-nodes-base.removeDuplicates), within this run's input: keeps the first
 * item of each set of equal ones, comparing {@code compare}: allFields (the default),
 * allFieldsExcept ({@code fieldsToExclude}) or selectedFields ({@code fieldsToCompare});
 * {@code options.removeOtherFields} keeps only the fields compared. Version
 * 2's operations that remember items across runs are not supported.
 */
final class RemoveDuplicatesNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        String operation = p.path("operation").asText("removeDuplicateInputItems");
        if (!operation.equals("removeDuplicateInputItems")) {
            throw new NodeFailedException(
                    "operation \"" + operation + "\" (remembering items across executions) is not supported;"
                            + " nLink removes duplicates within one run's input (removeDuplicateInputItems)");
        }
        return withinInput(run);
    }

    /** The items of the first input without later duplicates: what Item Lists' removeDuplicates does too. */
    static List<List<Item>> withinInput(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        String compare = p.path("compare").asText("allFields");
        boolean dots = Fields.dots(p);
        Set<JsonNode> seen = new HashSet<>();
        List<Item> out = new ArrayList<>();
        for (Item item : run.input(0)) {
            JsonNode key = switch (compare) {
                case "allFields" -> item.json();
                case "allFieldsExcept" -> {
                    ObjectNode copy = item.json().isObject()
                            ? ((ObjectNode) item.json()).deepCopy()
                            : Json.MAPPER.createObjectNode();
                    for (String f : Fields.list(p.path("fieldsToExclude"))) copy.remove(f);
                    yield copy;
                }
                case "selectedFields" -> {
                    var values = Json.MAPPER.createArrayNode();
                    List<String> fields = Fields.list(p.path("fieldsToCompare"));
                    if (fields.isEmpty())
                        throw new NodeFailedException("fieldsToCompare: name the fields that make items equal");
                    for (String f : fields)
                        values.add(
                                Fields.get(item.json(), f, dots).isMissingNode()
                                        ? Json.MAPPER.nullNode()
                                        : Fields.get(item.json(), f, dots));
                    yield values;
                }
                default ->
                    throw new NodeFailedException(
                            "compare: \"" + compare + "\" is not allFields, allFieldsExcept or selectedFields");
            };
            if (!seen.add(key)) continue;
            // options.removeOtherFields: only the fields compared stay.
            JsonNode kept = !p.path("options").path("removeOtherFields").asBoolean(false)
                    ? item.json()
                    : switch (compare) {
                        case "allFieldsExcept" -> key;
                        case "selectedFields" -> {
                            ObjectNode selected = Json.MAPPER.createObjectNode();
                            for (String f : Fields.list(p.path("fieldsToCompare"))) {
                                JsonNode v = Fields.get(item.json(), f, dots);
                                if (!v.isMissingNode()) Fields.put(selected, f, v.deepCopy(), dots);
                            }
                            yield selected;
                        }
                        default -> item.json();
                    };
            out.add(run.item(kept, item));
        }
        return List.of(out);
    }
}
