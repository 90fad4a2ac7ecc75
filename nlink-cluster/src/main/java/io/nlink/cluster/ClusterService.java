package io.nlink.cluster;

/**
 * Work, other than batch chunks, that members offer each other by name: the server offers
 * workflow executions this way. A member that offers a service runs at most
 * {@link #concurrency()} calls of it at once; {@link NlinkCluster#call} sends a call to the
 * member with the most free slots.
 *
 * @param name        the service's name, the same on every member
 * @param concurrency calls this member runs at once; 0 offers nothing (the member still calls others)
 * @param handler     what a call runs on this member
 */
public record ClusterService(String name, int concurrency, Handler handler) {
    /** Runs one call on the member that got it: request bytes in, response bytes out. */
    @FunctionalInterface
    public interface Handler {
        /**
         * @throws Exception to answer the caller with a failure; its message travels to the
         *     caller as a {@link ServiceException}
         */
        byte[] handle(byte[] request) throws Exception;
    }

    /** The member that ran a call could not complete it: the handler's own failure, by message. */
    public static final class ServiceException extends RuntimeException {
        public ServiceException(String message) {
            super(message);
        }
    }

    public ClusterService {
        if (name == null || !name.matches("[a-z][a-z0-9-]{0,40}"))
            throw new IllegalArgumentException("service name must be lower-case letters, digits and -, got " + name);
        if (concurrency < 0 || concurrency > 1024)
            throw new IllegalArgumentException("concurrency must be 0..1024, got " + concurrency);
        java.util.Objects.requireNonNull(handler, "handler");
    }
}
