package io.nlink.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written guests for the server's hostile tests: a node in WebAssembly text that answers every
 * item with {@code [{"json":{"ok":true}}]} once its execute_node body has run, and wabt's
 * assembler to turn it into the execution.wasm an upload carries. The runtime's own corpus has a
 * richer skeleton in its test sources; this one is the least a package needs to pass the store's
 * checks (memory, allocate, deallocate, execute_node), so each case differs from it in one way.
 */
final class GuestWat {
    private GuestWat() {}

    static final String WASI = "wasi_snapshot_preview1";

    /** What every item gets back when the body ran to its end. */
    static final String OK_RESULT = "[{\"json\":{\"ok\":true}}]";

    /** Where the answer lies in memory; allocations start above the first 4 KiB. */
    private static final int RESULT_AT = 16;

    private static final int ALLOCATIONS_FROM = 4096;

    /** A node of one page of memory (up to the platform's 512) that runs {@code body}, then answers ok. */
    static String node(String body) {
        return node(1, "", "", body);
    }

    /**
     * A node that runs {@code body} in execute_node and then answers ok.
     *
     * @param pages   initial memory pages (the maximum is always the platform's 512)
     * @param imports import declarations, which the text format wants before anything else
     * @param fields  more module fields: functions, tables, globals, another memory
     */
    static String node(int pages, String imports, String fields, String body) {
        long packed = ((long) RESULT_AT << 32) | OK_RESULT.length();
        return "(module\n" + imports + "\n"
                + "(memory (export \"memory\") " + pages + " 512)\n"
                + "(global $next (mut i32) (i32.const " + ALLOCATIONS_FROM + "))\n"
                + "(data (i32.const " + RESULT_AT + ") \"" + OK_RESULT.replace("\"", "\\\"") + "\")\n"
                + "(func (export \"allocate\") (param $size i32) (result i32) (local $at i32)\n"
                + "  (local.set $at (global.get $next))\n"
                + "  (global.set $next (i32.add (local.get $at) (local.get $size)))\n"
                + "  (local.get $at))\n"
                + "(func (export \"deallocate\") (param i32 i32))\n"
                + fields + "\n"
                + "(func (export \"execute_node\") (param $ptr i32) (param $len i32) (result i64)\n"
                + body + "\n"
                + "(i64.const " + packed + ")))\n";
    }

    /** Traps unless {@code expression} (an i32) is {@code expected}: the guest checks what the host answered. */
    static String expect(String expression, long expected) {
        return "(if (i32.ne " + expression + " (i32.const " + expected + ")) (then unreachable))\n";
    }

    /** The import of one WASI function under its own name, e.g. {@code $fd_write}. */
    static String wasi(String function) {
        String signature = switch (function) {
            case "fd_write", "fd_read", "poll_oneoff" -> "(param i32 i32 i32 i32) (result i32)";
            case "random_get" -> "(param i32 i32) (result i32)";
            default -> throw new IllegalArgumentException("no signature for " + function);
        };
        return "(import \"" + WASI + "\" \"" + function + "\" (func $" + function + " " + signature + "))\n";
    }

    /** Assembles {@code text} with wat2wasm; {@code flags} switch on proposals such as multi-memory. */
    static byte[] assemble(String text, String... flags) {
        try {
            Path dir = Files.createTempDirectory("nlink-guest-wat");
            Path source = dir.resolve("node.wat");
            Path output = dir.resolve("node.wasm");
            try {
                Files.writeString(source, text);
                List<String> command = new ArrayList<>(List.of("wat2wasm"));
                command.addAll(List.of(flags));
                command.addAll(List.of(source.toString(), "-o", output.toString()));
                Process wat2wasm =
                        new ProcessBuilder(command).redirectErrorStream(true).start();
                String said = new String(wat2wasm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (wat2wasm.waitFor() != 0) throw new AssertionError("wat2wasm refused the test's module: " + said);
                return Files.readAllBytes(output);
            } finally {
                Files.deleteIfExists(source);
                Files.deleteIfExists(output);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("wat2wasm (Debian package wabt) is needed; scripts/setup.sh installs it", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
