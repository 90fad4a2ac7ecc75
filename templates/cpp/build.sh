#!/usr/bin/env bash
# Builds execution.wasm (a WASI preview1 reactor) from every .cpp file here (main.cpp and the node kit, nlink.cpp) with clang++, libc++ and nlohmann/json.
# On Debian 12:
#   apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 \
#                   libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 nlohmann-json3-dev
# Set CXX to choose another clang++; NLOHMANN_INCLUDE to the folder that holds nlohmann/json.hpp.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
missing() {
  echo "build.sh: $*" >&2
  echo "build.sh: or, from a clone of nLink, run: scripts/setup-guests.sh cpp" >&2
  exit 3
}
need="clang++, lld, wasi-libc, libc++ for wasm32 and nlohmann-json: on Debian 12 run: apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32 libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 nlohmann-json3-dev"

cxx="${CXX:-}"
if [[ -z "$cxx" ]]; then
  for c in clang++-19 clang++-20 clang++-18 clang++-17 clang++-16 clang++-15 clang++-14 clang++; do
    if command -v "$c" >/dev/null 2>&1; then
      cxx="$c"
      break
    fi
  done
fi
[[ -n "$cxx" ]] || missing "no clang++ found; needs $need"

nlohmann="${NLOHMANN_INCLUDE:-/usr/include}"
[[ -f "$nlohmann/nlohmann/json.hpp" ]] || missing "nlohmann/json.hpp not found in $nlohmann; needs $need"
# Only nlohmann goes on the include path: the host's /usr/include would shadow wasi-libc's headers.
inc="$(mktemp -d)"
trap 'rm -rf "$inc"' EXIT
ln -s "$nlohmann/nlohmann" "$inc/nlohmann"

if ! echo '#include <string>' | "$cxx" --target=wasm32-wasi -x c++ -E -o /dev/null - 2>/dev/null; then
  missing "$cxx cannot compile C++ for wasm32-wasi (libc++ for wasm32 or wasi-libc missing); needs $need"
fi

# shellcheck disable=SC2054 # the commas belong to -Wl,... options
flags=(--target=wasm32-wasi -mexec-model=reactor -O2 -std=c++17 -Wall
  -fno-exceptions -DJSON_HAS_FILESYSTEM=0 -DJSON_HAS_EXPERIMENTAL_FILESYSTEM=0
  -isystem "$inc"
  -Wl,--max-memory=33554432 # declare the sandbox's 512-page (32 MiB) maximum
  -Wl,-z,stack-size=1048576 # 1 MiB stack: nlohmann's parser recurses per nesting level
  -Wl,--strip-debug)
if ! "$cxx" "${flags[@]}" -o execution.wasm ./*.cpp 2>"$inc/err"; then
  cat "$inc/err" >&2
  if grep -qE 'wasm-ld|libclang_rt|crt1-reactor|cannot find|unable to find|-lc\+\+' "$inc/err"; then
    missing "linking for wasm32-wasi failed; needs $need"
  fi
  exit 1
fi
cat "$inc/err" >&2
echo "build.sh: built execution.wasm ($(wc -c <execution.wasm) bytes) with $("$cxx" --version | head -1)"
