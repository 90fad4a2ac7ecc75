package io.nlink.server.http;

import java.util.List;

/**
 * A request the server refuses, with the HTTP status and a message that says what was wrong and
 * what to do. Rendered as {@code {"error": message, "problems": [...]}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final List<?> problems;

    public ApiException(int status, String message) {
        this(status, message, List.of());
    }

    /** @param problems details, each a string or a JSON-serialisable record */
    public ApiException(int status, String message, List<?> problems) {
        super(message);
        this.status = status;
        this.problems = List.copyOf(problems);
    }

    public int status() {
        return status;
    }

    public List<?> problems() {
        return problems;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }
}
