package io.nlink.server.http;

import io.nlink.server.refusal.BadInput;
import io.nlink.server.refusal.Broken;
import io.nlink.server.refusal.Busy;
import io.nlink.server.refusal.Conflict;
import io.nlink.server.refusal.Forbidden;
import io.nlink.server.refusal.Invalid;
import io.nlink.server.refusal.NotFound;
import io.nlink.server.refusal.NotSignedIn;
import io.nlink.server.refusal.Refusal;
import io.nlink.server.refusal.Unavailable;

/** The one place a domain refusal becomes an HTTP status; {@link Api} answers with it and the refusal's message and problems. */
public final class Refusals {
    private Refusals() {}

    /** The status each kind of refusal is answered with. */
    public static int status(Refusal refusal) {
        return switch (refusal) {
            case BadInput r -> 400;
            case NotSignedIn r -> 401;
            case Forbidden r -> 403;
            case NotFound r -> 404;
            case Conflict r -> 409;
            case Invalid r -> 422;
            case Busy r -> 429;
            case Broken r -> 500;
            case Unavailable r -> 503;
        };
    }

    /** The {@code Retry-After} seconds to answer with, or 0 for none. */
    static long retryAfterSeconds(Refusal refusal) {
        return refusal instanceof Busy busy ? busy.retryAfterSeconds() : 0;
    }
}
