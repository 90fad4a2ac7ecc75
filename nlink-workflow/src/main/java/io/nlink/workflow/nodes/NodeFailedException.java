package io.nlink.workflow.nodes;

/** A node run that failed as a whole (or an item failed and the node's errors stop the workflow). */
public final class NodeFailedException extends Exception {
    public NodeFailedException(String message) {
        super(message);
    }
}
