package io.nlink.server.refusal;

import java.util.List;

/** The request is sound, but clashes with the state things are in (a name or route taken, a run already ended). */
public final class Conflict extends Refusal {
    public Conflict(String message) {
        super(message, List.of());
    }
}
