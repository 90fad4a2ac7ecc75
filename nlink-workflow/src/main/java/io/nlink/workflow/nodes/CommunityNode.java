package io.nlink.workflow.nodes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlink.runtime.ItemResult;
import io.nlink.runtime.batch.BatchOptions;
import io.nlink.runtime.batch.BatchRunner;
import io.nlink.runtime.json.Json;
import io.nlink.runtime.pkg.InvalidParamsException;
import io.nlink.workflow.Item;
import io.nlink.workflow.NodeResolver;
import java.util.List;

/**
 * A community node: its package, resolved by name (and pinned version), runs the node run's items
 * as one batch — one sandbox instance for all of them, as the runtime promises — with each item's
 * parameters resolved from expressions and checked against definition.json.
 */
final class CommunityNode implements NodeType {
    /**
     * Why an n8n community node cannot run: it is TypeScript written against n8n's internals, so no
     * install can make it available; the way out is a replacement or disabling it.
     */
    static String n8nCommunityNode(String type) {
        String npmPackage = type.substring(0, type.lastIndexOf('.'));
        return type + " is an n8n community node (the npm package " + npmPackage
                + "); n8n community nodes are n8n TypeScript code"
                + " and cannot run in nLink. Replace this node with a built-in node, a Code node or an nLink community node that does"
                + " the same, or disable it";
    }

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        String type = run.node().type();
        // An npm package name is lower case: with capitals, no package can ever match.
        if (BuiltinNodes.isN8nCommunityType(type) && !type.equals(type.toLowerCase(java.util.Locale.ROOT))) {
            throw new NodeFailedException(n8nCommunityNode(type));
        }
        NodeResolver.Resolved resolved;
        try {
            resolved = run.services().resolver().resolve(type, run.node().packageVersion());
        } catch (NodeResolver.UnknownNodeException e) {
            if (BuiltinNodes.isN8nCommunityType(type)) throw new NodeFailedException(n8nCommunityNode(type));
            throw new NodeFailedException(e.getMessage());
        }
        run.runtime(resolved.executable().runtime());
        if (resolved.fallbackWhy() != null) run.log("runs execution.js: " + resolved.fallbackWhy());
        List<List<Item>> outputs = run.outputs(1);
        try (BatchRunner batch = new BatchRunner(
                resolved.executable(),
                run.limits(),
                Json.MAPPER.createObjectNode(),
                BatchOptions.DEFAULTS,
                run.cancellation())) { // a stop ends the item under way: itemFailed turns it into the node's stop
            run.eachItem(run.input(0), outputs, (i, item, params) -> {
                ObjectNode nodeParams;
                try {
                    nodeParams = resolved.definition().resolveParams(params);
                } catch (InvalidParamsException e) {
                    throw new IllegalArgumentException("invalid parameters: " + String.join("; ", e.problems()));
                }
                ItemResult result = batch.next(nodeParams, item.json());
                run.log(result.stdout());
                run.log(result.stderr());
                if (result.ok()) result.items().forEach(json -> outputs.get(0).add(run.item(json, item)));
                else run.itemFailed(outputs, i, item, result.failure());
            });
        }
        return outputs;
    }
}
