//! {{displayName}}: {{description}}
//!
//! An nLink community node in Rust. The `nlink` module beside this file (the node kit) handles
//! the ABI, memory and JSON plumbing; the node is the one function below. Build with ./build.sh
//! (`cargo build --release --target wasm32-wasip1`, a cdylib).

mod nlink;

use serde_json::{json, Value};

nlink::node!(greet);

/// Answers each item with one greeting, or refuses the text "fail".
fn greet(item: nlink::Item) -> Result<Vec<Value>, String> {
    let text = item.params.get("text").and_then(Value::as_str).unwrap_or("World");
    if text == "fail" {
        return Err("refused: text is fail".into());
    }
    Ok(vec![json!({
        "wasm_processed": true,
        "message": format!("Hello, {text}! Greetings from WebAssembly Runtime! 🚀"),
        "original_data": item.json,
    })])
}
