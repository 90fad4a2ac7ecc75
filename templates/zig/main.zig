//! {{displayName}}: {{description}}
//!
//! An nLink community node in Zig. The node kit beside this file (nlink.zig) handles the ABI,
//! memory and JSON plumbing; the node is the one function below. Build with ./build.sh:
//!   zig build-exe main.zig -target wasm32-wasi -mexec-model=reactor -rdynamic -O ReleaseSmall ...
const std = @import("std");
const nlink = @import("nlink.zig");

comptime {
    nlink.exportNode(greet);
}

/// Answers each item with one greeting, or refuses the text "fail".
fn greet(item: nlink.Item, result: *nlink.Result) !void {
    const text = item.string("text") orelse "World";
    if (std.mem.eql(u8, text, "fail")) return result.fail("refused: text is fail");
    try result.output(.{
        .wasm_processed = true,
        .message = try std.fmt.allocPrint(item.arena, "Hello, {s}! Greetings from WebAssembly Runtime! 🚀", .{text}),
        .original_data = item.json,
    });
}

/// Required: without a main, zig exports no _initialize and the runtime is not set up.
pub fn main() void {}
