package io.nlink.server.refusal;

import java.util.List;

/** What the caller sent is well-formed but cannot be used as it is (a workflow that cannot run, a package that fails its checks), each problem listed. */
public final class Invalid extends Refusal {
    public Invalid(String message) {
        this(message, List.of());
    }

    public Invalid(String message, List<?> problems) {
        super(message, problems);
    }
}
