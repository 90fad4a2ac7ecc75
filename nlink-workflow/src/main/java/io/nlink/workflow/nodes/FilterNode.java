package io.nlink.workflow.nodes;

import io.nlink.workflow.Item;
import java.util.List;

/**
 * Filter (n8n-nodes-base.filter): keeps the items whose conditions hold. Version 2: IF 2's
 * condition block ({@code conditions.conditions}, {@code combinator}), {@code looseTypeValidation},
 * {@code options.ignoreCase}; version 1: {@code conditions.string|number|boolean} joined by
 * {@code combineConditions} (AND/OR).
 */
final class FilterNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        List<List<Item>> outputs = run.outputs(1);
        boolean version2 = run.node().typeVersion() >= 2;
        run.eachItem(run.input(0), outputs, (i, item, params) -> {
            boolean kept = version2
                    ? IfNode.holds(
                            params.path("conditions"),
                            params.path("looseTypeValidation").asBoolean(false)
                                    || params.path("options")
                                            .path("looseTypeValidation")
                                            .asBoolean(false),
                            params.path("options").path("ignoreCase").asBoolean(false),
                            run.timezone())
                    : IfNode.holdsVersion1(params, "combineConditions");
            if (kept) outputs.get(0).add(run.item(item.json(), item));
        });
        return outputs;
    }
}
