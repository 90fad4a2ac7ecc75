package io.nlink.runtime;

import java.util.List;

/** A package cannot run in any runtime; {@link #problems()} says why, per runtime. */
public final class NoRuntimeException extends Exception {
    private final List<String> problems;

    public NoRuntimeException(String packageId, List<String> problems) {
        super(packageId + " cannot run: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Each runtime's reason, e.g. "execution.wasm does not export allocate". */
    public List<String> problems() {
        return problems;
    }
}
