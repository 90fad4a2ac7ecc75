package io.nlink.workflow.nodes;

import io.nlink.workflow.Item;
import java.util.List;
import java.util.Map;

/**
 * Item Lists (n8n-nodes-base.itemLists, versions 1–3.1): n8n's older node whose operations became
 * nodes of their own, with the same parameters. Each operation runs the node it became:
 * {@code splitOutItems} (the default) Split Out, {@code aggregateItems} (1–2) and
 * {@code concatenateItems} (3) Aggregate, {@code removeDuplicates}, {@code sort}, {@code limit},
 * {@code summarize}. Older versions' field lists ({@code {fields: [{fieldName}]}}) are read as
 * the comma-separated lists of the newer nodes.
 */
final class ItemListsNode implements NodeType {
    private static final Map<String, NodeType> OPERATIONS = Map.of(
            "splitOutItems", new SplitOutNode(),
            "aggregateItems", new AggregateNode(),
            "concatenateItems", new AggregateNode(),
            "removeDuplicates", RemoveDuplicatesNode::withinInput,
            "sort", new SortNode(),
            "limit", new LimitNode(),
            "summarize", new SummarizeNode());

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        String operation = run.parameters().path("operation").asText("splitOutItems");
        NodeType node = OPERATIONS.get(operation);
        if (node == null) {
            throw new NodeFailedException(
                    "operation \"" + operation + "\" is not an Item Lists operation nLink has;"
                            + " use splitOutItems, concatenateItems (aggregateItems), removeDuplicates, sort, limit or summarize");
        }
        return node.run(run);
    }
}
