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
CLANG_MAJOR="${NLINK_CLANG_MAJOR:-19}"
cache="${NLINK_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nlink}"

langs=("$@")
(( ${#langs[@]} > 0 )) || langs=(go rust c cpp zig assemblyscript)
want() { local l; for l in "${langs[@]}"; do [[ "$l" == "$1" ]] && return 0; done; return 1; }

summary=()
failed=0
note() { summary+=("$(printf '%-15s %s' "$1" "$2")"); }
fail() { summary+=("$(printf '%-15s MISSING: %s' "$1" "$2")"); failed=1; }
log() { echo "setup-guests: $*" >&2; }

# ---- apt (C, C++; wabt for scripts/build-templates.sh) -------------------------------------------
apt_wanted=()
if want c || want cpp; then
  apt_wanted+=(clang-"$CLANG_MAJOR" lld-"$CLANG_MAJOR" wasi-libc libclang-rt-"$CLANG_MAJOR"-dev-wasm32 wabt)
fi
if want cpp; then
  apt_wanted+=(libc++-"$CLANG_MAJOR"-dev-wasm32 libc++abi-"$CLANG_MAJOR"-dev-wasm32 nlohmann-json3-dev)
fi
mapfile -t apt_missing < <(nlink_apt_missing "${apt_wanted[@]}")
nlink_apt_install setup-guests "${apt_missing[@]}"

# ---- Go --------------------------------------------------------------------------------------------
if want go; then
  if command -v go >/dev/null 2>&1; then
    v="$(go env GOVERSION)"; v="${v#go}"; minor="$(echo "$v" | cut -d. -f2)"
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
if want zig; then
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
