//! nLink's node kit for Zig (0.17): a node is one function over an item and its parameters. The
//! kit owns the reactor ABI of docs/abi.md (allocate, deallocate, execute_node), the memory the
//! host borrows, parsing the context and encoding the result, so a node is just this:
//!
//!     comptime { nlink.exportNode(echo); }
//!
//!     fn echo(item: nlink.Item, result: *nlink.Result) !void {
//!         try result.output(.{ .echo = item.json }); // one output item, {"echo": <the item>}
//!     }
//!
//!     pub fn main() void {} // in the root file: without it zig exports no _initialize
//!
//! It is vendored into every scaffolded Zig node; nLink's devkit tests it once (KitsTest).
const std = @import("std");
pub const json = std.json;

/// Every buffer exchanged with the host comes from this allocator. Like every Zig allocator it
/// must be given back the exact length that was allocated, which is why nLink passes the size to
/// deallocate.
const gpa = std.heap.wasm_allocator;

/// One input item as the node sees it.
pub const Item = struct {
    /// The node's parameters, resolved by the host: always an object (empty when absent).
    params: json.Value,
    /// The item's json (.null when absent). Numbers stay their JSON text (.number_string), so
    /// putting it into an output passes it through exactly.
    json: json.Value,
    /// Memory for this item, freed by the kit once the item is answered: copy with another
    /// allocator what must outlive it.
    arena: std.mem.Allocator,

    /// params.<name> when it is a string, else null.
    pub fn string(self: Item, name: []const u8) ?[]const u8 {
        const value = self.params.object.get(name) orelse return null;
        return if (value == .string) value.string else null;
    }
};

/// The answer being built for one item: output items, or an error.
pub const Result = struct {
    out: std.Io.Writer.Allocating,
    items: usize = 0,
    failure: ?[]const u8 = null,

    /// Adds one output item: value (a struct, json.Value, ...) must encode as a JSON object.
    pub fn output(self: *Result, value: anytype) error{OutOfMemory}!void {
        const w = &self.out.writer;
        w.writeAll(if (self.items == 0) "[{\"json\":" else ",{\"json\":") catch return error.OutOfMemory;
        json.Stringify.value(value, .{}, w) catch return error.OutOfMemory;
        w.writeByte('}') catch return error.OutOfMemory;
        self.items += 1;
    }

    /// Fails the item with message (a NODE_ERROR; the instance is kept); output items already
    /// added are dropped. The message may live in item.arena.
    pub fn fail(self: *Result, message: []const u8) void {
        self.failure = message;
    }
};

/// Exports execute_node (with allocate and deallocate) running node on every item. node is
/// `fn (item: Item, result: *Result) !void`; an error it returns fails the item with the error's
/// name as the message, except error.OutOfMemory, which the host reports as the memory limit.
/// `unreachable` and safety panics trap: the item fails as a TRAP and the instance is replaced.
pub fn exportNode(comptime node: anytype) void {
    const Exports = struct {
        fn execute_node(ptr: [*]const u8, len: usize) callconv(.c) u64 {
            const out = run(ptr[0..len], node) catch return 0; // out of memory: the host reports the limit
            return (@as(u64, @intFromPtr(out.ptr)) << 32) | out.len;
        }
    };
    @export(&Exports.execute_node, .{ .name = "execute_node" });
    @export(&allocate, .{ .name = "allocate" });
    @export(&deallocate, .{ .name = "deallocate" });
}

/// At least 1 byte, so that allocate(0) still returns a valid, non-zero pointer; deallocate
/// applies the same rule so that the lengths match.
fn bufferLen(size: usize) usize {
    return @max(size, 1);
}

fn allocate(size: usize) callconv(.c) ?[*]u8 {
    const buf = gpa.alloc(u8, bufferLen(size)) catch return null; // null: the host reports it
    return buf.ptr;
}

fn deallocate(ptr: ?[*]u8, size: usize) callconv(.c) void {
    const p = ptr orelse return;
    gpa.free(p[0..bufferLen(size)]);
}

/// The context JSON {"params": {...}, "$json": {...}} in, the result JSON out, allocated from gpa
/// with exactly its length (the host frees it with deallocate(ptr, len)). The input stays the
/// host's.
fn run(input: []const u8, comptime node: anytype) error{OutOfMemory}![]u8 {
    var arena = std.heap.ArenaAllocator.init(gpa);
    defer arena.deinit();
    const a = arena.allocator();

    if (nestedTooDeep(input)) return errorResult("invalid input JSON");
    const ctx = json.parseFromSliceLeaky(json.Value, a, input, .{
        .parse_numbers = false, // keep numbers as their JSON text, so "$json" passes through exactly
        .duplicate_field_behavior = .use_last,
    }) catch |err| switch (err) {
        error.OutOfMemory => return error.OutOfMemory,
        else => return errorResult("invalid input JSON"),
    };
    if (ctx != .object) return errorResult("invalid input JSON");

    var params = ctx.object.get("params") orelse json.Value{ .object = .empty };
    if (params != .object) params = .{ .object = .empty };
    const item = Item{ .params = params, .json = ctx.object.get("$json") orelse .null, .arena = a };

    var result = Result{ .out = .init(gpa) };
    defer result.out.deinit();
    node(item, &result) catch |err| {
        const any: anyerror = err; // node's own error set may or may not hold OutOfMemory
        if (any == error.OutOfMemory) return error.OutOfMemory;
        return errorResult(@errorName(any));
    };
    if (result.failure) |message| return errorResult(message);
    result.out.writer.writeAll(if (result.items == 0) "[]" else "]") catch return error.OutOfMemory;
    return result.out.toOwnedSlice();
}

/// std.json builds a Value recursively: a hostile context nested 100,000 deep would overflow the
/// stack (a trap that costs the instance). Refuse more than the C kit's scanner allows.
const max_depth = 512;

fn nestedTooDeep(input: []const u8) bool {
    var depth: usize = 0;
    var in_string = false;
    var i: usize = 0;
    while (i < input.len) : (i += 1) {
        const c = input[i];
        if (in_string) {
            if (c == '\\') {
                i += 1; // skip the escaped character (it may be a quote)
            } else if (c == '"') {
                in_string = false;
            }
        } else switch (c) {
            '"' => in_string = true,
            '[', '{' => {
                depth += 1;
                if (depth > max_depth) return true;
            },
            ']', '}' => depth -|= 1, // unbalanced input is left to the parser to refuse
            else => {},
        }
    }
    return false;
}

fn errorResult(message: []const u8) error{OutOfMemory}![]u8 {
    var out: std.Io.Writer.Allocating = .init(gpa);
    errdefer out.deinit();
    json.Stringify.value(.{ .@"error" = message }, .{}, &out.writer) catch return error.OutOfMemory;
    return out.toOwnedSlice();
}
