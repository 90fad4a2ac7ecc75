// {{displayName}}: {{description}}
//
// An nLink community node built as a WASI preview1 reactor with AssemblyScript (see build.sh).
// The host calls allocate, writes the context JSON there, calls execute_node, reads the result,
// then calls deallocate for the input and for the output buffer.
//
// Buffers exchanged with the host are unmanaged memory (heap.alloc / heap.free): the garbage
// collector never moves or frees them. Objects and strings made while running an item are
// managed and collected as usual.
import { Bytes, Span, decodeString, member, validate } from "./json";

/** At least 1 byte, so that allocate(0) still returns a valid, non-zero pointer. */
export function allocate(size: usize): usize {
  return heap.alloc(size > 0 ? size : 1);
}

/** Frees what allocate and execute_node handed out. heap.free needs no size. */
export function deallocate(ptr: usize, size: usize): void {
  if (ptr != 0) heap.free(ptr);
}

/** The input buffer stays the host's (it frees it with deallocate); the output buffer is handed
 *  to the host, which frees it with deallocate once it has read it. */
export function execute_node(ptr: usize, len: usize): u64 {
  const out = run(ptr, len);
  return (<u64>out.ptr << 32) | <u64>out.len;
}

function errorResult(message: string): Bytes {
  const out = new Bytes();
  out.appendString('{"error":');
  const utf8 = String.UTF8.encode(message);
  out.appendJsonString(changetype<usize>(utf8), <usize>utf8.byteLength);
  out.appendByte(0x7d);
  return out;
}

/** The node's logic: the context JSON {"params": {...}, "$json": {...}} in, the result JSON out. */
function run(ptr: usize, len: usize): Bytes {
  const ctx = validate(ptr, len);
  if (ctx == null || ctx.first != 0x7b) return errorResult("invalid input JSON"); // not an object

  // text: params.text when it is a string, decoded to UTF-8 bytes [textPtr, textPtr+textLen).
  let text = "World";
  const params = member(ctx, "params");
  if (params != null) {
    const t = member(params, "text");
    if (t != null && t.first == 0x22) {
      const buf = heap.alloc(t.length);
      const n = decodeString(t.start, t.end, buf);
      text = String.UTF8.decodeUnsafe(buf, n);
      heap.free(buf);
    }
  }
  if (text == "fail") return errorResult("refused: text is fail");

  const message = "Hello, " + text + "! Greetings from WebAssembly Runtime! 🚀";
  const out = new Bytes();
  out.appendString('[{"json":{"wasm_processed":true,"message":');
  const utf8 = String.UTF8.encode(message);
  out.appendJsonString(changetype<usize>(utf8), <usize>utf8.byteLength);
  out.appendString(',"original_data":');
  const original = member(ctx, "$json");
  if (original != null) out.append(original.start, original.length); // verbatim JSON text
  else out.appendString("null");
  out.appendString("}}]");
  return out;
}

// ---- traps --------------------------------------------------------------------------------------
// AssemblyScript calls abort() on a failed assertion, an out-of-bounds array access or running out
// of memory. By default that is an import (env.abort), which nLink refuses; build.sh redirects it
// here (--use abort=assembly/node/trap): write the message to stderr (nLink quotes it), then trap.

@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, written: usize): u16;

let trapping = false;

function trap(message: string | null, fileName: string | null, line: u32, column: u32): void {
  if (!trapping) { // no second attempt if writing the message fails too (out of memory)
    trapping = true;
    const text = "abort: " + (message != null ? message : "") + " at " +
      (fileName != null ? fileName : "?") + ":" + line.toString() + ":" + column.toString() + "\n";
    const utf8 = String.UTF8.encode(text);
    const iov = heap.alloc(12);
    store<u32>(iov, changetype<usize>(utf8));
    store<u32>(iov, <u32>utf8.byteLength, 4);
    fd_write(2, iov, 1, iov + 8);
  }
  unreachable();
}
