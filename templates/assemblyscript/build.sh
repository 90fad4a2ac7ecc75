#!/usr/bin/env bash
# Builds execution.wasm (a WASI preview1 reactor) from assembly/node.ts with AssemblyScript 0.28.
# The compiler comes from, in order: $ASC; the shared copy that nLink's scripts/setup-guests.sh
# installs ($NLINK_GUEST_CACHE/npm, default ~/.cache/nlink/npm); ./node_modules; else
# `npm install` into ./node_modules (the devDependencies of package.json). Needs Node.js and npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
missing() {
  echo "build.sh: $*" >&2
  echo "build.sh: or, from a clone of nLink, run: scripts/setup-guests.sh assemblyscript" >&2
  exit 3
}

command -v node >/dev/null 2>&1 || missing "Node.js and npm are needed for AssemblyScript: install nodejs and npm (e.g. apt-get install nodejs npm), then run this again"
want="$(node -p "require('./package.json').devDependencies.assemblyscript")"
shared="${NLINK_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nlink}/npm/node_modules"
version_of() { node -p "require('$1/assemblyscript/package.json').version" 2>/dev/null || true; }

if [[ -n "${ASC:-}" ]]; then
  asc="$ASC"
elif [[ "$(version_of "$shared")" == "$want" ]]; then
  asc="$shared/.bin/asc"
else
  if [[ "$(version_of "$PWD/node_modules")" != "$want" ]]; then
    command -v npm >/dev/null 2>&1 || missing "npm is needed to install assemblyscript@$want: install npm (or run nLink's scripts/setup-guests.sh)"
    echo "build.sh: installing assemblyscript@$want into ./node_modules (npm)" >&2
    npm install --no-audit --no-fund --no-update-notifier --no-package-lock --loglevel=error >&2
  fi
  asc="$PWD/node_modules/.bin/asc"
fi

# --exportStart _initialize  a reactor: the host runs the start function once per instance
# --use abort=...            AssemblyScript would otherwise import env.abort, which nLink refuses
# --maximumMemory 512        the sandbox's cap: 512 pages (32 MiB)
"$asc" assembly/node.ts -o execution.wasm --exportStart _initialize --maximumMemory 512 \
  --use abort=assembly/nlink/trap -O3 --shrinkLevel 1
echo "build.sh: built execution.wasm ($(wc -c <execution.wasm) bytes) with AssemblyScript $("$asc" --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)"
