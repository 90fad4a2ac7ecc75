package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlink.workflow.Item;
import java.util.List;

/**
 * Switch (n8n-nodes-base.switch), version 3: routes each item to an output.
 * <ul>
 *   <li>{@code mode: "rules"} (the default): {@code rules.values[]}, one output per rule, each rule
 *       IF 2's condition block in {@code conditions}. An item goes to the first rule that holds
 *       (every one with {@code options.allMatchingOutputs}); an item no rule takes goes to the
 *       fallback: {@code options.fallbackOutput} "none" (dropped, the default), "extra" (an extra
 *       last output) or an output's index.
 *   <li>{@code mode: "expression"}: {@code numberOutputs} outputs, {@code output} the index.
 * </ul>
 */
final class SwitchNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        if (run.node().typeVersion() < 3) {
            throw new NodeFailedException(
                    "Switch version " + run.node().typeVersion() + " is not supported; nLink runs Switch 3 and later"
                            + " (rules with conditions): re-create the node in n8n's current Switch, or use IF nodes");
        }
        boolean expression = p.path("mode").asText("rules").equals("expression");
        JsonNode fallback = p.path("options").path("fallbackOutput");
        boolean extra = fallback.asText("none").equals("extra");
        int regular = expression
                ? p.path("numberOutputs").asInt(4)
                : p.path("rules").path("values").size();
        if (regular < 1 || regular > 64)
            throw new NodeFailedException(
                    (expression ? "numberOutputs" : "rules") + ": expected 1 to 64 outputs; got " + regular);
        List<List<Item>> outputs = run.outputs(regular + (extra ? 1 : 0));
        boolean all = p.path("options").path("allMatchingOutputs").asBoolean(false);
        run.eachItem(run.input(0), outputs, (i, item, params) -> {
            if (expression) {
                JsonNode out = params.path("output");
                if (!out.canConvertToInt() || out.asInt() < 0 || out.asInt() >= regular) {
                    throw new IllegalArgumentException(
                            "output: " + out + " is not an output of this node (0 to " + (regular - 1) + ")");
                }
                outputs.get(out.asInt()).add(run.item(item.json(), item));
                return;
            }
            boolean loose = params.path("looseTypeValidation").asBoolean(false)
                    || params.path("options").path("looseTypeValidation").asBoolean(false);
            boolean ignoreCase = params.path("options").path("ignoreCase").asBoolean(false);
            boolean matched = false;
            JsonNode rules = params.path("rules").path("values");
            for (int r = 0; r < rules.size(); r++) {
                if (IfNode.holds(rules.get(r).path("conditions"), loose, ignoreCase, run.timezone())) {
                    outputs.get(r).add(run.item(item.json(), item));
                    matched = true;
                    if (!all) break;
                }
            }
            if (matched) return;
            if (extra) outputs.get(regular).add(run.item(item.json(), item));
            else if (fallback.canConvertToInt() && fallback.asInt() >= 0 && fallback.asInt() < regular)
                outputs.get(fallback.asInt()).add(run.item(item.json(), item));
        });
        return outputs;
    }
}
