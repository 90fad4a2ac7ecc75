#!/usr/bin/env bash
# Builds execution.wasm (a WASI preview1 reactor, cdylib) from src/lib.rs.
# Needs Rust with the wasm32-wasip1 target (rustup target add wasm32-wasip1); crates from crates.io.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
missing() {
  echo "build.sh: $*" >&2
  echo "build.sh: or, from a clone of nLink, run: scripts/setup-guests.sh rust" >&2
  exit 3
}
[[ -d "$HOME/.cargo/bin" ]] && PATH="$HOME/.cargo/bin:$PATH"

command -v cargo >/dev/null 2>&1 || missing "Rust is needed and 'cargo' is not on PATH: install rustup (stable), then: rustup target add wasm32-wasip1"
sysroot="$(rustc --print sysroot)"
if [[ ! -d "$sysroot/lib/rustlib/wasm32-wasip1" ]]; then
  missing "the Rust target wasm32-wasip1 is not installed for $(rustc --version): run: rustup target add wasm32-wasip1"
fi

# .cargo/config.toml sets the target and the 32 MiB maximum memory (-C link-arg=--max-memory=33554432).
cargo build --release --target wasm32-wasip1
cp target/wasm32-wasip1/release/nlink_node.wasm execution.wasm
echo "build.sh: built execution.wasm ($(wc -c <execution.wasm) bytes) with $(rustc --version)"
