#!/usr/bin/env bash
# Runs one of the bench module's Java programs with nLink's JVM flags, building the module first
# when its jar is missing:   bench/bench-java.sh CLASS [ARGS...]
# NLINK_TRUFFLE_JIT=auto keeps GraalJS's optimising runtime (execution.js runs want it; it is off
# otherwise, so wasm runs keep the JDK's defaults, CDS on).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/java-env.sh
source "$root/scripts/java-env.sh"
nlink_pick_java
jar="$root/bench/target/nlink-bench.jar"
if [[ ! -f "$jar" ]]; then
  (cd "$root" && mvn -B -q -DskipTests -pl bench -am package >&2)
fi
class="$1"
shift
NLINK_TRUFFLE_JIT="${NLINK_TRUFFLE_JIT:-off}"
nlink_jvm_flags
exec "$JAVA_HOME/bin/java" "${NLINK_JVM_FLAGS[@]}" -Xmx1g -cp "$jar:$root/bench/target/lib/*" "$class" "$@"
