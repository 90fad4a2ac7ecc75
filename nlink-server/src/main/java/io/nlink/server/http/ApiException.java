package io.nlink.server.http;

import java.util.List;

/**
 * A request the server refuses, with the HTTP status and a message that says what was wrong and
 * what to do. Rendered as {@code {"error": message, "problems": [...]}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final List<?> problems;
    private final long retryAfterSeconds;

    public ApiException(int status, String message) {
        this(status, message, List.of());
    }

    /** @param problems details, each a string or a JSON-serialisable record */
    public ApiException(int status, String message, List<?> problems) {
        this(status, message, problems, 0);
    }

    private ApiException(int status, String message, List<?> problems, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.problems = List.copyOf(problems);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /**
     * 429 with a {@code Retry-After} header, so a well-behaved client waits instead of retrying
     * at once.
     *
     * @param retryAfterSeconds at least 1: a client must not be told to retry immediately
     */
    public static ApiException tooManyRequests(String message, long retryAfterSeconds) {
        return new ApiException(429, message, List.of(), Math.max(1, retryAfterSeconds));
    }

    /** Seconds the client should wait before trying again, or 0 when the refusal is not about load. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
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
