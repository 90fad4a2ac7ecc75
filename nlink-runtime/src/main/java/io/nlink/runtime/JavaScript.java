package io.nlink.runtime;

/**
 * JavaScript the host itself brings, rather than a package: a workflow's Code node and its
 * expressions. It runs in the same sandbox as a package's execution.js, under the same {@link
 * SandboxLimits}. {@link NodeRuntime#javascript()} gives the runtime's; thread-safe.
 */
public interface JavaScript {
    /**
     * The prepared script for this source text, cached by its SHA-256 (the same text gives the
     * same executable); the script's top level runs when an instance starts.
     */
    NodeExecutable load(String script);
}
