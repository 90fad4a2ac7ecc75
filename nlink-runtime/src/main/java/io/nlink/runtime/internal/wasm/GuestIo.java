package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.SandboxLimits;
import io.nlink.runtime.internal.LogCapture;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.concurrent.locks.LockSupport;
import run.endive.runtime.Memory;
import run.endive.runtime.WasmFunctionHandle;
import run.endive.runtime.WasmInterruptedException;
import run.endive.runtime.WasmRuntimeException;

/**
 * The WASI calls whose work a guest sizes with its own counts and lengths ({@code fd_write}, the
 * empty stdin's {@code fd_read}, {@code random_get}, {@code poll_oneoff}), written for the
 * sandbox instead of taken from the engine's WASI. The engine's versions allocate a host buffer
 * of whatever length an iovec names before checking it (a 2 GiB {@code fd_read} was an
 * OutOfMemoryError), and loop over a million iovecs of 32 MiB without looking at the interrupt
 * (one {@code fd_write} outlived a 2 s bound by minutes). Here every call:
 *
 * <ul>
 *   <li>checks each guest range against the current memory in {@code long} arithmetic before it
 *       touches anything, and traps (as any out-of-bounds access does) when one lies outside;
 *   <li>moves bytes in chunks of at most {@link #CHUNK} through a small buffer, so the host never
 *       holds more than that per call whatever the lengths say;
 *   <li>checks the thread's interrupt between chunks and between iovecs, so the item's time bound
 *       stops it as promptly as it stops a guest loop;
 *   <li>refuses more than {@link #MAX_IOVECS} iovecs or more than 2 GiB in one call with EINVAL, as
 *       POSIX's {@code writev} does.
 * </ul>
 */
final class GuestIo {
    private GuestIo() {}

    /** POSIX's IOV_MAX. No supported toolchain passes more than a handful. */
    static final int MAX_IOVECS = 1024;

    /** The most bytes the host copies at once between guest memory and a stream. */
    static final int CHUNK = 64 * 1024;

    private static final int ESUCCESS = 0;
    private static final int EINVAL = 28;
    private static final int EBADF = 8;

    private static final byte EVENT_CLOCK = 0;
    private static final byte EVENT_FD_READ = 1;
    private static final byte EVENT_FD_WRITE = 2;
    private static final int SUBSCRIPTION_SIZE = 48;
    private static final int EVENT_SIZE = 32;
    private static final int CLOCK_REALTIME = 0;
    private static final int CLOCK_MONOTONIC = 1;
    private static final int SUBCLOCKFLAGS_ABSTIME = 1;

    /**
     * {@code fd_write(fd, iovs, iovsLen, nwrittenPtr)} for stdout (1) and stderr (2); every other
     * descriptor is EBADF (stdin, the empty root, and numbers that name nothing).
     */
    static WasmFunctionHandle fdWrite(OutputStream stdout, OutputStream stderr) {
        return (instance, args) -> {
            int fd = (int) args[0];
            OutputStream out = fd == 1 ? stdout : fd == 2 ? stderr : null;
            if (out == null) {
                return errno(EBADF);
            }
            Memory memory = instance.memory();
            long iovs = Integer.toUnsignedLong((int) args[1]);
            long count = Integer.toUnsignedLong((int) args[2]);
            int nwrittenPtr = (int) args[3];
            if (count > MAX_IOVECS) {
                return errno(EINVAL);
            }
            checkRange(memory, iovs, count * 8);
            long total = 0;
            for (int i = 0; i < count; i++) {
                total += Integer.toUnsignedLong(memory.readInt((int) (iovs + i * 8L + 4)));
            }
            if (total > Integer.MAX_VALUE) {
                return errno(EINVAL);
            }
            for (int i = 0; i < count; i++) {
                checkInterrupt();
                long base = Integer.toUnsignedLong(memory.readInt((int) (iovs + i * 8L)));
                long length = Integer.toUnsignedLong(memory.readInt((int) (iovs + i * 8L + 4)));
                checkRange(memory, base, length);
                for (long done = 0; done < length; ) {
                    checkInterrupt();
                    if (out instanceof LogCapture capture && capture.full()) {
                        capture.drop(length - done); // nothing more is kept this item: count it, copy nothing
                        break;
                    }
                    int n = (int) Math.min(CHUNK, length - done);
                    write(out, memory.readBytes((int) (base + done), n));
                    done += n;
                }
            }
            memory.writeI32(nwrittenPtr, (int) total);
            return errno(ESUCCESS);
        };
    }

    private static void write(OutputStream out, byte[] chunk) {
        try {
            out.write(chunk);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the host's own streams never throw; the item boundary reports it
        }
    }

    /** {@code fd_read(0, …)} on a reactor's empty stdin: end of file at once, nothing read or allocated. */
    static final WasmFunctionHandle EMPTY_STDIN_READ = (instance, args) -> {
        instance.memory().writeI32((int) args[3], 0);
        return errno(ESUCCESS);
    };

    /** {@code random_get(buf, len)}: the range checked first, then filled a chunk at a time. */
    static WasmFunctionHandle randomGet(SecureRandom random) {
        return (instance, args) -> {
            Memory memory = instance.memory();
            long buf = Integer.toUnsignedLong((int) args[0]);
            long length = Integer.toUnsignedLong((int) args[1]);
            checkRange(memory, buf, length);
            byte[] chunk = new byte[(int) Math.min(CHUNK, length)];
            for (long done = 0; done < length; ) {
                checkInterrupt();
                int n = (int) Math.min(chunk.length, length - done);
                random.nextBytes(chunk);
                memory.write((int) (buf + done), chunk, 0, n);
                done += n;
            }
            return errno(ESUCCESS);
        };
    }

    /**
     * {@code poll_oneoff(in, out, nsubscriptions, neventsPtr)}. Descriptor subscriptions answer at
     * once: stdin is readable (at end of file, or the command channel decides on read), stdout and
     * stderr writable, any other descriptor an event with EBADF. Only when none was asked for does
     * the call sleep, until the earliest clock subscription, parked so that the item's bound
     * interrupts it; then every clock subscription due by then is reported. Two passes over the
     * guest's array, nothing collected on the host.
     */
    static final WasmFunctionHandle POLL_ONEOFF = (instance, args) -> {
        Memory memory = instance.memory();
        long in = Integer.toUnsignedLong((int) args[0]);
        long out = Integer.toUnsignedLong((int) args[1]);
        long count = Integer.toUnsignedLong((int) args[2]);
        int neventsPtr = (int) args[3];
        if (count == 0) {
            return errno(EINVAL);
        }
        checkRange(memory, in, count * SUBSCRIPTION_SIZE);
        checkRange(memory, out, count * EVENT_SIZE);
        long startMonotonic = System.nanoTime();
        long startRealtime = realtimeNanos();
        int events = 0;
        long earliest = Long.MAX_VALUE;
        for (long i = 0; i < count; i++) {
            if ((i & 4095) == 0) {
                checkInterrupt();
            }
            int sub = (int) (in + i * SUBSCRIPTION_SIZE);
            byte tag = memory.read(sub + 8);
            if (tag == EVENT_CLOCK) {
                long wait = clockWait(memory, sub, startMonotonic, startRealtime);
                if (wait < 0) {
                    return errno(EINVAL);
                }
                earliest = Math.min(earliest, wait);
            } else if (tag == EVENT_FD_READ || tag == EVENT_FD_WRITE) {
                int fd = memory.readInt(sub + 16);
                boolean ready = tag == EVENT_FD_READ ? fd == 0 : fd == 1 || fd == 2;
                writeEvent(
                        memory,
                        (int) (out + (long) events * EVENT_SIZE),
                        memory.readLong(sub),
                        ready ? ESUCCESS : EBADF,
                        tag);
                events++;
            } else {
                return errno(EINVAL);
            }
        }
        if (events == 0) {
            sleep(earliest);
            long slept = System.nanoTime() - startMonotonic;
            for (long i = 0; i < count; i++) {
                int sub = (int) (in + i * SUBSCRIPTION_SIZE);
                if (clockWait(memory, sub, startMonotonic, startRealtime) <= slept) {
                    writeEvent(
                            memory,
                            (int) (out + (long) events * EVENT_SIZE),
                            memory.readLong(sub),
                            ESUCCESS,
                            EVENT_CLOCK);
                    events++;
                }
            }
        }
        memory.writeI32(neventsPtr, events);
        return errno(ESUCCESS);
    };

    /**
     * Nanoseconds from the poll's start until a clock subscription is due (0: at once), or -1 for
     * an unknown clock; an absolute timeout is measured from the start instants given.
     */
    private static long clockWait(Memory memory, int sub, long startMonotonic, long startRealtime) {
        int clock = memory.readInt(sub + 16);
        long timeout = memory.readLong(sub + 24);
        int flags = memory.readShort(sub + 40);
        if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) {
            return -1;
        }
        if ((flags & SUBCLOCKFLAGS_ABSTIME) == 0) {
            return Math.max(0, timeout);
        }
        return Math.max(0, timeout - (clock == CLOCK_REALTIME ? startRealtime : startMonotonic));
    }

    private static long realtimeNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Parks for {@code nanos}, in slices, leaving as a trap as soon as the thread is interrupted. */
    private static void sleep(long nanos) {
        long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = until - System.nanoTime()) {
            checkInterrupt();
            LockSupport.parkNanos(left);
        }
        checkInterrupt();
    }

    private static void writeEvent(Memory memory, int at, long userData, int error, byte type) {
        memory.writeLong(at, userData);
        memory.writeShort(at + 8, (short) error);
        memory.writeByte(at + 10, type);
        memory.writeLong(at + 16, 0); // nbytes: unknown, as for any stream
        memory.writeShort(at + 24, (short) 0);
    }

    /** Traps unless {@code [addr, addr + length)} lies inside the guest's current memory. */
    static void checkRange(Memory memory, long addr, long length) {
        long size = (long) memory.pages() * SandboxLimits.PAGE_SIZE;
        if (addr + length > size) {
            throw new WasmRuntimeException("out of bounds memory access: attempted to access address: " + addr
                    + " and size: " + length + " but limit is: " + size);
        }
    }

    /** A host loop's check of the item's bound: the same stop a guest loop gets. */
    static void checkInterrupt() {
        if (Thread.currentThread().isInterrupted()) {
            throw new WasmInterruptedException("Thread interrupted");
        }
    }

    private static long[] errno(int errno) {
        return new long[] {errno};
    }
}
