package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.internal.LogCapture;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import run.endive.runtime.Instance;
import run.endive.runtime.Memory;
import run.endive.runtime.WasmFunctionHandle;
import run.endive.runtime.WasmInterruptedException;

/**
 * The hand-off between a batch lane and a command guest running {@code _start} on its own thread
 * (the adapter ABI, docs/abi.md). The guest's {@code fd_read} on stdin blocks here until the lane
 * hands over a context line; the first line the guest then writes to stdout is that item's result.
 *
 * <p>Everything else on stdout breaks the protocol: output before the guest has read the whole
 * context (at start-up, between items, a second line), or asking for more input before answering.
 * The item being served then fails, or the next one if none is. A result line longer than the
 * output limit fails the item as soon as it passes the limit, without waiting for its end.
 *
 * <p>stderr goes into the item's log capture only while an item is open (or during start-up);
 * between items it is held, bounded, and handed to the next item. So the lane and the guest never
 * touch the capture at the same time: the lock passes it from one to the other.
 */
final class CommandChannel {
    /** POSIX's IOV_MAX: a guest passing more iovecs gets EINVAL rather than a long host loop. */
    private static final int MAX_IOVECS = 1024;

    private static final int ESUCCESS = 0;
    private static final int EINVAL = 28;

    enum Status {
        /** The guest answered with one line: {@link Outcome#line()}. */
        RESULT,
        /** The guest blocked on stdin for the first time: it has started. */
        READY,
        /** The result line passed the output limit. */
        TOO_LONG,
        /** The guest broke the line protocol: {@link Outcome#violation()}. */
        VIOLATION,
        /** The guest's {@code _start} ended: {@link Outcome#endedBy()} (null when it returned). */
        ENDED,
        TIMED_OUT
    }

    record Outcome(Status status, byte[] line, String violation, Throwable endedBy) {}

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final int maxLineBytes;
    private final LogCapture itemLog;
    private final int maxLogBytes;
    private final ByteArrayOutputStream heldLog = new ByteArrayOutputStream();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    /**
     * Where the line protocol stands. The lane moves it at the ends of start-up and of each item;
     * the guest moves it by reading stdin and writing stdout.
     */
    private enum Phase {
        /** {@code _start} runs and has not yet read stdin: stdout must stay silent. */
        STARTING,
        /** The guest blocked on stdin for the first time; the lane has not yet taken note. */
        READY,
        /** Between items: stdout must stay silent, stderr is held for the next item. */
        IDLE,
        /** The lane handed over a context ({@link #context}); the guest has not yet read all of it. */
        READING,
        /** The guest read the whole context: its stdout now builds the result line. */
        ANSWERING,
        /** The guest ended the result line ({@link #result}); the lane takes it. */
        ANSWERED
    }

    /** How the guest broke the protocol. The first fault stays, and later output is ignored. */
    private sealed interface Fault {}

    private record LineTooLong() implements Fault {}

    private record Violation(String why) implements Fault {}

    /** The guest's {@code _start} ended, by returning ({@code cause} null) or throwing. */
    private record Ended(Throwable cause) {}

    // Guarded by lock.
    private Phase phase = Phase.STARTING;
    private Fault fault;
    private Ended ended;
    private boolean closed;
    private byte[] context;
    private int contextRead;
    private byte[] result;

    /**
     * @param maxLineBytes the output limit for one result line, newline excluded
     * @param itemLog      the sandbox's stderr capture
     */
    CommandChannel(int maxLineBytes, LogCapture itemLog, int maxLogBytes) {
        this.maxLineBytes = maxLineBytes;
        this.itemLog = itemLog;
        this.maxLogBytes = maxLogBytes;
    }

    // ---- the lane's side -------------------------------------------------------------------------

    /** Waits until the guest first blocks on stdin, ends, breaks the protocol, or the time is up. */
    Outcome awaitReady(long timeoutNanos) {
        lock.lock();
        try {
            Outcome outcome = await(timeoutNanos, () -> phase == Phase.READY, Status.READY);
            phase = Phase.IDLE;
            // Output at start-up fails the start, even when the guest went on to read stdin.
            return fault instanceof Violation v ? new Outcome(Status.VIOLATION, null, v.why(), null) : outcome;
        } finally {
            lock.unlock();
        }
    }

    /** Hands one context line to the guest and waits for its answer, at most {@code timeoutNanos}. */
    Outcome exchange(byte[] contextLine, long timeoutNanos) {
        lock.lock();
        try {
            if (fault instanceof Violation v) {
                return new Outcome(Status.VIOLATION, null, v.why(), null);
            }
            if (ended != null) {
                return new Outcome(Status.ENDED, null, null, ended.cause());
            }
            context = contextLine;
            contextRead = 0;
            phase = Phase.READING;
            result = null;
            line.reset();
            itemLog.write(heldLog.toByteArray(), 0, heldLog.size());
            heldLog.reset();
            changed.signalAll();
            Outcome outcome = await(timeoutNanos, () -> phase == Phase.ANSWERED, Status.RESULT);
            phase = Phase.IDLE;
            context = null;
            return outcome;
        } finally {
            lock.unlock();
        }
    }

    private Outcome await(long timeoutNanos, java.util.function.BooleanSupplier done, Status success) {
        long remaining = timeoutNanos;
        while (true) {
            if (done.getAsBoolean()) {
                return new Outcome(success, result, null, null);
            }
            switch (fault) {
                case LineTooLong tooLong -> {
                    return new Outcome(Status.TOO_LONG, null, null, null);
                }
                case Violation v -> {
                    return new Outcome(Status.VIOLATION, null, v.why(), null);
                }
                case null -> {}
            }
            if (ended != null) {
                return new Outcome(Status.ENDED, null, null, ended.cause());
            }
            if (remaining <= 0) {
                return new Outcome(Status.TIMED_OUT, null, null, null);
            }
            try {
                remaining = changed.awaitNanos(remaining);
            } catch (InterruptedException e) {
                // The lane is being shut down: give up on this item as if it timed out.
                Thread.currentThread().interrupt();
                return new Outcome(Status.TIMED_OUT, null, null, null);
            }
        }
    }

    /** Stops serving the guest: a blocked or later read unwinds it. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---- the guest's side ------------------------------------------------------------------------

    /** Called on the guest thread when {@code _start} has ended, by returning ({@code cause} null) or throwing. */
    void guestEnded(Throwable cause) {
        lock.lock();
        try {
            ended = new Ended(cause);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** {@code fd_read(0, iovs, iovsLen, nreadPtr)}: scatters the pending context into the guest's buffers. */
    final WasmFunctionHandle stdinRead = (Instance instance, long... args) -> {
        Memory memory = instance.memory();
        int iovs = (int) args[1];
        int iovCount = (int) args[2];
        int nreadPtr = (int) args[3];
        if (iovCount < 0 || iovCount > MAX_IOVECS) {
            return new long[] {EINVAL};
        }
        long capacity = 0;
        for (int i = 0; i < iovCount; i++) {
            capacity += Integer.toUnsignedLong(memory.readInt(iovs + i * 8 + 4));
        }
        byte[] chunk = takeInput((int) Math.min(capacity, Integer.MAX_VALUE));
        int written = 0;
        for (int i = 0; i < iovCount && written < chunk.length; i++) {
            int buffer = memory.readInt(iovs + i * 8);
            int length =
                    (int) Math.min(Integer.toUnsignedLong(memory.readInt(iovs + i * 8 + 4)), chunk.length - written);
            memory.write(buffer, chunk, written, length);
            written += length;
        }
        memory.writeI32(nreadPtr, written);
        return new long[] {ESUCCESS};
    };

    /** Up to {@code max} bytes of the current context, blocking until the lane hands one over. */
    private byte[] takeInput(int max) {
        lock.lock();
        try {
            if (max == 0) {
                return new byte[0];
            }
            while (true) {
                if (closed) {
                    throw new WasmInterruptedException("the sandbox was closed");
                }
                if (phase == Phase.ANSWERING && fault == null) {
                    breakProtocol("the node asked for more input before writing a result line for this item"
                            + " (write exactly one line per context to stdout, and flush it)");
                }
                // A line too long does not stop the guest reading: the lane decides what comes next.
                if (phase == Phase.READING && !(fault instanceof Violation)) {
                    int n = Math.min(max, context.length - contextRead);
                    byte[] chunk = java.util.Arrays.copyOfRange(context, contextRead, contextRead + n);
                    contextRead += n;
                    if (contextRead == context.length) {
                        phase = Phase.ANSWERING;
                    }
                    return chunk;
                }
                if (phase == Phase.STARTING) {
                    phase = Phase.READY;
                    changed.signalAll();
                }
                try {
                    changed.await();
                } catch (InterruptedException e) {
                    throw new WasmInterruptedException("the guest was interrupted while waiting for input");
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void breakProtocol(String why) {
        if (fault == null) {
            fault = new Violation(why);
            changed.signalAll();
        }
    }

    /** The guest's stdout: result lines, nothing else. */
    final OutputStream stdout = new OutputStream() {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            lock.lock();
            try {
                acceptOutput(bytes, offset, length);
            } finally {
                lock.unlock();
            }
        }
    };

    private void acceptOutput(byte[] bytes, int offset, int length) {
        if (length == 0 || closed || fault != null) {
            return;
        }
        if (phase == Phase.STARTING || phase == Phase.READY) {
            breakProtocol("the node wrote to stdout while starting, before reading its first context:"
                    + " stdout carries result lines only (write logs to stderr); it wrote "
                    + quote(bytes, offset, length));
            return;
        }
        if (phase != Phase.ANSWERING) {
            breakProtocol("the node wrote to stdout outside an item's answer (before reading the item's whole"
                    + " context, or after its result line): stdout carries exactly one line per context; it wrote "
                    + quote(bytes, offset, length));
            return;
        }
        int end = offset + length;
        int newline = offset;
        while (newline < end && bytes[newline] != '\n') {
            newline++;
        }
        int kept = newline - offset;
        if ((long) line.size() + kept > maxLineBytes) {
            fault = new LineTooLong();
            changed.signalAll();
            return;
        }
        line.write(bytes, offset, kept);
        if (newline < end) {
            result = line.toByteArray();
            phase = Phase.ANSWERED;
            changed.signalAll();
            if (newline + 1 < end) {
                acceptOutput(bytes, newline + 1, end - newline - 1);
            }
        }
    }

    /** The guest's stderr: into the item's log while one is open (or at start-up), else held for the next. */
    final OutputStream stderr = new OutputStream() {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            lock.lock();
            try {
                if (phase != Phase.IDLE) {
                    itemLog.write(bytes, offset, length);
                } else {
                    heldLog.write(bytes, offset, Math.max(0, Math.min(length, maxLogBytes - heldLog.size())));
                }
            } finally {
                lock.unlock();
            }
        }
    };

    private static String quote(byte[] bytes, int offset, int length) {
        String text = new String(bytes, offset, Math.min(length, 120), java.nio.charset.StandardCharsets.UTF_8);
        return "\"" + text.replace("\n", "\\n") + "\"";
    }
}
