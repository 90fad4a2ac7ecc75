//! Kit probe in Zig: replaces the Zig template's main.zig in KitsTest to drive the node kit's
//! plumbing (no items, several items, an error after an item was added, a large unicode item
//! echoed back).
const std = @import("std");
const nlink = @import("nlink.zig");

comptime {
    nlink.exportNode(kitProbe);
}

fn kitProbe(item: nlink.Item, result: *nlink.Result) !void {
    const text = item.string("text") orelse "";
    if (std.mem.eql(u8, text, "empty")) return;
    if (std.mem.eql(u8, text, "many")) {
        for (0..3) |i| try result.output(.{ .i = i });
        return;
    }
    if (std.mem.eql(u8, text, "error")) {
        try result.output(.{ .dropped = true });
        return result.fail("refused ✓ \"quoted\" \\ Ünïcødé 🚀\nsecond line");
    }
    try result.output(.{ .text = text, .item = item.json });
}

pub fn main() void {}
