#!/usr/bin/env bash
# Cold runs, whole process: `./nlink run` of a node over N items in a new JVM each time, beside the
# wazero harness (with and without its time bound) on the same items, each timed as a process.
#   bench/cold.sh [--items N] [--runs R] [--lanes L] [--node DIR] [--params JSON] [-- EXTRA...]
# Prints a Markdown table: wall, CPU (user + sys, all threads) and max RSS per run, and the load
# average before each run. EXTRA goes to `nlink run` after the standard arguments. NLINK_JAVA_OPTS
# (see the launcher) reaches nLink's JVM, to try a setting.
# "Cold" is a new process with the on-disk caches a user has after the first run (the compiled
# module and, on JDK 25, the JVM's ahead-of-time cache): one untimed one-item run fills them first.
# Needs /usr/bin/time (Debian: time), Go >= 1.25 for the harness, and what ./nlink needs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

items=40000 runs=3 lanes="$(nproc)" node="$root/examples/hello-go" params='{"text":"nLink"}' extra=()
usage() {
  sed -n '4,5p' "$0" | sed 's/^# //' >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --items)
      items="${2:?}"
      shift 2
      ;;
    --runs)
      runs="${2:?}"
      shift 2
      ;;
    --lanes)
      lanes="${2:?}"
      shift 2
      ;;
    --node)
      node="$(cd "${2:?}" && pwd)"
      shift 2
      ;;
    --params)
      params="${2:?}"
      shift 2
      ;;
    --)
      shift
      extra=("$@")
      break
      ;;
    -h | --help) usage ;;
    *)
      echo "cold.sh: unknown option $1" >&2
      usage
      ;;
  esac
done
for v in "$items" "$runs" "$lanes"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || {
    echo "cold.sh: --items, --runs and --lanes take a whole number from 1: $v" >&2
    exit 2
  }
done
[[ -x /usr/bin/time ]] || {
  echo "cold.sh: /usr/bin/time is needed (Debian: apt-get install time)" >&2
  exit 1
}

# Build what is missing: nLink (the launcher builds when stale), the example modules, the harness.
"$root/nlink" --version >/dev/null
[[ -f "$node/execution.wasm" ]] || "$root/examples/build.sh" >&2
harness="$here/wazero/target/wazero-bench"
mkdir -p "$here/wazero/target"
(cd "$here/wazero" && go build -o "$harness" .)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The harness's generated items, as NDJSON, so both sides read the same file.
awk -v n="$items" 'BEGIN { for (k = 0; k < n; k++) printf "{\"i\":%d,\"name\":\"item %d\",\"tags\":[\"a\",\"b\"],\"nested\":{\"x\":3.5}}\n", k, k }' >"$work/items.ndjson"
echo '{}' >"$work/one.ndjson"

nlink_run=("$root/nlink" run "$node" --params "$params" --parallelism "$lanes" --progress never --output "$work/out.ndjson" "${extra[@]}")
echo "cold.sh: filling the on-disk caches (one untimed one-item run)" >&2
"${nlink_run[@]}" --input "$work/one.ndjson" 2>"$work/err" || {
  cat "$work/err" >&2
  exit 1
}

rows="$work/rows"
: >"$rows"
measure() { # label command...: one process under /usr/bin/time, one table row
  local label="$1" load
  shift
  load="$(cut -d' ' -f1 /proc/loadavg)"
  if ! /usr/bin/time -o "$work/time" -f '%e %U %S %M' "$@" >"$work/stdout" 2>"$work/stderr"; then
    echo "cold.sh: $label failed:" >&2
    tail -5 "$work/stderr" >&2
    exit 1
  fi
  read -r wall user sys rss <"$work/time"
  local cpu
  cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')"
  echo "$label wall=${wall}s cpu=${cpu}s rss=$((rss / 1024))MB load=$load" >&2
  printf '| %s | %s | %s | %s | %d | %s |\n' "$label" "$run" "$wall" "$cpu" $((rss / 1024)) "$load" >>"$rows"
}

for ((run = 1; run <= runs; run++)); do
  measure nlink "${nlink_run[@]}" --input "$work/items.ndjson"
  got="$(wc -l <"$work/out.ndjson")"
  ((got == items)) || {
    echo "cold.sh: nlink wrote $got output lines for $items items" >&2
    exit 1
  }
  grep -h '^nlink: .* item(s) in' "$work/stderr" | sed 's/^/  /' >&2 || true
  for mode in close noclose; do
    measure "wazero-$mode" "$harness" -wasm "$node/execution.wasm" -params "$params" -input "$work/items.ndjson" \
      -items "$items" -lanes "$lanes" -warmup 0 -mode "$mode"
  done
done

echo
echo "$items items, $lanes lane(s), $runs run(s) each, in alternation; $(nproc) cores; CPU = user + sys of the whole process"
echo
echo "| engine | run | wall s | CPU s | max RSS MB | load before |"
echo "|---|---:|---:|---:|---:|---:|"
cat "$rows"
echo
echo "Medians:"
echo
echo "| engine | wall s | CPU s | max RSS MB |"
echo "|---|---:|---:|---:|"
for engine in nlink wazero-close wazero-noclose; do
  awk -F' *\\| *' -v e="$engine" '
    function median(s,   a, n, t, i, j) {
      n = split(s, a, " ")
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $2 == e { w = w " " $4; c = c " " $5; r = r " " $6 }
    END { printf "| %s | %.1f | %.1f | %.0f |\n", e, median(w), median(c), median(r) }' "$rows"
done
