package io.nlink.workflow.nodes;

import io.nlink.workflow.Item;
import java.util.List;

/** Limit (n8n-nodes-base.limit): the first (or, with {@code keep: "lastItems"}, last) {@code maxItems} items. */
final class LimitNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<Item> in = run.input(0);
        int max = run.parameters().path("maxItems").asInt(1);
        if (max < 0) throw new NodeFailedException("maxItems: expected 0 or more; got " + max);
        boolean last = run.parameters().path("keep").asText("firstItems").equals("lastItems");
        List<Item> kept =
                last ? in.subList(Math.max(0, in.size() - max), in.size()) : in.subList(0, Math.min(max, in.size()));
        return List.of(kept.stream().map(i -> run.item(i.json(), i)).toList());
    }
}
