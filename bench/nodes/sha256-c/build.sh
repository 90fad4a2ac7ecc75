#!/usr/bin/env bash
# Builds execution.wasm with the C template's own build (templates/c/build.sh: toolchain checks,
# flags, error messages) and its JSON scanner, from this node's main.c: the template's files and
# this main.c are put together in a scratch folder, built there, and the module copied back.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
template="$here/../../../templates/c"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$template/build.sh" "$template/json.c" "$template/json.h" "$work/"
cp "$here/main.c" "$work/"
bash "$work/build.sh"
cp "$work/execution.wasm" "$here/execution.wasm"
