package io.nlink.runtime;

import io.nlink.runtime.internal.ReadyInstances;
import io.nlink.runtime.internal.ReadyMemory;

/**
 * One live, isolated instance of a node, serving a batch lane's items one at a time. Not
 * thread-safe. Whatever the node does, {@link #call} returns an {@link ItemResult}; after a
 * failure that discards the instance, {@link #usable()} turns false and the caller takes a fresh
 * one from the same {@link NodeExecutable}.
 */
public interface NodeInstance extends AutoCloseable {
    /**
     * Runs one item, which its caller may cut short.
     *
     * @param index        the item's position in its batch, carried into the result
     * @param context      the item's context JSON, as {@link ItemCodec#encodeContext} builds it
     * @param cancellation cancelled from another thread, it ends the call as promptly as the time
     *                     bound does, with a {@link NodeFailure.Kind#CANCELED} failure that
     *                     discards the instance; cancelled already, the call fails at once and the
     *                     guest never sees the item ({@link Cancellation})
     */
    ItemResult call(long index, byte[] context, Cancellation cancellation);

    /** Runs one item that nothing but its time bound cuts short ({@link Cancellation#NEVER}). */
    default ItemResult call(long index, byte[] context) {
        return call(index, context, Cancellation.NEVER);
    }

    /** False once a failure left the instance in a state that must not serve another item. */
    boolean usable();

    /** Guest memory now, in 64 KiB pages; 0 where the runtime cannot tell (JavaScript). */
    int memoryPages();

    /** Largest guest memory seen, in 64 KiB pages; 0 where the runtime cannot tell. */
    int peakMemoryPages();

    /**
     * Host memory this instance holds of its own, for {@link ReadyMemory}'s budget while it waits
     * ready: at least a megabyte, what a JavaScript context's share is taken to be (its runtime
     * cannot measure it).
     */
    default long heldBytes() {
        return Math.max(1 << 20, (long) memoryPages() * SandboxLimits.PAGE_SIZE);
    }

    /** What the instance printed while starting (reported with its first item). */
    String initStdout();

    String initStderr();

    /**
     * Done with the instance. Its node may keep it for a later batch, reset to its freshly
     * started state ({@link ReadyInstances#giveBack}); otherwise it ends, as {@link #discard} does.
     */
    @Override
    void close();

    /** Ends the instance for good, releasing everything it holds. */
    default void discard() {
        close();
    }
}
