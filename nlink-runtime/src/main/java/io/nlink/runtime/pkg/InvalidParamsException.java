package io.nlink.runtime.pkg;

import java.util.List;

/** Parameters that do not fit the node's definition; {@link #problems()} lists each, with its path. */
public final class InvalidParamsException extends Exception {
    private final List<String> problems;

    public InvalidParamsException(List<String> problems) {
        super("invalid node parameters: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
