package io.nlink.workflow.nodes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    }

    private static final NodeType COMMUNITY = new CommunityNode();

    private BuiltinNodes() {}

    public static boolean has(String type) {
        return TYPES.containsKey(type);
    }

    public static List<String> types() {
        return List.copyOf(TYPES.keySet());
    }

    /** The implementation of {@code type}: a built-in, or the community node runner. */
    public static NodeType of(String type) {
        return TYPES.getOrDefault(type, COMMUNITY);
    }
}
