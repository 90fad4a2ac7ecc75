#!/usr/bin/env bash
# What a short batch costs end to end, as a workflow execution pays it (io.nlink.bench.BatchCost):
#   bench/batch-cost.sh PACKAGE_DIR PARAMS_JSON BATCHES ITEMS_PER_BATCH THREADS WARMUP_BATCHES
# Prints: nlink-batches batches=N items_per_batch=K threads=T us_per_batch=X cpu_us_per_batch=Y reused=R spare=S snapshot=P
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/java-env.sh
source "$root/scripts/java-env.sh"
nlink_pick_java
jar="$root/bench/target/nlink-bench-0.1.0-SNAPSHOT.jar"
if [[ ! -f "$jar" ]]; then
  (cd "$root" && mvn -B -q -DskipTests -pl bench -am package >&2)
fi
NLINK_TRUFFLE_JIT="${NLINK_TRUFFLE_JIT:-off}"
nlink_jvm_flags
exec "$JAVA_HOME/bin/java" "${NLINK_JVM_FLAGS[@]}" -Xmx1g \
  -cp "$jar:$root/bench/target/lib/*" io.nlink.bench.BatchCost "$@"
