package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.Item;
import java.util.List;

/**
 * Split Out (n8n-nodes-base.splitOut): one item per element of the list in
 * {@code fieldToSplitOut} (several comma-separated fields are split side by side; an object is
 * split into its values, a field that is not there into no items). An element
 * that is an object becomes the item; any other element goes under the field's name (or
 * {@code options.destinationFieldName}). {@code include}: noOtherFields (the default),
 * allOtherFields, or selectedOtherFields with {@code fieldsToInclude}. Each new item is linked to
 * the item it was split from.
 */
final class SplitOutNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(1);
        run.eachItem(run.input(0), outputs, (index, item, params) -> {
            boolean dots = Fields.dots(params);
            List<String> fields = Fields.list(params.path("fieldToSplitOut"));
            if (fields.isEmpty())
                throw new IllegalArgumentException("fieldToSplitOut: name the field that holds the list");
            List<String> destinations = Fields.list(params.path("options").path("destinationFieldName"));
            String include = params.path("include").asText("noOtherFields");
            JsonNode[] lists = new JsonNode[fields.size()];
            int length = 0;
            for (int f = 0; f < fields.size(); f++) {
                JsonNode v = Fields.get(item.json(), fields.get(f), dots);
                // As n8n: a field that is not there splits into nothing, an object into its values,
                // any other value (null included) into itself.
                if (v == null || v.isMissingNode()) lists[f] = Json.MAPPER.createArrayNode();
                else if (v.isArray()) lists[f] = v;
                else if (v.isObject())
                    lists[f] =
                            Json.MAPPER.createArrayNode().addAll(v.valueStream().toList());
                else lists[f] = Json.MAPPER.createArrayNode().add(v);
                length = Math.max(length, lists[f].size());
            }
            for (int e = 0; e < length; e++) {
                ObjectNode out = switch (include) {
                    case "allOtherFields" -> withoutSplitFields(item.json(), fields, dots);
                    case "selectedOtherFields" -> {
                        ObjectNode selected = Json.MAPPER.createObjectNode();
                        for (String keep : Fields.list(params.path("fieldsToInclude"))) {
                            JsonNode v = Fields.get(item.json(), keep, dots);
                            if (!v.isMissingNode()) Fields.put(selected, keep, v.deepCopy(), dots);
                        }
                        yield selected;
                    }
                    case "noOtherFields" -> Json.MAPPER.createObjectNode();
                    default ->
                        throw new IllegalArgumentException("include: \"" + include
                                + "\" is not noOtherFields, allOtherFields or selectedOtherFields");
                };
                for (int f = 0; f < fields.size(); f++) {
                    JsonNode element = lists[f].get(e);
                    if (element == null) continue;
                    // A destination through JavaScript's prototype is dropped, as n8n's lodash does: the element
                    // keeps the field's own name.
                    String name = f < destinations.size() && !prototypePath(destinations.get(f))
                            ? destinations.get(f)
                            : fields.get(f);
                    if (element.isObject()
                            && fields.size() == 1
                            && destinations.isEmpty()
                            && include.equals("noOtherFields")) {
                        out.setAll(((ObjectNode) element).deepCopy());
                    } else {
                        Fields.put(out, name, element.deepCopy(), dots);
                    }
                }
                outputs.get(0).add(run.item(out, item));
            }
        });
        return outputs;
    }

    private static boolean prototypePath(String path) {
        for (String part : path.split("\\."))
            if (part.equals("__proto__") || part.equals("constructor") || part.equals("prototype")) return true;
        return false;
    }

    private static ObjectNode withoutSplitFields(JsonNode item, List<String> fields, boolean dots) {
        ObjectNode copy = item.isObject() ? ((ObjectNode) item).deepCopy() : Json.MAPPER.createObjectNode();
        for (String f : fields) Fields.remove(copy, f, dots);
        return copy;
    }
}
