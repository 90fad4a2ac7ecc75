#!/usr/bin/env bash
# Builds execution.wasm (a WASI preview1 reactor) from main.zig.
# Needs Zig 0.17 (std.json's API changes between releases): $ZIG, else PyPI's ziglang
# (python3 -m ziglang, or the copy nLink's scripts/setup-guests.sh puts in ~/.cache/nlink/pip),
# else zig on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
missing() {
  echo "build.sh: $*" >&2
  echo "build.sh: or, from a clone of nLink, run: scripts/setup-guests.sh zig" >&2
  exit 3
}

shared="${NLINK_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nlink}/pip/ziglang/zig"
if [[ -n "${ZIG:-}" ]]; then
  read -ra zig <<<"$ZIG"
elif python3 -m ziglang version >/dev/null 2>&1; then
  zig=(python3 -m ziglang)
elif [[ -x "$shared" ]]; then
  zig=("$shared")
elif command -v zig >/dev/null 2>&1; then
  zig=(zig)
else
  missing "Zig is needed: install it with: python3 -m pip install ziglang==0.17.1 (or put zig on PATH)"
fi

# The cache stays outside the node's folder (the zig default would be .zig-cache here).
export ZIG_LOCAL_CACHE_DIR="${ZIG_LOCAL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nlink/zig-local}"
"${zig[@]}" build-exe main.zig -target wasm32-wasi -mexec-model=reactor -rdynamic -O ReleaseSmall \
  --stack 1048576 --max-memory=33554432 --name execution -femit-bin=execution.wasm
rm -f execution.wasm.o
echo "build.sh: built execution.wasm ($(wc -c <execution.wasm) bytes) with zig $("${zig[@]}" version)"
