//! Sandbox probe in Rust: replaces the Rust template's src/lib.rs in a test and reports, from
//! inside the guest, what reading and writing a host file and reading the environment give.
//! Built on the template's node kit (src/nlink.rs).

mod nlink;

use serde_json::{json, Value};
use std::io::ErrorKind;

nlink::node!(probe);

fn not_found<T>(result: &std::io::Result<T>) -> bool {
    matches!(result, Err(e) if e.kind() == ErrorKind::NotFound)
}

fn probe(_item: nlink::Item) -> Result<Vec<Value>, String> {
    let read = std::fs::read("/etc/passwd");
    let write = std::fs::write("/tmp/nlink-probe", b"x");
    Ok(vec![json!({
        "read_ok": read.is_ok(),
        "read_not_found": not_found(&read),
        "write_ok": write.is_ok(),
        "write_not_found": not_found(&write),
        "env_count": std::env::vars().count(),
        "home_set": std::env::var("HOME").is_ok(),
    })])
}
