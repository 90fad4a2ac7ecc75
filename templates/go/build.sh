#!/usr/bin/env bash
# Builds execution.wasm (a WASI preview1 reactor) from main.go. Needs Go >= 1.24.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
missing() {
  echo "build.sh: $*" >&2
  exit 3
}

command -v go >/dev/null 2>&1 || missing "Go 1.24 or newer is needed and 'go' is not on PATH: install Go 1.24+ (from your distribution or the Go project), then check it with nLink's scripts/setup-guests.sh go"
v="$(go env GOVERSION)"
v="${v#go}"
major="${v%%.*}"
rest="${v#*.}"
minor="${rest%%.*}"
if ((major < 1 || (major == 1 && minor < 24))); then
  missing "Go $v is too old: //go:wasmexport needs Go 1.24 or newer; install Go 1.24+"
fi

GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o execution.wasm .
echo "build.sh: built execution.wasm ($(wc -c <execution.wasm) bytes) with go $v"
