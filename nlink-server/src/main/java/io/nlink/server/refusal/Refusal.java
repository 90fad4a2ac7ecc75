package io.nlink.server.refusal;

import java.util.List;

/**
 * What the server's domain (accounts, credentials, the node store, workflows) refuses to do, and
 * why: a message that says what was wrong and what to do, and any details. Each kind is a class
 * of its own; the HTTP layer alone decides the status each kind is answered with (http.Refusals),
 * so domain code never speaks HTTP.
 */
public abstract sealed class Refusal extends RuntimeException
        permits BadInput, NotSignedIn, Forbidden, NotFound, Conflict, Invalid, Busy, Unavailable, Broken {
    private final List<?> problems;

    /** @param problems details, each a string or a JSON-serialisable record */
    Refusal(String message, List<?> problems) {
        super(message);
        this.problems = List.copyOf(problems);
    }

    public List<?> problems() {
        return problems;
    }

    /** The kind's name, for a refusal that travels between cluster members ({@link #revive}). */
    public String kind() {
        return getClass().getSimpleName();
    }

    /**
     * The refusal of {@code kind} that another member made, with its message (its details stay
     * there); an unknown kind is the server's fault.
     */
    public static Refusal revive(String kind, String message) {
        return switch (kind == null ? "" : kind) {
            case "BadInput" -> new BadInput(message);
            case "NotSignedIn" -> new NotSignedIn(message);
            case "Forbidden" -> new Forbidden(message);
            case "NotFound" -> new NotFound(message);
            case "Conflict" -> new Conflict(message);
            case "Invalid" -> new Invalid(message);
            case "Busy" -> new Busy(message);
            case "Unavailable" -> new Unavailable(message);
            default -> new Broken(message);
        };
    }
}
