package io.nlink.runtime.wasm;

import io.nlink.runtime.NodeFailure;

/** A sandbox could not be made ready: instantiation or {@code _initialize} failed. */
public final class SandboxException extends Exception {
    private final NodeFailure failure;
    private final String stderr;

    SandboxException(NodeFailure failure, String stderr) {
        super(failure.message());
        this.failure = failure;
        this.stderr = stderr;
    }

    public NodeFailure failure() {
        return failure;
    }

    /** What the guest wrote to stderr while initialising, bounded. */
    public String stderr() {
        return stderr;
    }
}
