#!/usr/bin/env bash
# Compiles every example node's execution.wasm from its source. Idempotent: a node whose wasm is
# newer than all its sources is skipped. Go nodes are built exactly as the seed documents:
#   GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o execution.wasm main.go
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    echo "examples: Go 1.24+ is needed to build the Go example nodes; run scripts/setup.sh" >&2
    exit 1
  fi
  local v
  v="$(go env GOVERSION)"
  v="${v#go}"
  local major="${v%%.*}" rest="${v#*.}"
  local minor="${rest%%.*}"
  if ((major < 1 || (major == 1 && minor < 24))); then
    echo "examples: Go $v is too old; //go:wasmexport needs Go 1.24+" >&2
    exit 1
  fi
}

built=0
for dir in "$here"/*/; do
  dir="${dir%/}"
  [[ -f "$dir/go.mod" ]] || continue
  wasm="$dir/execution.wasm"
  if [[ -f "$wasm" ]] && [[ -z "$(find "$dir" -name '*.go' -newer "$wasm" -print -quit)" ]] \
    && [[ ! "$dir/go.mod" -nt "$wasm" ]]; then
    continue
  fi
  need_go
  echo "examples: building $(basename "$dir")/execution.wasm"
  (cd "$dir" && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o execution.wasm main.go)
  built=$((built + 1))
done
echo "examples: $built built, the rest up to date"
