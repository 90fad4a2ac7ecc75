#!/usr/bin/env bash
# Installs what nLink's build and tests need, idempotently: quick (no network) when all is there.
#   - a JDK >= 21 (picked by scripts/java-env.sh; Temurin on our machines)
#   - Maven, Go >= 1.24 (guest nodes), wabt's wat2wasm (hand-written test modules)
#   - Info-ZIP unzip (the tests extract nLink's ZIPs as an author would, checking file modes)
#   - shellcheck and shfmt (scripts/check-scripts.sh: the scripts' lint and layout)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=java-env.sh
source "$root/scripts/java-env.sh"
# shellcheck source=apt.sh
source "$root/scripts/apt.sh"

apt_packages=()
command -v mvn >/dev/null 2>&1 || apt_packages+=(maven)
command -v wat2wasm >/dev/null 2>&1 || apt_packages+=(wabt)
command -v unzip >/dev/null 2>&1 || apt_packages+=(unzip)
command -v shellcheck >/dev/null 2>&1 || apt_packages+=(shellcheck)
command -v shfmt >/dev/null 2>&1 || apt_packages+=(shfmt)
if ! nlink_pick_java 2>/dev/null; then
  # Debian 12 ships no JDK 21; newer Debian releases do.
  if apt-cache show openjdk-21-jdk-headless >/dev/null 2>&1; then apt_packages+=(openjdk-21-jdk-headless); fi
fi

nlink_apt_install setup "${apt_packages[@]}"

nlink_pick_java

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go 1.24+ is needed to build the Go example nodes and is not on PATH." >&2
  echo "setup: install it from your distribution or the Go project, then re-run." >&2
  exit 1
fi
go_version="$(go env GOVERSION)"
go_version="${go_version#go}"
go_minor="$(echo "$go_version" | cut -d. -f2)"
if [[ "${go_version%%.*}" -lt 1 ]] || { [[ "${go_version%%.*}" -eq 1 ]] && [[ "$go_minor" -lt 24 ]]; }; then
  echo "setup: Go $go_version is too old; //go:wasmexport needs Go 1.24+." >&2
  exit 1
fi
echo "setup: ok (java $(nlink_java_major "$JAVA_HOME/bin/java") at $JAVA_HOME, $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'), go $go_version, $(wat2wasm --version))"
