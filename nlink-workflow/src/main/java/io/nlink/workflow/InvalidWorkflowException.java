package io.nlink.workflow;

import java.util.List;

/** A workflow file that cannot run; {@link #problems()} names each problem with its JSON path. */
public final class InvalidWorkflowException extends Exception {
    private final List<String> problems;

    public InvalidWorkflowException(String source, List<String> problems) {
        super(source + ": "
                + (problems.size() == 1
                        ? problems.get(0)
                        : problems.size() + " problems: " + String.join("; ", problems)));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
