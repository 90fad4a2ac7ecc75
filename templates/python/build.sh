#!/usr/bin/env bash
# Builds execution.wasm (a WASI command for nLink's adapter ABI) from main.py with py2wasm.
# Needs what nLink's scripts/setup-guests.sh python installs under ~/.cache/nlink/py2wasm: PyPI
# py2wasm in a virtualenv and a stand-in wasi-sdk (Debian clang-19 + wasi-libc), since py2wasm
# would download wasi-sdk from a code host. $PY2WASM and $WASI_SDK_DIR override both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
missing() {
  echo "build.sh: $*" >&2
  exit 3
}

home="${NLINK_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nlink}/py2wasm"
py2wasm="${PY2WASM:-$home/venv/bin/py2wasm}"
export WASI_SDK_DIR="${WASI_SDK_DIR:-$home/wasi-sdk}"
[[ -x "$py2wasm" ]] || missing "py2wasm is needed: run nLink's scripts/setup-guests.sh python (PyPI py2wasm, Debian clang-19, wasi-libc, patchelf)"
[[ -x "$WASI_SDK_DIR/bin/clang" ]] || missing "a wasi-sdk is needed at $WASI_SDK_DIR: run nLink's scripts/setup-guests.sh python"

# py2wasm writes into its own package directory: one build at a time per installation.
exec 9>"$home/build.lock"
flock 9
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$py2wasm" main.py -o "$out/main.wasm" >"$out/log" 2>&1 || {
  cat "$out/log" >&2
  exit 1
}

# Drop the DWARF sections (about half the module); keep the name section, which names the
# function in trap reports.
python3 - "$out/main.wasm" execution.wasm <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
def leb(pos):
    value = shift = 0
    while True:
        byte = data[pos]; pos += 1
        value |= (byte & 0x7F) << shift; shift += 7
        if byte < 0x80: return value, pos
out, pos = bytearray(data[:8]), 8
while pos < len(data):
    start = pos
    section_id = data[pos]
    size, body = leb(pos + 1)
    debug = False
    if section_id == 0:  # a custom section: its name comes first
        name_len, name_at = leb(body)
        debug = data[name_at:name_at + name_len].startswith(b".debug")
    pos = body + size
    if not debug:
        out += data[start:pos]
open(sys.argv[2], "wb").write(out)
PY
echo "build.sh: built execution.wasm ($(wc -c <execution.wasm) bytes) with py2wasm $("$(dirname "$py2wasm")/python" -c 'import importlib.metadata as m; print(m.version("py2wasm"))' 2>/dev/null || echo '(unknown version)')"
