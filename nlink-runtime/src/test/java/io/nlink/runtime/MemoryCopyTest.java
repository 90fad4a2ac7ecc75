package io.nlink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlink.runtime.internal.wasm.WasmEngine;
import io.nlink.runtime.internal.wasm.WasmNode;
import io.nlink.runtime.json.Json;
import org.junit.jupiter.api.Test;

/**
 * {@code memory.copy} over overlapping ranges, both directions, across page boundaries and from a
 * page still shared with the node's snapshot (the copy-on-write of the destination replaces it):
 * the guest checks every byte and traps on the first wrong one.
 */
class MemoryCopyTest {
    /** Two pages' boundary, and a page only the data segment wrote (shared after the snapshot). */
    private static final int ACROSS = 65_536 - 100;

    private static final int SHARED = 3 * 65_536;
    private static final int LENGTH = 250;
    private static final int SHIFT = 7;

    private static String segment() {
        byte[] bytes = new byte[LENGTH + SHIFT];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) i;
        return "(data (i32.const " + SHARED + ") \"" + HostileWat.escape(bytes) + "\")";
    }

    /** Fills [at, at+n) with (i + from) & 255. */
    private static final String FILL = "(func $fill (param $at i32) (param $n i32) (param $from i32) (local $i i32)\n"
            + "  (block $done (loop $next (br_if $done (i32.ge_u (local.get $i) (local.get $n)))\n"
            + "    (i32.store8 (i32.add (local.get $at) (local.get $i)) (i32.add (local.get $i) (local.get $from)))\n"
            + "    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $next))))\n";
    /** Traps unless [at, at+n) holds (i + from) & 255. */
    private static final String CHECK = "(func $check (param $at i32) (param $n i32) (param $from i32) (local $i i32)\n"
            + "  (block $done (loop $next (br_if $done (i32.ge_u (local.get $i) (local.get $n)))\n"
            + "    (if (i32.ne (i32.load8_u (i32.add (local.get $at) (local.get $i))) (i32.and (i32.add (local.get $i) (local.get $from)) (i32.const 255)))\n"
            + "      (then unreachable))\n"
            + "    (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $next))))\n";

    private static final String COPIES = HostileWat.node(
            "(memory (export \"memory\") 4 512)",
            // from a shared page onto itself, backward (the destination above the source)
            "(memory.copy (i32.const " + (SHARED + SHIFT) + ") (i32.const " + SHARED + ") (i32.const " + LENGTH + "))\n"
                    + "(call $check (i32.const " + (SHARED + SHIFT) + ") (i32.const " + LENGTH + ") (i32.const 0))\n"
                    // across a page boundary, backward then forward
                    + "(call $fill (i32.const " + ACROSS + ") (i32.const " + (LENGTH + SHIFT) + ") (i32.const 0))\n"
                    + "(memory.copy (i32.const " + (ACROSS + SHIFT) + ") (i32.const " + ACROSS + ") (i32.const "
                    + LENGTH + "))\n"
                    + "(call $check (i32.const " + (ACROSS + SHIFT) + ") (i32.const " + LENGTH + ") (i32.const 0))\n"
                    + "(call $fill (i32.const " + ACROSS + ") (i32.const " + (LENGTH + SHIFT) + ") (i32.const 0))\n"
                    + "(memory.copy (i32.const " + ACROSS + ") (i32.const " + (ACROSS + SHIFT) + ") (i32.const "
                    + LENGTH + "))\n"
                    + "(call $check (i32.const " + ACROSS + ") (i32.const " + LENGTH + ") (i32.const " + SHIFT + "))\n"
                    // over three pages, forward, no overlap
                    + "(call $fill (i32.const 65536) (i32.const 70000) (i32.const 3))\n"
                    + "(memory.copy (i32.const 140000) (i32.const 65536) (i32.const 70000))\n"
                    + "(call $check (i32.const 140000) (i32.const 70000) (i32.const 3))\n"
                    + HostileWat.okBody(),
            HostileWat.okData() + "\n" + segment() + "\n" + FILL + CHECK);

    private static final byte[] CONTEXT =
            ItemCodec.encodeContext(Json.MAPPER.createObjectNode(), Json.MAPPER.createObjectNode());

    @Test
    void overlappingCopiesMoveEveryByteAsMemmoveDoes() throws Exception {
        WasmNode node = new WasmEngine().load(Guests.wat(COPIES));
        for (int batch = 0; batch < 3; batch++) { // the first instance, then the same one reset
            try (NodeInstance instance = node.newInstance(SandboxLimits.DEFAULTS)) {
                ItemResult r = instance.call(0, CONTEXT);
                assertThat(r.ok()).as("batch %d: %s", batch, r.failure()).isTrue();
            }
        }
        assertThat(node.reuses()).isEqualTo(2);
    }
}
