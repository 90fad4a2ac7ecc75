package io.nlink.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A one-line progress display on stderr for long batches: items done, items per second, and,
 * when the input's size is known, the share read and an ETA. Redrawn four times a second from a
 * daemon thread; only used when stderr is a terminal, so logs and pipes stay clean.
 */
final class Progress implements AutoCloseable {
    private static final long REDRAW_MILLIS = 250;

    private final PrintStream err;
    private final AtomicLong items = new AtomicLong();
    private final LongSupplier bytesRead;
    private final long totalBytes;
    private final long start = System.nanoTime();
    private final Thread painter;
    private volatile boolean running = true;

    /** @param totalBytes the input's size, or -1 when unknown (stdin) */
    Progress(PrintStream err, LongSupplier bytesRead, long totalBytes) {
        this.err = err;
        this.bytesRead = bytesRead;
        this.totalBytes = totalBytes;
        this.painter = new Thread(this::paintLoop, "nlink-progress");
        painter.setDaemon(true);
        painter.start();
    }

    void itemDone() {
        items.incrementAndGet();
    }

    /** Clears the line so that something else can print a whole line to stderr. */
    synchronized void clearLine() {
        err.print("\r\033[K");
    }

    private void paintLoop() {
        while (running) {
            try {
                Thread.sleep(REDRAW_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            paint();
        }
    }

    private synchronized void paint() {
        if (!running) return;
        err.print("\r\033[K" + line());
        err.flush();
    }

    String line() {
        long done = items.get();
        double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        double rate = done / seconds;
        StringBuilder text =
                new StringBuilder(String.format(Locale.ROOT, "nlink: %,d items  %,.0f items/s", done, rate));
        if (totalBytes > 0) {
            double fraction = Math.min(1.0, (double) bytesRead.getAsLong() / totalBytes);
            text.append(String.format(Locale.ROOT, "  %3.0f%%", fraction * 100));
            if (fraction > 0.01) {
                long eta = Math.round(seconds / fraction - seconds);
                text.append(String.format(Locale.ROOT, "  ETA %d:%02d", eta / 60, eta % 60));
            }
        }
        return text.toString();
    }

    @Override
    public synchronized void close() {
        running = false;
        painter.interrupt();
        err.print("\r\033[K");
        err.flush();
    }
}
