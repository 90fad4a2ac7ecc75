package io.nlink.runtime.internal.wasm;

import static run.endive.runtime.ConstantEvaluators.computeConstantValue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import run.endive.runtime.Instance;
import run.endive.runtime.Memory;
import run.endive.runtime.WasmRuntimeException;
import run.endive.wasm.UninstantiableException;
import run.endive.wasm.types.ActiveDataSegment;
import run.endive.wasm.types.DataSegment;
import run.endive.wasm.types.MemoryLimits;
import run.endive.wasm.types.PassiveDataSegment;

/**
 * The guest's linear memory: 64 KiB pages, copy-on-write over the pages of a node's {@link
 * InitSnapshot}, capped at the sandbox's limit, and able to go back to the snapshot in place.
 *
 * <p><b>Copy-on-write.</b> An instance started from a snapshot reads the snapshot's own pages,
 * which every instance of the node shares and nobody ever writes; its first write to a page copies
 * that page into one of its own. Starting an instance therefore costs no memory copy (a Go node's
 * 8 MiB used to be zeroed, filled from its data segments and then overwritten with the snapshot),
 * and an instance holds only the pages it wrote.
 *
 * <p><b>Reset in place</b> ({@link #resetTo}): the pages written since are the snapshot's again
 * (their copies kept for reuse), pages grown since are gone, and the size is the snapshot's: the
 * guest sees byte for byte what a new instance would see, at the cost of the pages it dirtied.
 *
 * <p><b>The cap.</b> The maximum is the sandbox's limit (or the module's own lower maximum); a
 * refused grow is remembered, so that the host can name the real cause of a guest's failure
 * (Go exits, Rust aborts, C gets NULL) instead of the symptom.
 *
 * <p><b>Range checks.</b> An address is an unsigned 32-bit offset; pages beyond the current size are
 * null and indexes beyond the maximum are out of the page table, so every access outside the
 * memory ends in the engine's out-of-bounds trap, never in a host exception (HostileGuestCorpusTest).
 * Bulk operations check the whole range, in {@code long}, before writing anything.
 *
 * <p>Memory is never shared (WasmEngine refuses the threads proposal's shared memory) and one
 * thread drives an instance at a time, so the atomic instructions are plain read-modify-writes.
 */
final class CappedMemory implements Memory {
    private static final int PAGE_SHIFT = 16;
    private static final int PAGE_MASK = PAGE_SIZE - 1;
    /** Copies of pages kept for the next writes after a reset: 2 MiB per instance at most. */
    private static final int MAX_SPARE_PAGES = 32;

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLE =
            MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

    private final int initialPages;
    private final int maximumPages;
    private final int capPages;
    /** Every page below {@link #pages}: this memory's own, or the snapshot's; null above. */
    private final byte[][] readable;
    /** This memory's own pages; null where the page is still the snapshot's (or above the size). */
    private final byte[][] writable;

    private int pages;
    private DataSegment[] dataSegments;
    /** Set while the engine's instantiation would zero and fill memory the snapshot already holds. */
    private boolean skipInitialization;

    private final byte[][] sparePages = new byte[MAX_SPARE_PAGES][];
    private int spareCount;
    /** Total pages the last refused grow asked for; 0 when none was refused since the last clear. */
    private int refusedRequest;

    private int peakPages;

    /**
     * @param startFrom the snapshot this memory starts as (the engine's zeroing and data segments
     *     are then skipped), or null for the module's declared initial state
     */
    CappedMemory(MemoryLimits declared, int capPages, InitSnapshot startFrom) {
        if (declared.shared()) {
            throw new UninstantiableException("shared memory is not supported"); // WasmEngine refuses it earlier
        }
        this.capPages = capPages;
        this.initialPages = declared.initialPages();
        this.maximumPages = Math.min(Math.min(declared.maximumPages(), capPages), MAX_PAGES);
        this.readable = new byte[maximumPages][];
        this.writable = new byte[maximumPages][];
        if (startFrom != null) {
            mapOnto(startFrom.pageArrays());
            skipInitialization = true;
        } else {
            for (int i = 0; i < initialPages; i++) readable[i] = writable[i] = new byte[PAGE_SIZE];
            pages = initialPages;
        }
        this.peakPages = pages;
    }

    /** Whether a grow was refused since the last {@link #clearGrowRefused}. */
    boolean growRefused() {
        return refusedRequest != 0;
    }

    /**
     * Whether that refusal was the sandbox's cap (rather than a lower maximum the module declared
     * for itself).
     */
    boolean refusedAtCap() {
        return refusedRequest > capPages;
    }

    /** The module's own effective maximum, in pages. */
    int maximumPagesAllowed() {
        return maximumPages;
    }

    void clearGrowRefused() {
        refusedRequest = 0;
    }

    int peakPages() {
        return peakPages;
    }

    int capPages() {
        return capPages;
    }

    /** Pages this memory holds of its own: written since the snapshot, or grown. */
    int ownPages() {
        int own = 0;
        for (int i = 0; i < pages; i++) if (writable[i] != null) own++;
        return own;
    }

    /**
     * Host memory this memory holds of its own: its own pages, those kept for reuse and its page
     * tables (the snapshot's pages are the node's, counted once for all its instances).
     */
    long heldBytes() {
        return (long) (ownPages() + spareCount) * PAGE_SIZE + 16L * readable.length;
    }

    /**
     * Puts the memory back into the snapshot's state: its size, and its pages as they are in the
     * snapshot. Costs a pass over the page table; the pages this memory wrote are kept (up to
     * {@link #MAX_SPARE_PAGES}) for its next writes.
     */
    void resetTo(InitSnapshot snapshot) {
        for (int i = 0; i < pages; i++) {
            if (writable[i] != null) {
                keepSpare(writable[i]);
                writable[i] = null;
            }
            readable[i] = null;
        }
        mapOnto(snapshot.pageArrays());
        peakPages = pages;
        refusedRequest = 0;
    }

    private void mapOnto(byte[][] base) {
        System.arraycopy(base, 0, readable, 0, base.length);
        pages = base.length;
    }

    private void keepSpare(byte[] page) {
        if (spareCount < MAX_SPARE_PAGES) sparePages[spareCount++] = page;
    }

    /** A page of this memory's own, its content undefined. */
    private byte[] newPage() {
        if (spareCount == 0) return new byte[PAGE_SIZE];
        byte[] page = sparePages[--spareCount];
        sparePages[spareCount] = null;
        return page;
    }

    /** The page to write into: this memory's own copy, made on the first write to a snapshot page. */
    private byte[] writable(int index) {
        byte[] page = writable[index]; // an index past the maximum is out of bounds: the trap below
        return page != null ? page : copyOnWrite(index);
    }

    private byte[] copyOnWrite(int index) {
        byte[] shared = readable[index];
        if (shared == null) throw outOfBounds((long) index << PAGE_SHIFT, 1);
        byte[] own = newPage();
        System.arraycopy(shared, 0, own, 0, PAGE_SIZE);
        readable[index] = writable[index] = own;
        return own;
    }

    private int sizeInBytes() {
        return pages << PAGE_SHIFT; // at most 65,536 pages: 2^32 would wrap, so MAX_PAGES is one less
    }

    /** Throws the out-of-bounds trap unless {@code [addr, addr+size)} (addr unsigned) lies within memory. */
    private void checkRange(int addr, long size) {
        if (size < 0 || Integer.toUnsignedLong(addr) + size > Integer.toUnsignedLong(sizeInBytes())) {
            throw outOfBounds(Integer.toUnsignedLong(addr), size);
        }
    }

    private WasmRuntimeException outOfBounds(long addr, long size) {
        return new WasmRuntimeException("out of bounds memory access: attempted to access address: " + addr
                + " but limit is: " + Integer.toUnsignedLong(sizeInBytes()) + " and size: " + size);
    }

    /** A guest access faulted on the page table (a page beyond the size or the maximum). */
    private WasmRuntimeException outOfBounds(RuntimeException e, int addr, int size) {
        if (e instanceof ArrayIndexOutOfBoundsException || e instanceof NullPointerException) {
            return outOfBounds(Integer.toUnsignedLong(addr), size);
        }
        throw e;
    }

    /** 65,535 pages: a 4 GiB memory's size in bytes does not fit an int; no sandbox allows one. */
    private static final int MAX_PAGES = 65_535;

    @Override
    public int grow(int delta) {
        int previous = pages;
        long wanted = previous + Integer.toUnsignedLong(delta);
        if (wanted > maximumPages) {
            refusedRequest = (int) Math.min(Integer.MAX_VALUE, wanted);
            return -1;
        }
        for (int i = previous; i < wanted; i++) {
            byte[] page = newPage();
            Arrays.fill(page, (byte) 0);
            readable[i] = writable[i] = page;
        }
        pages = (int) wanted;
        peakPages = Math.max(peakPages, pages);
        return previous;
    }

    @Override
    public int pages() {
        return pages;
    }

    @Override
    public int initialPages() {
        return initialPages;
    }

    @Override
    public int maximumPages() {
        return maximumPages;
    }

    @Override
    public boolean shared() {
        return false;
    }

    /** The atomic instructions' default read-modify-writes lock this: one thread, never contended. */
    @Override
    @SuppressWarnings("removal") // Endive 1.0.0's Memory still calls it; removed upstream later.
    public Object lock(int address) {
        return this;
    }

    @Override
    @SuppressWarnings("removal")
    public int waitOn(int address, int expected, long timeout) {
        throw new WasmRuntimeException("memory.atomic.wait32 on an unshared memory");
    }

    @Override
    @SuppressWarnings("removal")
    public int waitOn(int address, long expected, long timeout) {
        throw new WasmRuntimeException("memory.atomic.wait64 on an unshared memory");
    }

    @Override
    @SuppressWarnings("removal")
    public int notify(int address, int maxThreads) {
        return 0; // nobody can be waiting on an unshared memory
    }

    @Override
    public void zero() {
        if (skipInitialization) return; // the snapshot's pages are the initial state
        for (int i = 0; i < pages; i++) {
            Arrays.fill(writable(i), (byte) 0);
        }
    }

    @Override
    public void initialize(Instance instance, DataSegment[] segments) {
        initialize(instance, segments, 0);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] segments, int memoryIndex) {
        this.dataSegments = segments == null ? new DataSegment[0] : segments.clone();
        if (skipInitialization) {
            skipInitialization = false; // the snapshot holds what the segments wrote, and more
            return;
        }
        for (DataSegment s : dataSegments) {
            if (s instanceof ActiveDataSegment segment && segment.index() == memoryIndex) {
                int offset = (int) computeConstantValue(instance, segment.offsetInstructions())[0];
                byte[] data = segment.data();
                if (Integer.toUnsignedLong(offset) + data.length > Integer.toUnsignedLong(sizeInBytes())) {
                    throw new UninstantiableException("out of bounds memory access: data segment at "
                            + Integer.toUnsignedLong(offset) + " of " + data.length + " bytes");
                }
                write(offset, data, 0, data.length);
            }
        }
    }

    @Override
    public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
        write(dest, dataSegments[segmentId].data(), offset, size);
    }

    @Override
    public void drop(int segment) {
        dataSegments[segment] = PassiveDataSegment.EMPTY;
    }

    @Override
    public void write(int addr, byte[] data, int offset, int size) {
        if (offset < 0 || size < 0 || (long) offset + size > data.length) {
            throw new WasmRuntimeException(
                    "out of bounds memory access: source [" + offset + ", +" + size + ") of " + data.length + " bytes");
        }
        checkRange(addr, size);
        while (size > 0) {
            int inPage = addr & PAGE_MASK;
            int chunk = Math.min(size, PAGE_SIZE - inPage);
            System.arraycopy(data, offset, writable(addr >>> PAGE_SHIFT), inPage, chunk);
            addr += chunk;
            offset += chunk;
            size -= chunk;
        }
    }

    @Override
    public byte[] readBytes(int addr, int len) {
        checkRange(addr, len);
        byte[] result = new byte[len];
        for (int done = 0; done < len; ) {
            int inPage = addr & PAGE_MASK;
            int chunk = Math.min(len - done, PAGE_SIZE - inPage);
            System.arraycopy(readable[addr >>> PAGE_SHIFT], inPage, result, done, chunk);
            addr += chunk;
            done += chunk;
        }
        return result;
    }

    @Override
    public void fill(byte value, int fromIndex, int toIndex) {
        long size = Integer.toUnsignedLong(toIndex) - Integer.toUnsignedLong(fromIndex);
        checkRange(fromIndex, size);
        int addr = fromIndex;
        while (size > 0) {
            int inPage = addr & PAGE_MASK;
            int chunk = (int) Math.min(size, PAGE_SIZE - inPage);
            Arrays.fill(writable(addr >>> PAGE_SHIFT), inPage, inPage + chunk, value);
            addr += chunk;
            size -= chunk;
        }
    }

    @Override
    public void copy(int dest, int src, int size) {
        checkRange(dest, Integer.toUnsignedLong(size));
        checkRange(src, Integer.toUnsignedLong(size));
        // Page by page, as memmove does: forward when the destination is below the source, else
        // backward, so an overlapping range reads each byte before it is overwritten. No buffer:
        // guests (Go's memmove among them) copy often. The source page is looked up after the
        // destination's copy-on-write, which may have replaced it.
        if (Integer.compareUnsigned(dest, src) <= 0) {
            for (int done = 0; done < size; ) {
                int d = dest + done, s = src + done;
                int chunk = Math.min(size - done, PAGE_SIZE - Math.max(d & PAGE_MASK, s & PAGE_MASK));
                byte[] to = writable(d >>> PAGE_SHIFT);
                System.arraycopy(readable[s >>> PAGE_SHIFT], s & PAGE_MASK, to, d & PAGE_MASK, chunk);
                done += chunk;
            }
        } else {
            for (int left = size; left > 0; ) {
                int d = dest + left, s = src + left; // ends, exclusive
                int chunk = Math.min(left, Math.min(inPageBefore(d), inPageBefore(s)));
                d -= chunk;
                s -= chunk;
                byte[] to = writable(d >>> PAGE_SHIFT);
                System.arraycopy(readable[s >>> PAGE_SHIFT], s & PAGE_MASK, to, d & PAGE_MASK, chunk);
                left -= chunk;
            }
        }
    }

    /** Bytes of its page that lie before the exclusive end {@code end}: a whole page at a boundary. */
    private static int inPageBefore(int end) {
        int offset = end & PAGE_MASK;
        return offset == 0 ? PAGE_SIZE : offset;
    }

    @Override
    public byte read(int addr) {
        try {
            return readable[addr >>> PAGE_SHIFT][addr & PAGE_MASK];
        } catch (RuntimeException e) {
            throw outOfBounds(e, addr, 1);
        }
    }

    @Override
    public void writeByte(int addr, byte data) {
        try {
            writable(addr >>> PAGE_SHIFT)[addr & PAGE_MASK] = data;
        } catch (RuntimeException e) {
            throw outOfBounds(e, addr, 1);
        }
    }

    @Override
    public short readShort(int addr) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 2) {
            try {
                return (short) SHORT.get(readable[addr >>> PAGE_SHIFT], off);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 2);
            }
        }
        return (short) ((read(addr) & 0xFF) | (read(addr + 1) << 8));
    }

    @Override
    public long readU16(int addr) {
        return readShort(addr) & 0xFFFFL;
    }

    @Override
    public void writeShort(int addr, short data) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 2) {
            try {
                SHORT.set(writable(addr >>> PAGE_SHIFT), off, data);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 2);
            }
        } else {
            writeAcrossPages(addr, data, 2);
        }
    }

    @Override
    public int readInt(int addr) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 4) {
            try {
                return (int) INT.get(readable[addr >>> PAGE_SHIFT], off);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 4);
            }
        }
        return (int) readAcrossPages(addr, 4);
    }

    @Override
    public void writeI32(int addr, int data) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 4) {
            try {
                INT.set(writable(addr >>> PAGE_SHIFT), off, data);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 4);
            }
        } else {
            writeAcrossPages(addr, data, 4);
        }
    }

    @Override
    public long readLong(int addr) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 8) {
            try {
                return (long) LONG.get(readable[addr >>> PAGE_SHIFT], off);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 8);
            }
        }
        return readAcrossPages(addr, 8);
    }

    @Override
    public void writeLong(int addr, long data) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 8) {
            try {
                LONG.set(writable(addr >>> PAGE_SHIFT), off, data);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 8);
            }
        } else {
            writeAcrossPages(addr, data, 8);
        }
    }

    @Override
    public long readF32(int addr) {
        return readInt(addr);
    }

    @Override
    public float readFloat(int addr) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 4) {
            try {
                return (float) FLOAT.get(readable[addr >>> PAGE_SHIFT], off);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 4);
            }
        }
        return Float.intBitsToFloat(readInt(addr));
    }

    @Override
    public void writeF32(int addr, float data) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 4) {
            try {
                FLOAT.set(writable(addr >>> PAGE_SHIFT), off, data);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 4);
            }
        } else {
            writeI32(addr, Float.floatToRawIntBits(data));
        }
    }

    @Override
    public long readF64(int addr) {
        return readLong(addr);
    }

    @Override
    public double readDouble(int addr) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 8) {
            try {
                return (double) DOUBLE.get(readable[addr >>> PAGE_SHIFT], off);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 8);
            }
        }
        return Double.longBitsToDouble(readLong(addr));
    }

    @Override
    public void writeF64(int addr, double data) {
        int off = addr & PAGE_MASK;
        if (off <= PAGE_SIZE - 8) {
            try {
                DOUBLE.set(writable(addr >>> PAGE_SHIFT), off, data);
            } catch (RuntimeException e) {
                throw outOfBounds(e, addr, 8);
            }
        } else {
            writeLong(addr, Double.doubleToRawLongBits(data));
        }
    }

    /** A little-endian value of {@code size} bytes that straddles two pages (checked first, written after). */
    private void writeAcrossPages(int addr, long value, int size) {
        checkRange(addr, size);
        for (int i = 0; i < size; i++) {
            writeByte(addr + i, (byte) (value >>> (8 * i)));
        }
    }

    private long readAcrossPages(int addr, int size) {
        checkRange(addr, size);
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (read(addr + i) & 0xFFL) << (8 * i);
        }
        return value;
    }
}
