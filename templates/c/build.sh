#!/usr/bin/env bash
# Builds execution.wasm (a WASI preview1 reactor) from every .c file here (main.c and the node kit: nlink.c, json.c) with clang.
# Needs clang with the wasm32 target, lld, wasi-libc and clang's wasm32 runtime; on Debian 12:
#   apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32
# Set CC to choose another clang (it must find a wasm32-wasi sysroot; WASI_SYSROOT=... if elsewhere).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
missing() {
  echo "build.sh: $*" >&2
  echo "build.sh: or, from a clone of nLink, run: scripts/setup-guests.sh c" >&2
  exit 3
}
need="clang, lld, wasi-libc and clang's wasm32 runtime: on Debian 12 run: apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32"

cc="${CC:-}"
if [[ -z "$cc" ]]; then
  for c in clang-19 clang-20 clang-18 clang-17 clang-16 clang-15 clang-14 clang; do
    if command -v "$c" >/dev/null 2>&1; then
      cc="$c"
      break
    fi
  done
fi
[[ -n "$cc" ]] || missing "no clang found; needs $need"
sysroot=()
[[ -n "${WASI_SYSROOT:-}" ]] && sysroot=(--sysroot="$WASI_SYSROOT")
if ! echo 'int x;' | "$cc" --target=wasm32-wasi "${sysroot[@]}" -x c -c -o /dev/null - 2>/dev/null \
  || ! echo '#include <stdlib.h>' | "$cc" --target=wasm32-wasi "${sysroot[@]}" -x c -E -o /dev/null - 2>/dev/null; then
  missing "$cc cannot compile for wasm32-wasi (missing wasm32 target or wasi-libc); needs $need"
fi

# shellcheck disable=SC2054 # the commas belong to -Wl,... options
flags=(--target=wasm32-wasi "${sysroot[@]}" -mexec-model=reactor -O2 -Wall -Wextra
  -Wl,--max-memory=33554432 # declare the sandbox's 512-page (32 MiB) maximum
  -Wl,-z,stack-size=1048576 # 1 MiB stack: room for deeply nested JSON
  -Wl,--strip-debug)
if ! "$cc" "${flags[@]}" -o execution.wasm ./*.c 2>build.err; then
  cat build.err >&2
  if grep -qE 'wasm-ld|libclang_rt|crt1-reactor|cannot find|unable to find' build.err; then
    rm -f build.err
    missing "linking for wasm32-wasi failed; needs $need"
  fi
  rm -f build.err
  exit 1
fi
cat build.err >&2
rm -f build.err
echo "build.sh: built execution.wasm ($(wc -c <execution.wasm) bytes) with $("$cc" --version | head -1)"
