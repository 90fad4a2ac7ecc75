//! {{displayName}}: {{description}}
//!
//! An nLink community node built as a WASI preview1 reactor:
//!   zig build-exe main.zig -target wasm32-wasi -mexec-model=reactor -rdynamic -O ReleaseSmall ...
//! The host calls allocate, writes the context JSON there, calls execute_node, reads the result,
//! then calls deallocate for the input and for the output buffer, each with its exact size.
const std = @import("std");
const json = std.json;

/// Every buffer exchanged with the host comes from this allocator. Like every Zig allocator it
/// must be given back the exact length that was allocated, which is why nLink passes the size to
/// deallocate.
const gpa = std.heap.wasm_allocator;

/// At least 1 byte, so that allocate(0) still returns a valid, non-zero pointer; deallocate
/// applies the same rule so that the lengths match.
fn bufferLen(size: usize) usize {
    return @max(size, 1);
}

export fn allocate(size: usize) ?[*]u8 {
    const buf = gpa.alloc(u8, bufferLen(size)) catch return null; // null: the host reports it
    return buf.ptr;
}

export fn deallocate(ptr: ?[*]u8, size: usize) void {
    const p = ptr orelse return;
    gpa.free(p[0..bufferLen(size)]);
}

/// The input buffer stays the host's (it frees it with deallocate). The output is allocated from
/// gpa with exactly its length, and the host frees it with deallocate(ptr, len) once read.
export fn execute_node(ptr: [*]const u8, len: usize) u64 {
    const out = run(ptr[0..len]) catch return 0; // out of memory: the host reports the memory limit
    return (@as(u64, @intFromPtr(out.ptr)) << 32) | out.len;
}

/// The node's logic: the context JSON {"params": {...}, "$json": {...}} in, the result JSON out
/// (allocated from gpa, exact length).
fn run(input: []const u8) error{OutOfMemory}![]u8 {
    // Everything parsed lives in an arena, freed at once when this call returns.
    var arena = std.heap.ArenaAllocator.init(gpa);
    defer arena.deinit();
    const a = arena.allocator();

    const ctx = json.parseFromSliceLeaky(json.Value, a, input, .{
        .parse_numbers = false, // keep numbers as their JSON text, so "$json" passes through exactly
        .duplicate_field_behavior = .use_last,
    }) catch |err| switch (err) {
        error.OutOfMemory => return error.OutOfMemory,
        else => return errorResult("invalid input JSON"),
    };
    if (ctx != .object) return errorResult("invalid input JSON");

    var text: []const u8 = "World";
    if (ctx.object.get("params")) |params| {
        if (params == .object) {
            if (params.object.get("text")) |t| {
                if (t == .string) text = t.string;
            }
        }
    }
    if (std.mem.eql(u8, text, "fail")) return errorResult("refused: text is fail");

    const original: json.Value = ctx.object.get("$json") orelse .null;
    const message = try std.fmt.allocPrint(a, "Hello, {s}! Greetings from WebAssembly Runtime! 🚀", .{text});
    return stringify(.{.{ .json = .{
        .wasm_processed = true,
        .message = message,
        .original_data = original,
    } }});
}

fn errorResult(message: []const u8) error{OutOfMemory}![]u8 {
    return stringify(.{ .@"error" = message });
}

/// JSON text of value in a gpa buffer of exactly its length.
fn stringify(value: anytype) error{OutOfMemory}![]u8 {
    var out: std.Io.Writer.Allocating = .init(gpa);
    errdefer out.deinit();
    json.Stringify.value(value, .{}, &out.writer) catch return error.OutOfMemory;
    return out.toOwnedSlice();
}

/// Required: without a main, zig exports no _initialize and the runtime is not set up.
pub fn main() void {}
