//! Sandbox probe in Zig: replaces the Zig template's main.zig in a test and reports, from inside
//! the guest, what reading and writing a host file and reading the environment give.
//!
//! Files go through Zig's own std (0.17), as a node author would write it: the host's preopened
//! directories from std.process.Preopens, the one named "/" resolving the absolute paths (as
//! wasi-libc does for C), and std.Io's single-threaded implementation opening the rest of the path
//! below it. (std.Io.Dir.openFileAbsolute would hand "/etc/passwd" to the first preopen as it is,
//! which a WASI host may refuse for the leading slash alone, whatever the file system holds.)
//! The environment is read with the WASI calls themselves (environ_sizes_get, environ_get): std
//! hands the environment only to main (std.process.Init), and a reactor's main never runs, so
//! std's view of it would be empty whatever the host gave.
const std = @import("std");
const wasi = std.os.wasi;

const gpa = std.heap.wasm_allocator;

export fn allocate(size: usize) ?[*]u8 {
    const buf = gpa.alloc(u8, @max(size, 1)) catch return null;
    return buf.ptr;
}

export fn deallocate(ptr: ?[*]u8, size: usize) void {
    const p = ptr orelse return;
    gpa.free(p[0..@max(size, 1)]);
}

const Attempt = struct {
    opened: bool = false,
    /// Zig's error name when the open failed, e.g. "FileNotFound" (WASI's NOENT), or
    /// "NoRootPreopen" when the host preopened no "/" to resolve the path in.
    err: ?[]const u8 = null,
};

const Mode = enum { read, create };

/// Opens the absolute path for reading, or creates it for writing, through the preopen "/".
fn attempt(io: std.Io, preopens: *const std.process.Preopens, path: []const u8, mode: Mode) Attempt {
    const root = preopens.get("/") orelse return .{ .err = "NoRootPreopen" };
    if (root != .dir) return .{ .err = "NoRootPreopen" };
    const below = std.mem.trimStart(u8, path, "/");
    const file = switch (mode) {
        .read => root.dir.openFile(io, below, .{}),
        .create => root.dir.createFile(io, below, .{}),
    } catch |e| return .{ .err = @errorName(e) };
    file.close(io);
    return .{ .opened = true };
}

const Environment = struct { count: usize, home_set: bool };

fn environment(a: std.mem.Allocator) error{OutOfMemory}!Environment {
    var count: usize = 0;
    var size: usize = 0;
    if (wasi.environ_sizes_get(&count, &size) != .SUCCESS) return .{ .count = 0, .home_set = false };
    var home = false;
    if (count > 0) {
        const pointers = try a.alloc([*:0]u8, count);
        const bytes = try a.alloc(u8, @max(size, 1));
        if (wasi.environ_get(pointers.ptr, bytes.ptr) == .SUCCESS) {
            for (pointers) |entry| {
                if (std.mem.startsWith(u8, std.mem.span(entry), "HOME=")) home = true;
            }
        }
    }
    return .{ .count = count, .home_set = home };
}

export fn execute_node(ptr: [*]const u8, len: usize) u64 {
    _ = ptr;
    _ = len;
    const out = probe() catch return 0;
    return (@as(u64, @intFromPtr(out.ptr)) << 32) | out.len;
}

fn probe() error{OutOfMemory}![]u8 {
    var arena = std.heap.ArenaAllocator.init(gpa);
    defer arena.deinit();
    const a = arena.allocator();
    const io = std.Io.Threaded.global_single_threaded.io();
    const preopens = std.process.Preopens.init(a) catch |e| switch (e) {
        error.OutOfMemory => return error.OutOfMemory,
        else => std.process.Preopens.empty,
    };

    const read = attempt(io, &preopens, "/etc/passwd", .read);
    const write = attempt(io, &preopens, "/tmp/nlink-probe", .create);
    const env = try environment(a);
    const seen = .{.{ .json = .{
        .preopens = preopens.map.keys()[@min(3, preopens.map.count())..],
        .read_error = read.err,
        .read_opened = read.opened,
        .read_enoent = if (read.err) |e| std.mem.eql(u8, e, "FileNotFound") else false,
        .write_error = write.err,
        .write_opened = write.opened,
        .write_enoent = if (write.err) |e| std.mem.eql(u8, e, "FileNotFound") else false,
        .env_count = env.count,
        .home_set = env.home_set,
    } }};

    var out: std.Io.Writer.Allocating = .init(gpa);
    errdefer out.deinit();
    std.json.Stringify.value(seen, .{}, &out.writer) catch return error.OutOfMemory;
    return out.toOwnedSlice();
}

/// Without a main, zig exports no _initialize.
pub fn main() void {}
