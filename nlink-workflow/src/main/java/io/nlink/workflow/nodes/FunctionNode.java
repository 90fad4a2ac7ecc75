package io.nlink.workflow.nodes;

import io.nlink.workflow.Item;
import java.util.List;

/**
 * Function and Function Item (n8n-nodes-base.function, .functionItem): n8n's older Code node, run
 * in the Code node's sandbox. Function's {@code functionCode} runs once with {@code items} (each
 * {@code {json}}) and returns a list; Function Item's runs per item with {@code item} being the
 * item's JSON itself (as it was there) and returns the new JSON.
 */
final class FunctionNode implements NodeType {
    private final boolean perItem;

    FunctionNode(boolean perItem) {
        this.perItem = perItem;
    }

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        // Exported without functionCode: the code n8n puts in a new node (adds myNewField = 1).
        String code = run.parameters()
                .path("functionCode")
                .asText(
                        perItem
                                ? "item.myNewField = 1;\nreturn item;"
                                : "for (const item of items) {\n  item.json.myNewField = 1;\n}\nreturn items;");
        // Function Item named the item's JSON "item": bind it on the code's first line, so error line numbers stay the
        // user's.
        return CodeNode.run(run, perItem ? "item = $json; " + code : code, perItem);
    }
}
