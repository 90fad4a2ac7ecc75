package io.nlink.workflow;

import io.nlink.runtime.NodeExecutable;
import io.nlink.runtime.pkg.NodeDefinition;

/**
 * Finds the community node a workflow names: the CLI looks in package folders and ZIPs, the
 * server in its Community Store.
 */
public interface NodeResolver {
    /**
     * A community node ready to run.
     *
     * @param version     the version resolved (the newest when the workflow pinned none)
     * @param fallbackWhy why execution.js runs instead of execution.wasm, or null
     */
    record Resolved(
            String name, String version, NodeDefinition definition, NodeExecutable executable, String fallbackWhy) {}

    /** @param version null for the newest available */
    Resolved resolve(String packageName, String version) throws UnknownNodeException;

    /** No such package (or version) is available; the message says what is. */
    final class UnknownNodeException extends Exception {
        public UnknownNodeException(String message) {
            super(message);
        }
    }
}
