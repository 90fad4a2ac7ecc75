#!/usr/bin/env bash
# The test command: set-up, then build every guest from source, run every test, then fuzz briefly.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
# The shell scripts pass shellcheck and are in shfmt's layout (the Java sources' layout is checked by
# Spotless in `mvn verify` below).
"$root/scripts/check-scripts.sh"
# The languages' own toolchains: the devkit's tests scaffold and build a node in each.
"$root/scripts/setup-guests.sh"
# Debian's headless Chromium and its driver for the dashboard's browser tests.
"$root/scripts/setup-browser.sh"
# A real PostgreSQL on loopback for the server's persistence tests (H2 needs nothing); stopped at exit.
NLINK_TEST_POSTGRES_URL="$("$root/scripts/postgres.sh" start)"
export NLINK_TEST_POSTGRES_URL
trap '"$root/scripts/postgres.sh" stop' EXIT
# shellcheck source=java-env.sh
source "$root/scripts/java-env.sh"
nlink_pick_java
cd "$root"
# clean: classes left by the launcher's build (compiled without Error Prone) would count as up to
# date and skip Error Prone's checks here.
mvn -B -ntp clean verify "$@"
# A short real fuzz run of every Jazzer target (docs/reliability.md); NLINK_FUZZ_SECONDS=0 skips it,
# scripts/fuzz.sh runs longer ones.
fuzz_seconds="${NLINK_FUZZ_SECONDS:-20}"
if [[ "$fuzz_seconds" != 0 ]]; then
  "$root/scripts/fuzz.sh" all "${fuzz_seconds}s"
fi
