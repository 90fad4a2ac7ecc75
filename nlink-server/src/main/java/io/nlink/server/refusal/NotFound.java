package io.nlink.server.refusal;

import java.util.List;

/** No such thing, or none the caller may see: the two are answered alike. */
public final class NotFound extends Refusal {
    public NotFound(String message) {
        super(message, List.of());
    }
}
