#!/usr/bin/env bash
# Load on one server over loopback (issue 9): CLIENTS concurrent callers, each alternating a store
# test run of the seed's Go node and a run of examples/workflows/greetings.json, for SECONDS.
# Prints calls/s, p50/p99 latency, errors (must be 0), heap and threads; docs/reliability.md
# keeps figures. Usage: scripts/load.sh [SECONDS=120] [CLIENTS=8]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=java-env.sh
source "$root/scripts/java-env.sh"
nlink_pick_java
cd "$root"
mvn -B -q -ntp -pl examples,nlink-runtime,nlink-devkit,nlink-workflow,nlink-server -am verify \
  -Dtest=LoadTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dnlink.load.seconds="${1:-120}" -Dnlink.load.clients="${2:-8}" -DredirectTestOutputToFile=false 2>&1 | grep '^load:'
