//! {{displayName}}: {{description}}
//!
//! An nLink community node built as a WASI preview1 reactor (a `cdylib` for `wasm32-wasip1`).
//! The host calls `allocate`, writes the context JSON there, calls `execute_node`, reads the
//! result, then calls `deallocate` for the input and for the output buffer, each with its exact
//! size.

use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::alloc::{alloc, dealloc, Layout};
use std::collections::HashMap;

/// The layout of every buffer exchanged with the host: bytes, at least 1 so that `allocate(0)`
/// still returns a valid, non-zero pointer. `deallocate` must use the same layout.
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

#[no_mangle]
pub unsafe extern "C" fn execute_node(ptr: *const u8, len: u32) -> u64 {
    // A view of the host-written input: valid only during this call, owned by the host's
    // allocate/deallocate pair, so never freed here.
    let input = std::slice::from_raw_parts(ptr, len as usize);
    let out = run(input);
    // Hand the bytes to the host: copy them into a buffer with the same layout as allocate's,
    // so that deallocate(out_ptr, out_len) frees it exactly.
    let out_ptr = allocate(out.len() as u32);
    if out_ptr.is_null() {
        return 0;
    }
    std::ptr::copy_nonoverlapping(out.as_ptr(), out_ptr, out.len());
    ((out_ptr as u64) << 32) | out.len() as u64
}

/// The node's logic: the context JSON `{"params": {...}, "$json": {...}}` in, the result JSON out.
fn run(input: &[u8]) -> Vec<u8> {
    // Top-level members stay raw: "$json" is passed through verbatim.
    let ctx: HashMap<String, &RawValue> = match serde_json::from_slice(input) {
        Ok(ctx) => ctx,
        Err(_) => return error("invalid input JSON"),
    };
    let params: Value = match ctx.get("params") {
        // RawValue only checked the syntax; decoding can still fail (an unpaired \uD800 escape).
        Some(raw) => match serde_json::from_str(raw.get()) {
            Ok(params) => params,
            Err(_) => return error("invalid input JSON"),
        },
        None => Value::Null,
    };
    let text = params.get("text").and_then(Value::as_str).unwrap_or("World");
    if text == "fail" {
        return error("refused: text is fail");
    }
    let message = format!("Hello, {text}! Greetings from WebAssembly Runtime! 🚀");
    // Written by hand so that original_data is the input's JSON text, byte for byte (a Value
    // would round numbers through f64).
    let original = ctx.get("$json").map_or("null", |raw| raw.get());
    let mut out = String::with_capacity(128 + message.len() + original.len());
    out.push_str(r#"[{"json":{"wasm_processed":true,"message":"#);
    out.push_str(&Value::String(message).to_string()); // a JSON string literal, escaped
    out.push_str(r#","original_data":"#);
    out.push_str(original);
    out.push_str("}}]");
    out.into_bytes()
}

fn error(message: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({ "error": message })).expect("error JSON")
}
