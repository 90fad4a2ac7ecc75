#!/usr/bin/env bash
# execution.js under nLink (GraalJS) and under Node's V8, alternating, same items, one lane:
#   bench/js-vs-v8.sh [ITEMS] [WARMUP] [ROUNDS]      (defaults 20000 20000 3)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
items="${1:-20000}" warmup="${2:-20000}" rounds="${3:-3}"
node_dir="$root/bench/nodes/hello-js"
params='{"text":"nLink"}'
for ((r = 1; r <= rounds; r++)); do
  "$root/bench/nlink-throughput.sh" "$node_dir" "$params" "$items" 1 "$warmup" js
  node "$root/bench/js/node-throughput.js" "$node_dir" "$params" "$items" "$warmup"
done
