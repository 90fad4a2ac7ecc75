//! Kit probe in Rust: replaces the Rust template's src/lib.rs in KitsTest to drive the node kit's
//! plumbing (no items, several items, an error, a large unicode item echoed back).

mod nlink;

use serde_json::{json, Value};

nlink::node!(kit_probe);

fn kit_probe(item: nlink::Item) -> Result<Vec<Value>, String> {
    let text = item.params["text"].as_str().unwrap_or_default().to_owned();
    match text.as_str() {
        "empty" => Ok(vec![]),
        "many" => Ok((0..3).map(|i| json!({ "i": i })).collect()),
        "error" => Err("refused ✓ \"quoted\" \\ Ünïcødé 🚀\nsecond line".into()),
        _ => Ok(vec![json!({ "text": text, "item": item.json })]),
    }
}
