package io.nlink.server.refusal;

import java.util.List;

/** Something the server stored and should be able to use no longer works: the server's fault, not the caller's. */
public final class Broken extends Refusal {
    public Broken(String message) {
        super(message, List.of());
    }
}
