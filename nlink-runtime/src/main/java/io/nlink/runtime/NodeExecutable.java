package io.nlink.runtime;

import io.nlink.runtime.internal.NodeRuntimes;

/**
 * A node ready to run in one runtime: a compiled wasm module or a prepared execution.js.
 * Immutable and shared; every batch lane takes its own {@link NodeInstance} from it.
 */
public interface NodeExecutable {
    /** Which runtime runs it: "wasm" or "js". Every result says it too. */
    String runtime();

    /**
     * A fresh, initialised instance under these limits.
     *
     * @throws SandboxException when the node cannot start (instantiation, {@code _initialize} or
     *     the script's top level fails or runs past {@link SandboxLimits#initTimeout()})
     */
    NodeInstance newInstance(SandboxLimits limits) throws SandboxException;

    /**
     * What re-runs an item whose run here failed (trap, timeout, a limit), or null: set only when
     * the package opts in to per-item fallback ({@code "perItemFallback": true} in
     * definition.json) and has an execution.js. {@link NodeRuntimes#choose} decides; the batch
     * lane applies it ({@link NodeRuntimes#fallsBackPerItem}).
     */
    default NodeExecutable perItemFallback() {
        return null;
    }
}
