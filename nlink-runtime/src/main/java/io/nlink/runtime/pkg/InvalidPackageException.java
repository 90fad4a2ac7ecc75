package io.nlink.runtime.pkg;

import java.util.List;
import java.util.stream.Collectors;

/** A package that cannot be loaded; {@link #problems()} lists every problem found, not just the first. */
public final class InvalidPackageException extends Exception {
    private final List<Problem> problems;

    public InvalidPackageException(String source, List<Problem> problems) {
        super(source
                + " is not a valid nLink node package:\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
