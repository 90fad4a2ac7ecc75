package io.nlink.runtime;

/**
 * Why a node produced no output for one item. The message is for the node's author and says
 * what the node did wrong; {@link Kind#discardsInstance()} says whether the sandbox instance can
 * serve the next item or must be replaced.
 *
 * @param kind     the class of failure
 * @param message  one or two sentences: what happened and, where it helps, what to do
 * @param function the guest function that was running when it trapped (from the module's name
 *                 section), or null when unknown
 */
public record NodeFailure(Kind kind, String message, String function) {

    public enum Kind {
        /** The node returned {@code {"error": "..."}}: its own, orderly refusal of the item. */
        NODE_ERROR(false),
        /** The item's context is larger than the sandbox accepts; the guest was never called. */
        CONTEXT_TOO_LARGE(false),
        /** The guest trapped (unreachable, out-of-bounds access, stack exhaustion, ...). */
        TRAP(true),
        /** The guest called proc_exit, which for a reactor means it gave up (Go's c-shared panics trap instead). */
        EXIT(true),
        /** The guest ran past its time bound and was stopped. */
        TIMEOUT(true),
        /**
         * The caller cancelled the call ({@link Cancellation}): a stopped run, a server shutting
         * down. Not the node's fault; the guest was stopped as for {@link #TIMEOUT}, or never ran.
         */
        CANCELED(true),
        /** The guest tried to grow its memory past the sandbox's cap. */
        MEMORY_LIMIT(true),
        /** The guest returned something that is not a result: bad pointer, bad JSON, wrong shape. */
        BAD_RESULT(true),
        /** The guest returned a result larger than the sandbox's output cap. */
        OUTPUT_TOO_LARGE(true),
        /** The module could not be instantiated or its {@code _initialize} failed. */
        INSTANTIATION(true),
        /**
         * The host failed while the guest ran: an exception that is no trap (a bug in nLink or
         * its engine that a guest reached) or the JVM out of heap. Contained to the item like a
         * trap; the instance is discarded.
         */
        HOST_FAULT(true);

        private final boolean discardsInstance;

        Kind(boolean discardsInstance) {
            this.discardsInstance = discardsInstance;
        }

        /** Whether the instance's state can no longer be trusted after this failure. */
        public boolean discardsInstance() {
            return discardsInstance;
        }
    }

    public NodeFailure(Kind kind, String message) {
        this(kind, message, null);
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
