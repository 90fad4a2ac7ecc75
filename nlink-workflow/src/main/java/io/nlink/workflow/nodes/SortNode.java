package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.workflow.Item;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * Sort (n8n-nodes-base.sort): {@code type: "simple"} (the default) by
 * {@code sortFieldsUi.sortField[{fieldName, order}]} in turn — numbers by value, text by its
 * characters, items lacking the field last — or {@code type: "random"}. The stable sort keeps
 * equal items in their input order. {@code type: "code"}: {@code code} is the body of a
 * comparator of two items {@code a} and {@code b} (their fields in {@code a.json}), returning a
 * negative number, 0 or a positive number as JavaScript's {@code Array.prototype.sort} takes it;
 * it runs in the Code node's sandbox, never on the host.
 */
final class SortNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        List<Item> items = new ArrayList<>(run.input(0));
        String type = p.path("type").asText("simple");
        switch (type) {
            case "random" -> Collections.shuffle(items);
            case "simple" -> {
                boolean dots = Fields.dots(p);
                Comparator<Item> order = null;
                for (JsonNode field : p.path("sortFieldsUi").path("sortField")) {
                    String name = field.path("fieldName").asText("");
                    if (name.isBlank()) throw new NodeFailedException("sortFieldsUi: a sort field has no name");
                    Comparator<Item> by =
                            (a, b) -> compare(Fields.get(a.json(), name, dots), Fields.get(b.json(), name, dots));
                    if (field.path("order").asText("ascending").equals("descending")) {
                        Comparator<Item> ascending = by;
                        // Missing values stay last either way.
                        by = (a, b) -> {
                            boolean ma = Fields.missing(Fields.get(a.json(), name, dots)),
                                    mb = Fields.missing(Fields.get(b.json(), name, dots));
                            return ma || mb ? Boolean.compare(ma, mb) : ascending.compare(b, a);
                        };
                    }
                    order = order == null ? by : order.thenComparing(by);
                }
                if (order == null) throw new NodeFailedException("sortFieldsUi: name a field to sort by");
                items.sort(order);
            }
            case "code" -> {
                return CodeNode.run(run, comparatorScript(p.path("code").asText("")), false);
            }
            default ->
                throw new NodeFailedException("type \"" + type + "\" is not supported; use simple, random or code");
        }
        return List.of(items.stream().map(i -> run.item(i.json(), i)).toList());
    }

    /**
     * Code-node code that sorts {@code $input.all()} with the user's comparator and links each item
     * to the one it was. The comparator's body starts on the script's first line, so an error names
     * the user's own line.
     */
    static String comparatorScript(String body) throws NodeFailedException {
        if (!RETURNS.matcher(body).find())
            throw new NodeFailedException("code: the comparator never returns; return a negative number when a goes"
                    + " before b, a positive one when b goes before a, and 0 when they are equal");
        return "const __compare = function (a, b) {" + body + "\n};\n" + """
                return items
                  .map(function (item, index) { return { item: item, index: index }; })
                  .sort(function (x, y) { return __compare(x.item, y.item); })
                  .map(function (x) { return { json: x.item.json, pairedItem: x.index }; });
                """;
    }

    private static final java.util.regex.Pattern RETURNS = java.util.regex.Pattern.compile("\\breturn\\b");

    private static int compare(JsonNode a, JsonNode b) {
        boolean ma = Fields.missing(a), mb = Fields.missing(b);
        if (ma || mb) return Boolean.compare(ma, mb);
        if (a.isNumber() && b.isNumber()) return Double.compare(a.asDouble(), b.asDouble());
        if (a.isBoolean() && b.isBoolean()) return Boolean.compare(a.asBoolean(), b.asBoolean());
        String x = a.isValueNode() ? a.asText() : a.toString(), y = b.isValueNode() ? b.asText() : b.toString();
        return x.compareTo(y);
    }
}
