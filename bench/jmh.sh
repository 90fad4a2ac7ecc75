#!/usr/bin/env bash
# JMH benchmarks of the per-item path and instance creation. Extra arguments go to JMH, e.g.
#   bench/jmh.sh -p node=bench/nodes/sha256-c -p params='{"rounds":1000}'
#   bench/jmh.sh -wi 1 -i 1 -f 1 -r 1 -w 1          (a smoke run)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/java-env.sh
source "$root/scripts/java-env.sh"
nlink_pick_java
(cd "$root" && mvn -B -q -DskipTests -pl bench -am package >&2)
exec "$JAVA_HOME/bin/java" -Dnlink.root="$root" -cp "$root/bench/target/nlink-bench.jar:$root/bench/target/lib/*" \
  org.openjdk.jmh.Main "$@"
