package io.nlink.server.refusal;

import java.util.List;

/** The caller is known, but may not do this (not its own, a wrong token or password, a disabled account). */
public final class Forbidden extends Refusal {
    public Forbidden(String message) {
        super(message, List.of());
    }
}
