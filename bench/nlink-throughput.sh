#!/usr/bin/env bash
# nLink's side of bench/compare.sh: items/s of one node after a warm-up.
#   bench/nlink-throughput.sh PACKAGE_DIR PARAMS_JSON ITEMS LANES WARMUP [js|native:hello|native:sha256]
# Prints: nlink items=N lanes=L items_per_s=X us_per_item=Y instance_us=Z ready_us=R
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/java-env.sh
source "$root/scripts/java-env.sh"
nlink_pick_java
jar="$root/bench/target/nlink-bench-0.1.0-SNAPSHOT.jar"
if [[ ! -f "$jar" ]]; then
  (cd "$root" && mvn -B -q -DskipTests -pl bench -am package >&2)
fi
# GraalJS's optimising runtime only for execution.js; wasm runs keep the JDK's defaults (CDS on).
[[ "${6:-}" == js ]] || NLINK_TRUFFLE_JIT="${NLINK_TRUFFLE_JIT:-off}"
nlink_jvm_flags
exec "$JAVA_HOME/bin/java" "${NLINK_JVM_FLAGS[@]}" -Xmx1g \
  -cp "$jar:$root/bench/target/lib/*" io.nlink.bench.Throughput "$@"
