package io.nlink.server.refusal;

import java.util.List;

/** What the caller sent is malformed or out of bounds (a field, a name, a limit): it must change it. */
public final class BadInput extends Refusal {
    public BadInput(String message) {
        this(message, List.of());
    }

    public BadInput(String message, List<?> problems) {
        super(message, problems);
    }
}
