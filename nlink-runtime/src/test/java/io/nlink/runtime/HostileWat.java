package io.nlink.runtime;

import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.wasm.InvalidModuleException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * WebAssembly text for the hostile-guest corpus ({@link HostileGuestCorpusTest}): a small,
 * otherwise well-behaved node skeleton that each case breaks in one way, generators for the
 * compile bombs, and an assembler that can switch on wabt's feature flags (threads, exceptions),
 * which {@link Guests#wat} does not.
 */
final class HostileWat {
    private HostileWat() {}

    /** Where {@link #returning} puts its result bytes; the bump allocator starts above them. */
    static final int RESULT_AT = 16;

    static final int HEAP_START = 8192;

    /**
     * A module with a bump allocator, a no-op deallocate, a helper {@code $pack(ptr, len)} and
     * {@code execute_node} whose body is {@code executeBody}; {@code extra} is spliced into the
     * module (more functions, data, imports: imports must come first in the text, see {@link #withImports}).
     */
    static String node(String executeBody, String extra) {
        return node("(memory (export \"memory\") 1 512)", executeBody, extra);
    }

    static String node(String memory, String executeBody, String extra) {
        return "(module\n"
                + memory + "\n"
                + "(global $bump (mut i32) (i32.const " + HEAP_START + "))\n"
                + "(func $allocate (export \"allocate\") (param $size i32) (result i32) (local $p i32)\n"
                + "  (local.set $p (global.get $bump))\n"
                + "  (global.set $bump (i32.add (global.get $bump) (local.get $size)))\n"
                + "  (local.get $p))\n"
                + "(func $deallocate (export \"deallocate\") (param i32 i32))\n"
                + "(func $pack (param $p i32) (param $l i32) (result i64)\n"
                + "  (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $l))))\n"
                + extra + "\n"
                + "(func $execute_node (export \"execute_node\") (param $ptr i32) (param $len i32) (result i64)\n"
                + executeBody + ")\n)";
    }

    /** A node that returns exactly these bytes (any bytes: each is escaped) from every call. */
    static String returning(byte[] result) {
        return returning(result, "");
    }

    static String returning(byte[] result, String before) {
        if (RESULT_AT + result.length > HEAP_START)
            throw new IllegalArgumentException("result too long for the skeleton");
        return node(
                before + "\n(call $pack (i32.const " + RESULT_AT + ") (i32.const " + result.length + "))",
                "(data (i32.const " + RESULT_AT + ") \"" + escape(result) + "\")");
    }

    static String returning(String result) {
        return returning(result.getBytes(StandardCharsets.UTF_8));
    }

    static final String OK = "[{\"json\":{\"ok\":true}}]";

    /** The body that returns {@link #OK}; needs {@link #okData()} in the module. */
    static String okBody() {
        return "(call $pack (i32.const " + RESULT_AT + ") (i32.const " + OK.length() + "))";
    }

    static String okData() {
        return "(data (i32.const " + RESULT_AT + ") \"" + escape(OK.getBytes(StandardCharsets.UTF_8)) + "\")";
    }

    /** Puts import declarations at the front of a module's text, where the text format wants them. */
    static String withImports(String module, String imports) {
        return module.replaceFirst(
                "\\(module\n", java.util.regex.Matcher.quoteReplacement("(module\n" + imports + "\n"));
    }

    /** Every byte as a WAT string escape, so invalid UTF-8 and quotes survive. */
    static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            sb.append('\\').append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    /** A valid node plus {@code count} small functions, each reachable through a table. */
    static String manyFunctions(int count) {
        StringBuilder sb = new StringBuilder(count * 48);
        for (int i = 0; i < count; i++) {
            sb.append("(func $f")
                    .append(i)
                    .append(" (result i32) (i32.const ")
                    .append(i)
                    .append("))\n");
        }
        // an element segment keeps every function alive and callable
        sb.append("(table ").append(count).append(" funcref)\n(elem (i32.const 0)");
        for (int i = 0; i < count; i++) {
            sb.append(" $f").append(i);
        }
        sb.append(")\n(type $ri (func (result i32)))\n");
        sb.append(okData());
        return node("(drop (call_indirect (type $ri) (i32.const " + (count - 1) + "))) " + okBody(), sb.toString());
    }

    /** A valid node whose execute_node calls one function of {@code instructions} straight-line adds. */
    static String enormousFunction(int instructions) {
        StringBuilder body = new StringBuilder(instructions * 24);
        body.append("(func $enormous (result i32) (local $x i32)\n");
        for (int i = 0; i < instructions; i++) {
            body.append("local.get $x i32.const ").append(i & 0xFF).append(" i32.xor local.set $x\n");
        }
        body.append("local.get $x)\n").append(okData());
        return node("(drop (call $enormous)) " + okBody(), body.toString());
    }

    /** Why {@code engine} refuses the module assembled from {@code wat}; fails when it loads. */
    static List<String> problems(WasmEngine engine, String wat, String... flags) {
        try {
            engine.load(assemble(wat, flags));
        } catch (InvalidModuleException e) {
            return e.problems();
        }
        throw new AssertionError("the module loaded, but should have been refused");
    }

    /** Assembles with wat2wasm, passing wabt feature flags such as {@code --enable-threads}. */
    static byte[] assemble(String text, String... flags) {
        try {
            Path dir = Files.createTempDirectory("nlink-hostile");
            Path source = dir.resolve("module.wat");
            Path output = dir.resolve("module.wasm");
            try {
                Files.writeString(source, text);
                List<String> command = new ArrayList<>(List.of("wat2wasm", "--debug-names"));
                command.addAll(List.of(flags));
                command.addAll(List.of(source.toString(), "-o", output.toString()));
                Process p =
                        new ProcessBuilder(command).redirectErrorStream(true).start();
                String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    throw new AssertionError("wat2wasm failed: " + log);
                }
                return Files.readAllBytes(output);
            } finally {
                Files.deleteIfExists(source);
                Files.deleteIfExists(output);
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("wat2wasm (Debian package wabt) is needed; run scripts/setup.sh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
