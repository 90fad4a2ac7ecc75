#!/usr/bin/env bash
# Real, coverage-guided fuzzing of the runtime's fuzz targets with Jazzer (issue 9).
#
#   scripts/fuzz.sh                      every target, 10 minutes each
#   scripts/fuzz.sh all 30s              every target, 30 s each (what CI runs)
#   scripts/fuzz.sh decode 1h            one target for an hour
#   scripts/fuzz.sh ItemCodecFuzzTest#resultRoundTrip 2m
#   scripts/fuzz.sh --list               the targets
#
# `mvn verify` only replays each target's committed seeds (regression mode). Here JAZZER_FUZZ=1
# makes Jazzer generate inputs; it fuzzes one target per JVM, so each target is its own Maven run.
# A finding fails that target: Jazzer writes the input as crash-<sha1> into the target's seed
# folder under nlink-runtime/src/test/resources/io/nlink/runtime/fuzz/, where `mvn verify` then
# replays it as a regression test (fix the bug, keep the file). The corpus Jazzer grows is kept
# between runs in nlink-runtime/target/fuzz-corpus (not committed). The test JVM gets -Xmx1g, so
# an input that needs unbounded memory is a finding too. Coverage is collected from nLink's classes
# and Jackson's parser (jazzer.instrument). Logs: nlink-runtime/target/fuzz/*.log.
# Exit status: 0 when no target found anything, 1 otherwise, 2 on bad usage.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

declare -A TARGETS=(
  [decode]="ItemCodecFuzzTest#decodeResultOfAnyBytes"
  [roundtrip]="ItemCodecFuzzTest#resultRoundTrip"
  [context]="ItemCodecFuzzTest#contextOfParsedItems"
  [zip]="PackageLoaderFuzzTest#zipOfAnyBytes"
  ["mutated-zip"]="PackageLoaderFuzzTest#mutatedValidZip"
  [manifest]="PackageLoaderFuzzTest#manifestDefinitionAndParams"
)
ORDER=(decode roundtrip context zip mutated-zip manifest)
# A name in ORDER without a target would fuzz nothing and look like a pass; refuse it here.
# (A hyphenated key must stay quoted: shfmt reads [mutated-zip] as arithmetic and spaces it out.)
for name in "${ORDER[@]}"; do
  if [[ -z "${TARGETS[$name]:-}" ]]; then
    echo "fuzz.sh: ORDER names '$name', which TARGETS does not define" >&2
    exit 2
  fi
done

target="${1:-all}"
duration="${2:-10m}"
if [[ "$target" == "--list" || "$target" == "-h" || "$target" == "--help" ]]; then
  for name in "${ORDER[@]}"; do printf '%-12s %s\n' "$name" "${TARGETS[$name]}"; done
  exit 0
fi
if [[ ! "$duration" =~ ^[0-9]+[smhd]?$ ]]; then
  echo "fuzz.sh: duration must look like 30s, 10m or 1h, got '$duration'" >&2
  exit 2
fi

selected=()
if [[ "$target" == "all" ]]; then
  selected=("${ORDER[@]}")
elif [[ -n "${TARGETS[$target]:-}" ]]; then
  selected=("$target")
elif [[ "$target" == *"#"* ]]; then
  selected=("$target")
else
  echo "fuzz.sh: unknown target '$target'; try --list" >&2
  exit 2
fi

# shellcheck source=java-env.sh
source "$root/scripts/java-env.sh"
nlink_pick_java
jvm_flags="-Xmx1g -XX:+EnableDynamicAgentLoading --enable-native-access=ALL-UNNAMED"
if (($(nlink_java_major "$JAVA_HOME/bin/java") >= 24)); then
  jvm_flags+=" --sun-misc-unsafe-memory-access=allow"
fi

module="$root/nlink-runtime"
mkdir -p "$module/target/fuzz"
status=0
summary=()
for name in "${selected[@]}"; do
  test="${TARGETS[$name]:-$name}"
  log="$module/target/fuzz/${test//#/.}.log"
  # Jazzer keeps its corpus in <module>/.cifuzz-corpus; park it under target/ between runs.
  if [[ -d "$module/target/fuzz-corpus" && ! -e "$module/.cifuzz-corpus" ]]; then
    mv "$module/target/fuzz-corpus" "$module/.cifuzz-corpus"
  fi
  echo "fuzz.sh: fuzzing $test for $duration (log: ${log#"$root"/})"
  set +e
  (cd "$root" && JAZZER_FUZZ=1 JAZZER_MAX_DURATION="$duration" \
    mvn -B -ntp -pl nlink-runtime test -Dtest="io.nlink.runtime.fuzz.$test" \
    -Dsurefire.failIfNoSpecifiedTests=false -Dnlink.test.jvm.flags="$jvm_flags" \
    -Djazzer.instrument='io.nlink.**,com.fasterxml.jackson.core.**' >"$log" 2>&1)
  rc=$?
  set -e
  if [[ -d "$module/.cifuzz-corpus" ]]; then
    rm -rf "$module/target/fuzz-corpus"
    mv "$module/.cifuzz-corpus" "$module/target/fuzz-corpus"
  fi
  # No count in the log (Maven or the JVM failed before Jazzer ran) must not end the script here.
  runs="$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | awk '{print $2 " runs in " $5 " s"}' || true)"
  if ((rc == 0)) && [[ -z "$runs" ]]; then
    status=1
    summary+=("$test: FAILED, Jazzer reported no runs (a target that matched no test?); see ${log#"$root"/}")
  elif ((rc == 0)); then
    summary+=("$test: $runs, no finding")
  else
    status=1
    crash="$(grep -Eo 'Test unit written to [^ ]+' "$log" | tail -1 | sed 's/Test unit written to //' || true)"
    summary+=("$test: ${runs:-?}, FAILED${crash:+ (input: ${crash#"$root"/})}; see ${log#"$root"/}")
  fi
done
printf 'fuzz.sh: %s\n' "${summary[@]}"
exit "$status"
