package io.nlink.server.refusal;

import java.util.List;

/** The caller's sign-in failed: the name or password is wrong (which one is not said). */
public final class NotSignedIn extends Refusal {
    public NotSignedIn(String message) {
        super(message, List.of());
    }
}
