package io.nlink.runtime.wasm;

import java.util.List;

/** The module cannot run as an nLink node; {@link #problems()} says every reason found. */
public final class InvalidModuleException extends Exception {
    private final List<String> problems;

    public InvalidModuleException(List<String> problems) {
        super("execution.wasm cannot run as an nLink node: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
