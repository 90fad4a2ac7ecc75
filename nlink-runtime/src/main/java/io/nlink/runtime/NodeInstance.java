package io.nlink.runtime;

/**
 * One live, isolated instance of a node, serving a batch lane's items one at a time. Not
 * thread-safe. Whatever the node does, {@link #call} returns an {@link ItemResult}; after a
 * failure that discards the instance, {@link #usable()} turns false and the caller takes a fresh
 * one from the same {@link NodeExecutable}.
 */
public interface NodeInstance extends AutoCloseable {
    /**
     * Runs one item.
     *
     * @param index   the item's position in its batch, carried into the result
     * @param context the item's context JSON, as {@link ItemCodec#encodeContext} builds it
     */
    ItemResult call(long index, byte[] context);

    /** False once a failure left the instance in a state that must not serve another item. */
    boolean usable();

    /** Guest memory now, in 64 KiB pages; 0 where the runtime cannot tell (JavaScript). */
    int memoryPages();

    /** Largest guest memory seen, in 64 KiB pages; 0 where the runtime cannot tell. */
    int peakMemoryPages();

    /** What the instance printed while starting (reported with its first item). */
    String initStdout();

    String initStderr();

    @Override
    void close();
}
