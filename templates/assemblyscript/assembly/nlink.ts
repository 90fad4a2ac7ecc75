// nLink's node kit for AssemblyScript: a node is one function over an item and its parameters.
// The kit owns the reactor ABI of docs/abi.md (allocate, deallocate, execute_node), the memory the
// host borrows, checking the context and assembling the result, so a node is just this (in the
// entry file, assembly/node.ts):
//
//   export { allocate, deallocate, execute_node } from "./nlink";
//   handle(echo);
//   function echo(item: Item, result: Result): void {
//     const out = result.output();            // one output item: write its json object
//     out.appendString('{"echo":'); out.appendSpan(item.json); out.appendString("}");
//   }
//
// Buffers exchanged with the host are unmanaged memory (heap.alloc / heap.free): the garbage
// collector never moves or frees them. Objects and strings made while running an item are managed
// and collected as usual. It is vendored into every scaffolded AssemblyScript node; nLink's devkit
// tests it once (KitsTest).
import { Bytes, Span, decodeString, member, validate } from "./json";

export { Bytes, Span, member } from "./json";

let trapping = false; // see trap(), at the end; declared first as any initialiser below may abort

/** One input item as the node sees it: spans of the (valid) context JSON text. */
export class Item {
  constructor(
    /** The node's parameters object, resolved by the host ("{}" when absent). */
    public params: Span,
    /** The item's json, verbatim ("null" when absent). */
    public json: Span,
  ) {}

  /** params.<name> decoded when it is a string, else null. name must be ASCII. */
  string(name: string): string | null {
    const t = member(this.params, name);
    if (t == null || t.first != 0x22) return null;
    const buf = heap.alloc(t.length);
    const n = decodeString(t.start, t.end, buf);
    const text = String.UTF8.decodeUnsafe(buf, n);
    heap.free(buf);
    return text;
  }
}

/** The answer being built for one item: output items, or an error. */
export class Result {
  out: Bytes = new Bytes();
  items: i32 = 0;
  failure: string | null = null;

  /** Starts the next output item and returns the buffer to write its json object into, as JSON
   *  text (appendString, appendQuoted, appendSpan). Valid until the next output() call. */
  output(): Bytes {
    this.out.appendString(this.items == 0 ? '[{"json":' : '},{"json":');
    this.items++;
    return this.out;
  }

  /** Fails the item with message (a NODE_ERROR; the instance is kept); output items already
   *  written are dropped. */
  fail(message: string): void {
    this.failure = message;
  }
}

/** A node: answers one item through result (output() zero or more times, or fail()). */
export type Node = (item: Item, result: Result) => void;

let node: Node = unregistered;

/** Registers the node's function; call it at the top level of the entry file (run once, in
 *  _initialize). */
export function handle(fn: Node): void {
  node = fn;
}

function unregistered(item: Item, result: Result): void {
  result.fail("no node function: call handle(yourFunction) in assembly/node.ts");
}

/** At least 1 byte, so that allocate(0) still returns a valid, non-zero pointer. */
export function allocate(size: usize): usize {
  return heap.alloc(size > 0 ? size : 1);
}

/** Frees what allocate and execute_node handed out. heap.free needs no size. */
export function deallocate(ptr: usize, size: usize): void {
  if (ptr != 0) heap.free(ptr);
}

// "null" and "{}" as UTF-8, for an item without $json or params (made once, in _initialize).
const NULL_TEXT = String.UTF8.encode("null");
const EMPTY_OBJECT = String.UTF8.encode("{}");

/** The input buffer stays the host's (it frees it with deallocate); the output buffer is handed
 *  to the host, which frees it with deallocate once it has read it. */
export function execute_node(ptr: usize, len: usize): u64 {
  const out = run(ptr, len);
  return (<u64>out.ptr << 32) | <u64>out.len;
}

function run(ptr: usize, len: usize): Bytes {
  const ctx = validate(ptr, len);
  if (ctx == null || ctx.first != 0x7b) return errorResult("invalid input JSON"); // not an object
  let params = member(ctx, "params");
  if (params == null || params.first != 0x7b) params = constantSpan(EMPTY_OBJECT);
  let original = member(ctx, "$json");
  if (original == null) original = constantSpan(NULL_TEXT);

  const result = new Result();
  node(new Item(params, original), result);
  const failure = result.failure;
  if (failure != null) {
    heap.free(result.out.ptr);
    return errorResult(failure);
  }
  result.out.appendString(result.items == 0 ? "[]" : "}]");
  return result.out;
}

/** A span over UTF-8 text held by a global (so never collected). */
function constantSpan(utf8: ArrayBuffer): Span {
  return new Span(changetype<usize>(utf8), changetype<usize>(utf8) + <usize>utf8.byteLength);
}

function errorResult(message: string): Bytes {
  const out = new Bytes();
  out.appendString('{"error":');
  out.appendQuoted(message);
  out.appendByte(0x7d);
  return out;
}

// ---- traps --------------------------------------------------------------------------------------
// AssemblyScript calls abort() on a failed assertion, an out-of-bounds array access or running out
// of memory. By default that is an import (env.abort), which nLink refuses; build.sh redirects it
// here (--use abort=assembly/nlink/trap): write the message to stderr (nLink quotes it), then trap.

@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, written: usize): u16;


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
