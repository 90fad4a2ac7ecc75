#!/usr/bin/env bash
# nLink's side of bench/compare.sh: items/s of one node after a warm-up.
#   bench/nlink-throughput.sh PACKAGE_DIR PARAMS_JSON ITEMS LANES WARMUP [js|native:hello|native:sha256]
# Prints: nlink items=N lanes=L items_per_s=X us_per_item=Y instance_us=Z ready_us=R
set -euo pipefail
# GraalJS's optimising runtime only for execution.js.
if [[ "${6:-}" == js ]]; then export NLINK_TRUFFLE_JIT="${NLINK_TRUFFLE_JIT:-auto}"; fi
exec "$(dirname "${BASH_SOURCE[0]}")/bench-java.sh" io.nlink.bench.Throughput "$@"
