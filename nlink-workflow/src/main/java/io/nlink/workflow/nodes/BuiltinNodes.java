package io.nlink.workflow.nodes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The node types nLink has, by n8n's type names; any other type is a community node's package name. */
public final class BuiltinNodes {
    private static final Map<String, NodeType> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put("n8n-nodes-base.manualTrigger", new Trigger());
        TYPES.put("n8n-nodes-base.webhook", new Trigger());
        TYPES.put("n8n-nodes-base.scheduleTrigger", new Trigger());
        TYPES.put("n8n-nodes-base.set", new SetNode());
        TYPES.put("n8n-nodes-base.if", new IfNode());
        TYPES.put("n8n-nodes-base.merge", new MergeNode());
        TYPES.put("n8n-nodes-base.code", new CodeNode());
        TYPES.put("n8n-nodes-base.function", new FunctionNode(false));
        TYPES.put("n8n-nodes-base.functionItem", new FunctionNode(true));
        TYPES.put("n8n-nodes-base.noOp", new NoOpNode());
        TYPES.put("n8n-nodes-base.filter", new FilterNode());
        TYPES.put("n8n-nodes-base.switch", new SwitchNode());
        TYPES.put("n8n-nodes-base.splitOut", new SplitOutNode());
        TYPES.put("n8n-nodes-base.aggregate", new AggregateNode());
        TYPES.put("n8n-nodes-base.summarize", new SummarizeNode());
        TYPES.put("n8n-nodes-base.removeDuplicates", new RemoveDuplicatesNode());
        TYPES.put("n8n-nodes-base.sort", new SortNode());
        TYPES.put("n8n-nodes-base.limit", new LimitNode());
        TYPES.put("n8n-nodes-base.itemLists", new ItemListsNode());
        TYPES.put("n8n-nodes-base.renameKeys", new RenameKeysNode());
        TYPES.put("n8n-nodes-base.stopAndError", new StopAndErrorNode());
        TYPES.put("n8n-nodes-base.respondToWebhook", new RespondToWebhookNode());
        TYPES.put("n8n-nodes-base.httpRequest", new HttpRequestNode());
        TYPES.put("n8n-nodes-base.splitInBatches", new SplitInBatchesNode());
        TYPES.put("n8n-nodes-base.wait", new WaitNode());
        TYPES.put("n8n-nodes-base.executeWorkflow", new ExecuteWorkflowNode());
        TYPES.put("n8n-nodes-base.executeWorkflowTrigger", new ExecuteWorkflowTrigger());
        TYPES.put("n8n-nodes-base.errorTrigger", new Trigger());
        TYPES.put("n8n-nodes-base.dateTime", new DateTimeNode());
        TYPES.put("n8n-nodes-base.crypto", new CryptoNode());
        TYPES.put("n8n-nodes-base.cron", new Trigger());
        TYPES.put("n8n-nodes-base.interval", new Trigger());
        TYPES.put("n8n-nodes-base.debugHelper", new DebugHelperNode());
        TYPES.put("n8n-nodes-base.html", new HtmlNode(false));
        TYPES.put("n8n-nodes-base.htmlExtract", new HtmlNode(true));
        TYPES.put("n8n-nodes-base.rssFeedRead", new RssFeedReadNode());
        TYPES.put("n8n-nodes-base.readBinaryFiles", new ReadFilesNode("Read Binary Files"));
        TYPES.put("n8n-nodes-base.readBinaryFile", new ReadFilesNode("Read Binary File"));
        TYPES.put("n8n-nodes-base.readWriteFile", new ReadFilesNode("Read/Write Files from Disk"));
    }

    private static final NodeType COMMUNITY = new CommunityNode();

    /**
     * n8n's own community nodes are named {@code [@scope/]n8n-nodes-<package>.<nodeName>}: an npm
     * package of n8n TypeScript code and the node inside it, often with capitals in the node's name.
     */
    private static final Pattern N8N_COMMUNITY_TYPE =
            Pattern.compile("^(@[A-Za-z0-9~-][A-Za-z0-9._~-]*/)?n8n-nodes-[A-Za-z0-9._~-]*\\.[A-Za-z0-9_]+$");

    /** Types that exist only on n8n's canvas and never run: Sticky Notes. */
    private static final java.util.Set<String> CANVAS_ONLY = java.util.Set.of("n8n-nodes-base.stickyNote");

    /** Loop Over Items: the one node a loop body may feed back into. */
    public static final String SPLIT_IN_BATCHES = "n8n-nodes-base.splitInBatches";
    /** Where a called workflow starts. */
    public static final String EXECUTE_WORKFLOW_TRIGGER = "n8n-nodes-base.executeWorkflowTrigger";

    private BuiltinNodes() {}

    /** Whether {@code type} is a loop node, which its loop body may feed back into. */
    public static boolean isLoop(String type) {
        return SPLIT_IN_BATCHES.equals(type);
    }

    public static boolean has(String type) {
        return TYPES.containsKey(type);
    }

    /** Whether {@code type} names an n8n community node (never an n8n core one, which starts with n8n-nodes-base or @n8n/). */
    public static boolean isN8nCommunityType(String type) {
        return !type.startsWith("@n8n/")
                && !type.startsWith("n8n-nodes-base.")
                && N8N_COMMUNITY_TYPE.matcher(type).matches();
    }

    /** What a run of an n8n community node of {@code type} fails with: why it cannot run here, and what to do. */
    public static String n8nCommunityNodeProblem(String type) {
        return CommunityNode.n8nCommunityNode(type);
    }

    /** Whether {@code type} is a canvas decoration (a Sticky Note) that a workflow file may hold but that never runs. */
    public static boolean isCanvasOnly(String type) {
        return CANVAS_ONLY.contains(type);
    }

    public static List<String> types() {
        return List.copyOf(TYPES.keySet());
    }

    /** The implementation of {@code type}: a built-in, or the community node runner. */
    public static NodeType of(String type) {
        return TYPES.getOrDefault(type, COMMUNITY);
    }
}
