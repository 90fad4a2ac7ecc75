//! Sandbox probe in Rust: replaces the Rust template's src/lib.rs in a test and reports, from
//! inside the guest, what reading and writing a host file and reading the environment give.

use std::alloc::{alloc, dealloc, Layout};
use std::io::ErrorKind;

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size.max(1), 1).expect("buffer size")
}

#[no_mangle]
pub extern "C" fn allocate(size: u32) -> *mut u8 {
    unsafe { alloc(layout(size as usize)) }
}

#[no_mangle]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: u32) {
    if !ptr.is_null() {
        dealloc(ptr, layout(size as usize));
    }
}

fn not_found<T>(result: &std::io::Result<T>) -> bool {
    matches!(result, Err(e) if e.kind() == ErrorKind::NotFound)
}

#[no_mangle]
pub unsafe extern "C" fn execute_node(_ptr: *const u8, _len: u32) -> u64 {
    let read = std::fs::read("/etc/passwd");
    let write = std::fs::write("/tmp/nlink-probe", b"x");
    let out = serde_json::json!([{ "json": {
        "read_ok": read.is_ok(),
        "read_not_found": not_found(&read),
        "write_ok": write.is_ok(),
        "write_not_found": not_found(&write),
        "env_count": std::env::vars().count(),
        "home_set": std::env::var("HOME").is_ok(),
    }}])
    .to_string();
    let out_ptr = allocate(out.len() as u32);
    std::ptr::copy_nonoverlapping(out.as_ptr(), out_ptr, out.len());
    ((out_ptr as u64) << 32) | out.len() as u64
}
