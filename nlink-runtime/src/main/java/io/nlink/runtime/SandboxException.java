package io.nlink.runtime;

/** A sandbox could not be made ready: instantiation, {@code _initialize} or the script's top level failed. */
public final class SandboxException extends Exception {
    private final NodeFailure failure;
    private final String stderr;

    public SandboxException(NodeFailure failure, String stderr) {
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
