package io.nlink.runtime;

import static io.nlink.runtime.HostileWat.node;
import static io.nlink.runtime.HostileWat.okBody;
import static io.nlink.runtime.HostileWat.okData;

/**
 * Module shapes that make loading (parse, check, compile) expensive, each otherwise a valid node
 * (the {@link HostileWat#node} skeleton) so that only its size decides how far it gets. Used by
 * {@link CompileCostTest} to measure and by {@link CompileBudgetTest} to check the bounds.
 */
final class ModuleShapes {
    private ModuleShapes() {}

    /** {@code count} functions of {@code instructions} straight-line i32 xors each, all called. */
    static String mediumFunctions(int count, int instructions) {
        StringBuilder sb = new StringBuilder();
        for (int f = 0; f < count; f++) {
            sb.append("(func $m").append(f).append(" (result i32) (local $x i32)\n");
            for (int i = 0; i < instructions; i++) {
                sb.append("local.get $x i32.const ").append(i & 0xFF).append(" i32.xor local.set $x\n");
            }
            sb.append("local.get $x)\n");
        }
        StringBuilder calls = new StringBuilder();
        for (int f = 0; f < count; f++) {
            calls.append("(drop (call $m").append(f).append(")) ");
        }
        return node(calls + okBody(), sb + okData());
    }

    /** {@code count} function types, all distinct (a different number or mix of parameters). */
    static String manyTypes(int count) {
        StringBuilder sb = new StringBuilder();
        for (int t = 0; t < count; t++) {
            sb.append("(type (func");
            // a binary spelling of t in i32/i64 parameters keeps every type distinct
            for (int bits = t + 1; bits > 1; bits >>= 1) {
                sb.append((bits & 1) == 0 ? " (param i32)" : " (param i64)");
            }
            sb.append("))\n");
        }
        return node(okBody(), sb + okData());
    }

    /** {@code count} exports, all of one function under different names. */
    static String manyExports(int count) {
        StringBuilder sb = new StringBuilder("(func $e (result i32) (i32.const 1))\n");
        for (int e = 0; e < count; e++) {
            sb.append("(export \"e").append(e).append("\" (func $e))\n");
        }
        return node(okBody(), sb + okData());
    }

    /** A declarative element segment naming one function {@code count} times (no table needed). */
    static String bigElementSegment(int count) {
        StringBuilder sb = new StringBuilder("(func $e (result i32) (i32.const 1))\n(elem declare func");
        for (int e = 0; e < count; e++) {
            sb.append(" $e");
        }
        sb.append(")\n");
        return node(okBody(), sb + okData());
    }

    /** {@code count} one-byte active data segments (the Go module has 49,792). */
    static String manyDataSegments(int count) {
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < count; d++) {
            sb.append("(data (i32.const ")
                    .append(HostileWat.HEAP_START + (d % 50_000))
                    .append(") \"x\")\n");
        }
        return node(okBody(), sb + okData());
    }

    /** Blocks nested {@code depth} deep in one function. */
    static String deepNesting(int depth) {
        StringBuilder sb = new StringBuilder("(func $deep\n");
        sb.append("block\n".repeat(depth));
        sb.append("end\n".repeat(depth));
        sb.append(")\n");
        return node("(call $deep) " + okBody(), sb + okData());
    }

    /** One {@code br_table} of {@code labels} labels, all to the same block. */
    static String bigBrTable(int labels) {
        StringBuilder sb = new StringBuilder("(func $table (param $i i32)\nblock\nlocal.get $i\nbr_table");
        sb.append(" 0".repeat(labels + 1));
        sb.append("\nend)\n");
        return node("(call $table (i32.const 7)) " + okBody(), sb + okData());
    }
}
