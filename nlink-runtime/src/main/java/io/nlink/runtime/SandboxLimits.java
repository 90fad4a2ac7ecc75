package io.nlink.runtime;

import java.time.Duration;

/**
 * What one sandbox instance may use. Every limit has a default that suits untrusted community
 * nodes; an operator may tighten any of them per node. The memory cap can only go down: asking
 * for more than {@link #PLATFORM_MAX_MEMORY_PAGES} is refused, never silently granted.
 *
 * @param memoryPages     guest linear memory cap in 64 KiB pages. Default 512 (32 MiB), the
 *                        platform maximum. Growth past it fails inside the guest and is reported as
 *                        "exceeded the 32 MiB memory limit".
 * @param itemTimeout     wall-clock bound on one {@code execute_node} call (including the host's
 *                        copy in and out). Default 10 s. A guest still running then is interrupted
 *                        (within about a millisecond), the item fails with a timeout, and the
 *                        instance is replaced by a fresh one.
 * @param initTimeout     bound on instantiation plus {@code _initialize}. Default 30 s.
 * @param maxContextBytes largest item context (the JSON handed to the guest). Default 8 MiB.
 * @param maxOutputBytes  largest result a guest may return for one item. Default 8 MiB; the
 *                        length is checked before anything is copied out of guest memory.
 * @param maxLogBytes     stdout and stderr kept per item, each. Default 64 KiB; the rest is
 *                        dropped and the item's log is marked truncated.
 * @param jsMemoryBytes   what one JavaScript run (starting a context, or one call: an item of
 *                        execution.js, a Code node run, an item's expressions) may allocate while
 *                        the JVM heap is at risk. Default 64 MiB; 0 for no bound. GraalJS's
 *                        community edition cannot cap a context's heap, so the watchdog counts
 *                        the run's allocations instead and cancels it, discarding the context,
 *                        once they pass this and the heap's tenured pools leave less than two
 *                        of these per running script. Size the
 *                        heap for concurrent JavaScript runs × this, plus the host's own share.
 */
public record SandboxLimits(
        int memoryPages,
        Duration itemTimeout,
        Duration initTimeout,
        int maxContextBytes,
        int maxOutputBytes,
        int maxLogBytes,
        long jsMemoryBytes) {

    /** 512 pages of 64 KiB: the 32 MiB that the platform promises and never exceeds. */
    public static final int PLATFORM_MAX_MEMORY_PAGES = 512;

    public static final int PAGE_SIZE = 65536;

    /**
     * 64 MiB per JavaScript run: a Code node mapping 10,000 small items (about 1 MB of JSON each
     * way) allocates about 40 MiB in GraalJS's interpreter, and three runs at this budget fit
     * beside the engine in a 256 MiB heap (docs/security.md, "JavaScript memory").
     */
    public static final long DEFAULT_JS_MEMORY_BYTES = 64L * 1024 * 1024;

    public static final SandboxLimits DEFAULTS = new SandboxLimits(
            PLATFORM_MAX_MEMORY_PAGES,
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            8 * 1024 * 1024,
            8 * 1024 * 1024,
            64 * 1024,
            DEFAULT_JS_MEMORY_BYTES);

    public SandboxLimits {
        if (memoryPages < 1 || memoryPages > PLATFORM_MAX_MEMORY_PAGES) {
            throw new IllegalArgumentException("memory limit must be between 1 and "
                    + PLATFORM_MAX_MEMORY_PAGES
                    + " pages (64 KiB each, 32 MiB at most), got "
                    + memoryPages);
        }
        requirePositive(itemTimeout, "item timeout");
        requirePositive(initTimeout, "init timeout");
        if (maxContextBytes < 2 || maxOutputBytes < 2) {
            throw new IllegalArgumentException("context and output limits must be at least 2 bytes (\"[]\")");
        }
        if (maxLogBytes < 0) {
            throw new IllegalArgumentException("the log limit cannot be negative (0 keeps no log)");
        }
        if (jsMemoryBytes < 0) {
            throw new IllegalArgumentException(
                    "the JavaScript memory limit cannot be negative (0 means none), got " + jsMemoryBytes);
        }
    }

    private static void requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
    }

    public SandboxLimits withMemoryPages(int pages) {
        return new SandboxLimits(
                pages, itemTimeout, initTimeout, maxContextBytes, maxOutputBytes, maxLogBytes, jsMemoryBytes);
    }

    public SandboxLimits withItemTimeout(Duration timeout) {
        return new SandboxLimits(
                memoryPages, timeout, initTimeout, maxContextBytes, maxOutputBytes, maxLogBytes, jsMemoryBytes);
    }

    public SandboxLimits withInitTimeout(Duration timeout) {
        return new SandboxLimits(
                memoryPages, itemTimeout, timeout, maxContextBytes, maxOutputBytes, maxLogBytes, jsMemoryBytes);
    }

    public SandboxLimits withMaxOutputBytes(int bytes) {
        return new SandboxLimits(
                memoryPages, itemTimeout, initTimeout, maxContextBytes, bytes, maxLogBytes, jsMemoryBytes);
    }

    public SandboxLimits withMaxContextBytes(int bytes) {
        return new SandboxLimits(
                memoryPages, itemTimeout, initTimeout, bytes, maxOutputBytes, maxLogBytes, jsMemoryBytes);
    }

    public SandboxLimits withMaxLogBytes(int bytes) {
        return new SandboxLimits(
                memoryPages, itemTimeout, initTimeout, maxContextBytes, maxOutputBytes, bytes, jsMemoryBytes);
    }

    /** As these limits, with {@code bytes} for one JavaScript run's allocation (0: no bound). */
    public SandboxLimits withJsMemoryBytes(long bytes) {
        return new SandboxLimits(
                memoryPages, itemTimeout, initTimeout, maxContextBytes, maxOutputBytes, maxLogBytes, bytes);
    }

    /** The JavaScript memory limit as error messages show it: "64 MiB". */
    public String jsMemoryText() {
        return jsMemoryBytes % (1024 * 1024) == 0
                ? jsMemoryBytes / (1024 * 1024) + " MiB"
                : jsMemoryBytes % 1024 == 0 ? jsMemoryBytes / 1024 + " KiB" : jsMemoryBytes + " bytes";
    }

    /** The memory cap in human terms, as error messages show it: "32 MiB". */
    public String memoryLimitText() {
        return describePages(memoryPages);
    }

    /** A page count in bytes as people read them: 512 pages is "32 MiB", 8 pages "512 KiB". */
    public static String describePages(int pages) {
        long bytes = (long) pages * PAGE_SIZE;
        return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB" : bytes / 1024 + " KiB";
    }
}
