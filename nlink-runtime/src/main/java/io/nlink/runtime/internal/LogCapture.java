package io.nlink.runtime.internal;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A guest's stdout or stderr for the current item (internal to the runtimes): keeps at most {@code limit} bytes, counts the
 * rest as dropped, and is emptied by {@link #take()} when the item ends. The guest cannot make
 * the host hold more than the limit, however much it writes.
 */
public final class LogCapture extends OutputStream {
    private final int limit;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private long dropped;

    public LogCapture(int limit) {
        this.limit = limit;
    }

    @Override
    public void write(int b) {
        if (buffer.size() < limit) {
            buffer.write(b);
        } else {
            dropped++;
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        int room = Math.max(0, limit - buffer.size());
        int kept = Math.min(room, length);
        buffer.write(bytes, offset, kept);
        dropped += length - kept;
    }

    /** Whether nothing more will be kept this item: further writes only count as dropped. */
    public boolean full() {
        return buffer.size() >= limit;
    }

    /** Counts {@code length} bytes written but not kept, without the bytes themselves. */
    public void drop(long length) {
        dropped += length;
    }

    public boolean truncated() {
        return dropped > 0;
    }

    /** The text captured since the last take, left in place. */
    public String peek() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** The text captured since the last take, and a fresh start for the next item. */
    public String take() {
        String text = buffer.toString(StandardCharsets.UTF_8);
        buffer.reset();
        dropped = 0;
        return text;
    }
}
