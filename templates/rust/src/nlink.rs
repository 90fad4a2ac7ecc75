//! nLink's node kit for Rust: a node is one function over an item and its parameters. The kit
//! owns the reactor ABI of docs/abi.md (`allocate`, `deallocate`, `execute_node`), the memory the
//! host borrows, decoding the context and encoding the result, so a node needs none of it:
//!
//! ```ignore
//! mod nlink;
//! nlink::node!(greet);
//!
//! fn greet(item: nlink::Item) -> Result<Vec<Value>, String> {
//!     Ok(vec![json!({ "hello": item.params["text"] })])
//! }
//! ```
//!
//! It is vendored into every scaffolded Rust node; nLink's devkit tests it once (KitsTest).

use serde_json::{Map, Value};
use std::alloc::{alloc, dealloc, Layout};
use std::fmt::Display;

/// One input item as the node sees it.
pub struct Item {
    /// The node's parameters, resolved by the host (defaults filled in, types checked); an empty
    /// object when the context has none.
    pub params: Value,
    /// The item's json object (`Value::Null` when absent). serde_json's `arbitrary_precision`
    /// feature keeps its numbers as written, so putting it into an output passes it through exactly.
    pub json: Value,
}

/// Exports `execute_node`, running `$node` on every item. `$node` takes an [`Item`] and returns
/// `Ok` with the output items' json objects, in order (none is a valid answer), or `Err` with a
/// message (any `Display`), which fails the item as a `NODE_ERROR` and keeps the instance. A panic
/// aborts (`panic = "abort"`): the item fails as a `TRAP` and the instance is replaced.
macro_rules! node {
    ($node:path) => {
        #[no_mangle]
        pub unsafe extern "C" fn execute_node(ptr: *const u8, len: u32) -> u64 {
            $crate::nlink::execute(ptr, len, $node)
        }
    };
}
pub(crate) use node;

/// The layout of every buffer exchanged with the host: bytes, at least 1 so that `allocate(0)`
/// still returns a valid, non-zero pointer. `deallocate` gets the exact size back from the host,
/// and Rust's allocator needs exactly this layout again.
fn layout(size: usize) -> Layout {
    Layout::from_size_align(size.max(1), 1).expect("buffer size")
}

#[no_mangle]
pub extern "C" fn allocate(size: u32) -> *mut u8 {
    // SAFETY: the layout has a non-zero size. A null result (out of memory) is reported by the host.
    unsafe { alloc(layout(size as usize)) }
}

#[no_mangle]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: u32) {
    if !ptr.is_null() {
        dealloc(ptr, layout(size as usize));
    }
}

/// One `execute_node` call: `node` over the context at `ptr`, the result copied into a buffer
/// from `allocate` (a `Vec`'s capacity may differ from its length, so its own pointer could not
/// be freed with the length), returned as `ptr << 32 | len`.
#[doc(hidden)]
pub unsafe fn execute<E: Display>(ptr: *const u8, len: u32, node: fn(Item) -> Result<Vec<Value>, E>) -> u64 {
    // A view of the host-written input, valid only during this call; the host frees it.
    let input = std::slice::from_raw_parts(ptr, len as usize);
    let out = run(input, node);
    let out_ptr = allocate(out.len() as u32);
    if out_ptr.is_null() {
        return 0; // out of memory: the host reports the memory limit
    }
    std::ptr::copy_nonoverlapping(out.as_ptr(), out_ptr, out.len());
    ((out_ptr as u64) << 32) | out.len() as u64
}

/// The context `{"params": {...}, "$json": {...}}` in, the result JSON out.
fn run<E: Display>(input: &[u8], node: fn(Item) -> Result<Vec<Value>, E>) -> Vec<u8> {
    let mut ctx: Map<String, Value> = match serde_json::from_slice(input) {
        Ok(ctx) => ctx,
        Err(_) => return error("invalid input JSON"), // not JSON (or an unpaired \uD800), or not an object
    };
    let params = match ctx.remove("params") {
        Some(params @ Value::Object(_)) => params,
        _ => Value::Object(Map::new()),
    };
    let item = Item { params, json: ctx.remove("$json").unwrap_or(Value::Null) };
    match node(item) {
        Ok(outputs) => {
            let mut out = Vec::with_capacity(256);
            out.push(b'[');
            for (i, json) in outputs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(br#"{"json":"#);
                serde_json::to_writer(&mut out, json).expect("a Value always encodes");
                out.push(b'}');
            }
            out.push(b']');
            out
        }
        Err(message) => error(&message.to_string()),
    }
}

fn error(message: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "error": message })).expect("error JSON")
}
