package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.json.Json;
import io.nlink.workflow.expr.Expressions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Code (n8n-nodes-base.code), JavaScript only, in the sandbox the execution.js fallback uses (no
 * host, files, network, environment or threads; a time bound per call).
 * <ul>
 *   <li>{@code mode: "runOnceForAllItems"} (the default): {@code jsCode} runs once with
 *       {@code $input.all()} / {@code items} (each {@code {json}}) and returns a list of items.
 *   <li>{@code mode: "runOnceForEachItem"}: it runs per item with {@code $json}, {@code $index},
 *       {@code $input.item} and returns one item (or null to drop it).
 * </ul>
 * Items may be returned as {@code {json: {...}}} or as plain objects. {@code $node} and
 * {@code $("Name")} give the first item of nodes that ran before.
 */
final class CodeNode implements NodeType {
    @Override
    public List<List<JsonNode>> run(NodeRun run) throws NodeFailedException {
        String language = run.parameters().path("language").asText("javaScript");
        if (!language.equals("javaScript")) {
            throw new NodeFailedException("language \"" + language + "\" is not supported by nLink's Code node; use javaScript");
        }
        String code = run.parameters().path("jsCode").asText(null);
        if (code == null) throw new NodeFailedException("jsCode: the node has no code");
        boolean perItem = run.parameters().path("mode").asText("runOnceForAllItems").equals("runOnceForEachItem");
        List<JsonNode> items = run.input(0);
        List<List<JsonNode>> outputs = run.outputs(1);
        ObjectNode params = Json.MAPPER.createObjectNode();
        params.set("nodes", Json.MAPPER.valueToTree(run.firstItems()));
        run.runtime("js");
        try (BatchRunner batch = new BatchRunner(run.services().js().load(script(code, perItem)), run.limits(), params, BatchOptions.DEFAULTS)) {
            if (perItem) {
                for (int i = 0; i < items.size(); i++) {
                    ObjectNode p = params.deepCopy().put("index", i);
                    ItemResult result = batch.next(p, items.get(i));
                    collect(run, outputs, result, i, items.get(i));
                }
            } else {
                ObjectNode all = Json.MAPPER.createObjectNode();
                all.set("items", Json.MAPPER.valueToTree(items));
                ItemResult result = batch.next(params.deepCopy().put("index", 0), all);
                if (!result.ok()) {
                    run.log(result.stdout());
                    run.log(result.stderr());
                    throw new NodeFailedException(message(result.failure().message()));
                }
                collect(run, outputs, result, 0, null);
            }
        }
        return outputs;
    }

    private static void collect(NodeRun run, List<List<JsonNode>> outputs, ItemResult result, int index, JsonNode item) throws NodeFailedException {
        run.log(result.stdout());
        run.log(result.stderr());
        if (result.ok()) outputs.get(0).addAll(result.items());
        else run.itemFailed(outputs, index, item, message(result.failure().message()));
    }

    private static final Pattern SCRIPT_LINE = Pattern.compile("execution\\.js:(\\d+)");

    /** Errors name lines of the user's code, not of the wrapper around it. */
    private static String message(String failure) {
        Matcher m = SCRIPT_LINE.matcher(failure);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, "code line " + Math.max(1, Integer.parseInt(m.group(1)) - 1));
        m.appendTail(out);
        return out.toString().replace("execution.js", "the code");
    }

    /** The user's code first (line 2 of the script is its line 1), then the execute_node wrapper. */
    private static String script(String code, boolean perItem) {
        return "function __user($input, items, $json, $index, item, $node, $) {\n" + code + "\n}\n" + """
                function __items(r, perItem) {
                  if (r === undefined || r === null) return [];
                  if (!Array.isArray(r)) r = [r];
                  return r.map(function (x, i) {
                    if (x === null || typeof x !== 'object' || Array.isArray(x)) {
                      throw new TypeError('the code returned ' + (Array.isArray(x) ? 'an array' : typeof x) + ' as item ' + i + '; return objects or {json: object}');
                    }
                    return (x.json !== null && typeof x.json === 'object' && !Array.isArray(x.json)) ? { json: x.json } : { json: x };
                  });
                }
                """ + Expressions.NODE_REFERENCES_JS + """
                function execute_node(input) {
                  const refs = __references(input.params.nodes), $node = refs.$node, $ = refs.$;
                """ + (perItem ? """
                  const item = { json: input.$json };
                  return __items(__user({ item: item }, [item], input.$json, input.params.index, item, $node, $));
                }
                """ : """
                  const items = input.$json.items.map(function (j) { return { json: j }; });
                  const $input = { all: function () { return items; }, first: function () { return items[0]; },
                                   last: function () { return items[items.length - 1]; } };
                  return __items(__user($input, items, undefined, 0, undefined, $node, $));
                }
                """);
    }
}
