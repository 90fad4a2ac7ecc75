package io.nlink.runtime.internal.wasm;

import io.nlink.runtime.SandboxLimits;

/**
 * What one instance of a node's module may cost the host's heap at most, part by part, and where
 * each part is enforced. docs/limits.md states the sum for operators sizing a heap: {@code
 * concurrent instances × (guest memory + HOST_BYTES_BEYOND_MEMORY)}.
 *
 * <ul>
 *   <li><b>Linear memory</b>: one memory only (a module declaring more is refused at load, since
 *       only one could be capped and read), at most {@link SandboxLimits#PLATFORM_MAX_MEMORY_PAGES}
 *       pages; growth past the cap fails inside the guest ({@link CappedMemory}).
 *   <li><b>Tables</b>: at most {@link #MAX_TABLES} tables and {@link #MAX_TABLE_ENTRIES} entries
 *       in all, declared (refused at load) and grown ({@code table.grow} answers -1 inside the
 *       guest, as {@code memory.grow} does), at most {@link #TABLE_ENTRY_BYTES} host bytes each.
 *   <li><b>Globals</b>: at most {@link #MAX_GLOBALS}, refused at load.
 *   <li><b>Host buffers</b>: WASI calls copy at most {@link GuestIo#CHUNK} bytes at a time
 *       whatever length a guest names; stdout and stderr keep {@code maxLogBytes} each per item.
 *   <li><b>Interpreter frames</b>: a function too large for the compiler runs in the interpreter,
 *       whose every call allocates its locals on the host heap. Such a function may declare at most
 *       {@link #MAX_INTERPRETED_SLOTS} parameters and locals (refused at load otherwise). Call depth
 *       is bounded by the thread's stack: measured under 1,000 interpreted levels per MiB of stack,
 *       so at most about 8,000 on the 8 MiB stack of a command guest, the deepest nLink runs.
 * </ul>
 */
final class InstanceBudget {
    private InstanceBudget() {}

    /** Tables one module may define. Toolchains emit one; reference types allow more. */
    static final int MAX_TABLES = 16;

    /**
     * Table entries of one instance, all tables together, declared or grown: 37 times the seed's
     * Go node (about 7,000).
     */
    static final int MAX_TABLE_ENTRIES = 1 << 18;

    /** Host bytes one table entry costs at most (a reference and an int; GC tables one more reference). */
    static final int TABLE_ENTRY_BYTES = 12;

    /** Globals one module may define; each is a host object of about 40 bytes. Go's node has 8. */
    static final int MAX_GLOBALS = 1 << 16;

    /** Parameters plus locals of one interpreted function: about 24 host bytes each, per call. */
    static final int MAX_INTERPRETED_SLOTS = 128;

    /** Measured bound on interpreted call depth for the deepest stack nLink gives a guest (8 MiB). */
    static final int INTERPRETED_DEPTH = 8_000;

    /** Host bytes per interpreted call besides its slots: the frame object, its control stack. */
    static final int INTERPRETED_FRAME_OVERHEAD = 512;

    /** The worst case of everything above but the linear memory, in bytes: what docs/limits.md quotes. */
    static final long HOST_BYTES_BEYOND_MEMORY = (long) MAX_TABLE_ENTRIES * TABLE_ENTRY_BYTES
            + MAX_GLOBALS * 40L
            + (long) INTERPRETED_DEPTH * (MAX_INTERPRETED_SLOTS * 24L + INTERPRETED_FRAME_OVERHEAD)
            + 2L * GuestIo.CHUNK;
}
