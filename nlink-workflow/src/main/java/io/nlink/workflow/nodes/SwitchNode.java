package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
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
 * Versions 1 and 2 compare one {@code value1} of one {@code dataType} (number, the default;
 * string, boolean, dateTime) with each rule's {@code value2} ({@link #versions1And2}).
 */
final class SwitchNode implements NodeType {
    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        JsonNode p = run.parameters();
        if (run.node().typeVersion() < 3) return versions1And2(run, run.node().typeVersion() >= 2);
        boolean expression = p.path("mode").asText("rules").equals("expression");
        JsonNode fallback = p.path("options").path("fallbackOutput");
        boolean extra = fallback.asText("none").equals("extra");
        int regular = expression
                ? p.path("numberOutputs").asInt(4)
                : p.path("rules").path("values").size();
        checkCount(regular, expression ? "numberOutputs" : "rules");
        List<List<Item>> outputs = run.outputs(regular + (extra ? 1 : 0));
        boolean all = p.path("options").path("allMatchingOutputs").asBoolean(false);
        run.eachItem(run.input(0), outputs, (i, item, params) -> {
            if (expression) {
                outputs.get(index(params.path("output"), regular, "output")).add(run.item(item.json(), item));
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

    /**
     * Switch 1 and 2: {@code rules.rules[]} each {@code {operation, value2}} against the node's
     * {@code value1}; an item goes to the first rule that holds, else to {@code fallbackOutput}
     * (-1, the default: dropped). Version 2 has one output per rule; version 1 has four, each rule
     * naming its {@code output}. In expression mode, {@code output} is the index (of
     * {@code outputsAmount} outputs in version 2, four in version 1).
     */
    private static List<List<Item>> versions1And2(NodeRun run, boolean version2) throws NodeFailedException {
        JsonNode p = run.parameters();
        boolean expression = p.path("mode").asText("rules").equals("expression");
        int count = !version2
                ? 4
                : expression
                        ? p.path("outputsAmount").asInt(4)
                        : p.path("rules").path("rules").size();
        checkCount(count, expression ? "outputsAmount" : "rules");
        List<List<Item>> outputs = run.outputs(count);
        String dataType = p.path("dataType").asText("number");
        run.eachItem(run.input(0), outputs, (i, item, params) -> {
            if (expression) {
                outputs.get(index(orZero(params.path("output")), count, "output"))
                        .add(run.item(item.json(), item));
                return;
            }
            JsonNode rules = params.path("rules").path("rules");
            for (int r = 0; r < rules.size(); r++) {
                JsonNode rule = rules.get(r);
                if (IfNode.holdsVersion1(dataType, rule.path("operation"), params.get("value1"), rule.get("value2"))) {
                    int target =
                            version2 ? r : index(orZero(rule.path("output")), count, "rules.rules[" + r + "].output");
                    outputs.get(target).add(run.item(item.json(), item));
                    return;
                }
            }
            JsonNode fallback = params.path("fallbackOutput");
            if (!fallback.isMissingNode() && fallback.asInt(-1) != -1)
                outputs.get(index(fallback, count, "fallbackOutput")).add(run.item(item.json(), item));
        });
        return outputs;
    }

    /** {@code value} as an output index below {@code count}, else a failure of the item naming {@code what}. */
    private static int index(JsonNode value, int count, String what) {
        if (!value.canConvertToInt() || value.asInt() < 0 || value.asInt() >= count)
            throw new IllegalArgumentException(
                    what + ": " + value + " is not an output of this node (0 to " + (count - 1) + ")");
        return value.asInt();
    }

    /** Versions 1 and 2 leave an output index of 0, their default, out of their exports. */
    private static JsonNode orZero(JsonNode index) {
        return index.isMissingNode() ? IntNode.valueOf(0) : index;
    }

    private static void checkCount(int count, String what) throws NodeFailedException {
        if (count < 1 || count > 64) throw new NodeFailedException(what + ": expected 1 to 64 outputs; got " + count);
    }
}
