#!/usr/bin/env bash
# Installs the toolchains that build nLink node templates (templates/<lang>/build.sh), idempotently:
# when everything is present it only checks (a few seconds, no network).
#
#   go              preinstalled Go >= 1.24 (checked, not installed)
#   rust            rustup stable + target wasm32-wasip1; serde_json fetched into cargo's registry
#   c, cpp          Debian clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32,
#                   libc++-19-dev-wasm32, libc++abi-19-dev-wasm32, nlohmann-json3-dev (+ wabt)
#   zig             PyPI ziglang (python3 -m ziglang)
#   assemblyscript  npm assemblyscript, installed once into $NLINK_GUEST_CACHE/npm
#   python          PyPI py2wasm in a virtualenv under $NLINK_GUEST_CACHE/py2wasm, plus a stand-in
#                   wasi-sdk there (Debian clang-19 + wasi-libc, the ziglang wheel's musl pthread.h
#                   and dlfcn.h, a dlopen stub), since py2wasm would download wasi-sdk; Debian patchelf
#
# Only package registries are used (apt, PyPI, npm, crates.io, rustup's stable channel).
# Runs as root on Debian 12 (uses sudo for apt otherwise). Prints one summary line per language.
# Usage: scripts/setup-guests.sh [lang ...]      (default: all)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=apt.sh
source "$root/scripts/apt.sh"

ZIG_VERSION="${NLINK_ZIG_VERSION:-0.17.1}"
ASC_VERSION="${NLINK_ASC_VERSION:-0.28.20}"
PY2WASM_VERSION="${NLINK_PY2WASM_VERSION:-2.6.3}"
CLANG_MAJOR="${NLINK_CLANG_MAJOR:-19}"
cache="${NLINK_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nlink}"

langs=("$@")
((${#langs[@]} > 0)) || langs=(go rust c cpp zig assemblyscript python)
want() {
  local l
  for l in "${langs[@]}"; do [[ "$l" == "$1" ]] && return 0; done
  return 1
}

summary=()
failed=0
note() { summary+=("$(printf '%-15s %s' "$1" "$2")"); }
fail() {
  summary+=("$(printf '%-15s MISSING: %s' "$1" "$2")")
  failed=1
}
log() { echo "setup-guests: $*" >&2; }

# ---- apt (C, C++; wabt for scripts/build-templates.sh) -------------------------------------------
apt_wanted=()
if want c || want cpp; then
  apt_wanted+=(clang-"$CLANG_MAJOR" lld-"$CLANG_MAJOR" wasi-libc libclang-rt-"$CLANG_MAJOR"-dev-wasm32 wabt)
fi
if want python; then
  apt_wanted+=(clang-"$CLANG_MAJOR" lld-"$CLANG_MAJOR" wasi-libc libclang-rt-"$CLANG_MAJOR"-dev-wasm32 patchelf)
fi
if want cpp; then
  apt_wanted+=(libc++-"$CLANG_MAJOR"-dev-wasm32 libc++abi-"$CLANG_MAJOR"-dev-wasm32 nlohmann-json3-dev)
fi
mapfile -t apt_missing < <(nlink_apt_missing "${apt_wanted[@]}")
nlink_apt_install setup-guests "${apt_missing[@]}"

# ---- Go --------------------------------------------------------------------------------------------
if want go; then
  if command -v go >/dev/null 2>&1; then
    v="$(go env GOVERSION)"
    v="${v#go}"
    minor="$(echo "$v" | cut -d. -f2)"
    if [[ "${v%%.*}" -gt 1 ]] || { [[ "${v%%.*}" -eq 1 ]] && [[ "$minor" -ge 24 ]]; }; then
      note go "go $v (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared)"
    else
      fail go "go $v is too old; //go:wasmexport needs Go 1.24+"
    fi
  else
    fail go "Go 1.24+ is not on PATH; install it from your distribution or the Go project"
  fi
fi

# ---- Rust ------------------------------------------------------------------------------------------
if want rust; then
  [[ -d "$HOME/.cargo/bin" ]] && PATH="$HOME/.cargo/bin:$PATH"
  if command -v rustup >/dev/null 2>&1; then
    if ! rustup toolchain list 2>/dev/null | grep -q '^stable'; then
      log "installing the Rust stable toolchain (rustup)"
      rustup toolchain install stable --profile minimal >/dev/null
    fi
    if ! rustup target list --installed --toolchain stable 2>/dev/null | grep -qx wasm32-wasip1; then
      log "adding the wasm32-wasip1 target (rustup)"
      rustup target add wasm32-wasip1 --toolchain stable >/dev/null
    fi
    # serde_json and friends into cargo's registry cache, so template builds need no network.
    if [[ -f "$root/templates/rust/Cargo.lock" ]]; then
      cargo +stable fetch --locked --quiet --manifest-path "$root/templates/rust/Cargo.toml" \
        || log "warning: could not pre-fetch the Rust template's crates (crates.io)"
    fi
    note rust "$(rustc +stable --version) + wasm32-wasip1"
  else
    fail rust "rustup is not on PATH (the Rust route needs rustup stable with the wasm32-wasip1 target)"
  fi
fi

# ---- C / C++ -----------------------------------------------------------------------------------------
clang_bin="clang-$CLANG_MAJOR"
if want c; then
  if command -v "$clang_bin" >/dev/null 2>&1 && [[ -f /usr/include/wasm32-wasi/stdlib.h ]]; then
    note c "$("$clang_bin" --version | head -1) + wasi-libc $(dpkg-query -W -f='${Version}' wasi-libc)"
  else
    fail c "$clang_bin or wasi-libc"
  fi
fi
if want cpp; then
  if command -v "$clang_bin" >/dev/null 2>&1 && [[ -f /usr/include/nlohmann/json.hpp ]]; then
    note cpp "$("$clang_bin" --version | head -1 | sed 's/ version/++ version/') + libc++-$CLANG_MAJOR wasm32 + nlohmann-json $(dpkg-query -W -f='${Version}' nlohmann-json3-dev)"
  else
    fail cpp "$clang_bin, libc++-$CLANG_MAJOR-dev-wasm32 or nlohmann-json3-dev"
  fi
fi

# ---- Zig -----------------------------------------------------------------------------------------------
# Into the current python3's environment (python3 -m ziglang); where pip refuses that (a Debian
# system Python, PEP 668), into $cache/pip instead, where templates/zig/build.sh also looks.
# Python's stand-in wasi-sdk takes two headers from the ziglang wheel, so it needs Zig too.
if want zig || want python; then
  py="$(command -v python3 || true)"
  zig_version() {
    "$py" -m ziglang version 2>/dev/null \
      || { [[ -x "$cache/pip/ziglang/zig" ]] && "$cache/pip/ziglang/zig" version 2>/dev/null; } || true
  }
  if [[ -z "$py" ]]; then
    fail zig "python3 (the Zig route installs PyPI ziglang)"
  else
    have="$(zig_version | head -1)"
    if [[ "$have" != "$ZIG_VERSION" ]]; then
      log "installing ziglang==$ZIG_VERSION (pip)"
      pip_args=(--quiet --disable-pip-version-check --root-user-action=ignore "ziglang==$ZIG_VERSION")
      if ! "$py" -m pip install "${pip_args[@]}" >&2; then
        log "pip refused the current environment; installing into $cache/pip instead"
        "$py" -m pip install --upgrade --target "$cache/pip" "${pip_args[@]}" >&2
      fi
      have="$(zig_version | head -1)"
    fi
    if [[ "$have" == "$ZIG_VERSION" ]]; then note zig "zig $have (PyPI ziglang)"; else fail zig "ziglang==$ZIG_VERSION (pip)"; fi
  fi
fi

# ---- Python ----------------------------------------------------------------------------------------------
# py2wasm (Nuitka for WASI) only runs on CPython 3.11. Its wasi-sdk stand-in is rebuilt when its
# recipe stamp changes; everything is skipped when present.
if want python; then
  home="$cache/py2wasm"
  sdk="$home/wasi-sdk"
  recipe="nlink wasi-sdk stand-in 1: clang-$CLANG_MAJOR"
  py311="$(command -v python3.11 || true)"
  if [[ -z "$py311" ]] && command -v python3 >/dev/null 2>&1 \
    && [[ "$(python3 -c 'import sys; print(sys.version_info[:2] == (3, 11))')" == True ]]; then
    py311="$(command -v python3)"
  fi
  py2wasm_version() { "$home/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("py2wasm"))' 2>/dev/null || true; }
  zig_libc() {
    local dir
    for dir in "$("$py" -c 'import ziglang, os; print(os.path.dirname(ziglang.__file__))' 2>/dev/null)" "$cache/pip/ziglang"; do
      [[ -n "$dir" && -f "$dir/lib/libc/include/wasm-wasi-musl/pthread.h" ]] && {
        echo "$dir/lib/libc/include/wasm-wasi-musl"
        return
      }
    done
  }
  if [[ -z "$py311" ]]; then
    fail python "CPython 3.11 (py2wasm $PY2WASM_VERSION runs on 3.11 only): python3.11 is not on PATH"
  else
    if [[ "$(py2wasm_version)" != "$PY2WASM_VERSION" ]]; then
      log "installing py2wasm==$PY2WASM_VERSION into $home/venv (pip)"
      "$py311" -m venv "$home/venv"
      "$home/venv/bin/python" -m pip install --quiet --disable-pip-version-check "py2wasm==$PY2WASM_VERSION" >&2
    fi
    musl="$(zig_libc)"
    if [[ "$(cat "$sdk/recipe" 2>/dev/null)" != "$recipe" && -n "$musl" ]]; then
      log "assembling the wasi-sdk stand-in at $sdk"
      rm -rf "$sdk"
      mkdir -p "$sdk/bin" "$sdk/share/wasi-sysroot/lib" "$sdk/extra-include" "$sdk/stub"
      ln -s /usr/include/wasm32-wasi "$sdk/share/wasi-sysroot/include"
      ln -s /usr/lib/wasm32-wasi "$sdk/share/wasi-sysroot/lib/wasm32-wasi"
      # Debian's wasi-libc predates these two headers; musl's are the ones wasi-sdk ships.
      ln -s "$musl/pthread.h" "$musl/dlfcn.h" "$sdk/extra-include/"
      # CPython links -ldl; WASI has no dynamic loading, so every dlopen fails.
      cat >"$sdk/stub/dl.c" <<'C'
#include <stddef.h>
void *dlopen(const char *file, int mode) { (void)file; (void)mode; return NULL; }
void *dlsym(void *handle, const char *name) { (void)handle; (void)name; return NULL; }
char *dlerror(void) { return "dynamic loading is not supported in WASI"; }
int dlclose(void *handle) { (void)handle; return 0; }
C
      "$clang_bin" --target=wasm32-wasi --sysroot="$sdk/share/wasi-sysroot" -O2 -c "$sdk/stub/dl.c" -o "$sdk/stub/dl.o"
      cat >"$sdk/bin/clang" <<SH
#!/bin/sh
# $recipe: wasi-sdk's clang as Debian's, with the dlopen stub added to every link.
for arg in "\$@"; do
  [ "\$arg" = -c ] && exec $clang_bin --sysroot=$sdk/share/wasi-sysroot -idirafter $sdk/extra-include "\$@"
done
exec $clang_bin --sysroot=$sdk/share/wasi-sysroot -idirafter $sdk/extra-include "\$@" $sdk/stub/dl.o
SH
      chmod +x "$sdk/bin/clang"
      echo "$recipe" >"$sdk/recipe"
    fi
    have="$(py2wasm_version)"
    if [[ "$have" != "$PY2WASM_VERSION" ]]; then
      fail python "py2wasm==$PY2WASM_VERSION (pip, into $home/venv)"
    elif [[ ! -x "$sdk/bin/clang" ]]; then
      fail python "the wasi-sdk stand-in at $sdk (needs $clang_bin, wasi-libc and the ziglang wheel's musl headers)"
    elif ! command -v patchelf >/dev/null 2>&1; then
      fail python "patchelf (apt)"
    else
      note python "py2wasm $have at $home/venv, wasi-sdk stand-in ($clang_bin + wasi-libc) at $sdk"
    fi
  fi
fi

# ---- AssemblyScript ---------------------------------------------------------------------------------------
if want assemblyscript; then
  if ! command -v npm >/dev/null 2>&1; then
    fail assemblyscript "node and npm (the AssemblyScript route installs npm assemblyscript)"
  else
    prefix="$cache/npm"
    asc_pkg="$prefix/node_modules/assemblyscript/package.json"
    have=""
    [[ -f "$asc_pkg" ]] && have="$(node -p "require('$asc_pkg').version" 2>/dev/null || true)"
    if [[ "$have" != "$ASC_VERSION" ]]; then
      log "installing assemblyscript@$ASC_VERSION into $prefix (npm)"
      mkdir -p "$prefix"
      [[ -f "$prefix/package.json" ]] || echo '{"name":"nlink-guest-toolchains","private":true}' >"$prefix/package.json"
      npm install --prefix "$prefix" --no-audit --no-fund --no-update-notifier --loglevel=error "assemblyscript@$ASC_VERSION" >&2
      have="$(node -p "require('$asc_pkg').version" 2>/dev/null || true)"
    fi
    if [[ "$have" == "$ASC_VERSION" ]]; then
      note assemblyscript "asc $have at $prefix (node $(node --version))"
    else
      fail assemblyscript "assemblyscript@$ASC_VERSION (npm)"
    fi
  fi
fi

printf 'setup-guests: %s\n' "${summary[@]}"
exit "$failed"
