package io.nlink.server.refusal;

import java.util.List;

/** The server cannot take this run now (its bound of runs under way is reached, or no member could run it). */
public final class Unavailable extends Refusal {
    public Unavailable(String message) {
        super(message, List.of());
    }
}
