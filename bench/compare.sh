#!/usr/bin/env bash
# Side-by-side throughput of nLink (Chicory on the JVM) and wazero (Go) on the same node packages.
#   bench/compare.sh [--items N] [--lanes L] [--warmup W] [--node hello-go|sha256-c]
# For each node it runs, three times in alternation: the wazero harness in close mode (the
# like-for-like configuration), in noclose mode, and nLink (bench/nlink-throughput.sh), then prints
# a Markdown table of the medians. The raw lines go to stderr as they come.
# Needs Go >= 1.25 (the harness; wazero comes from the Go module proxy, pinned in go.sum), clang for
# wasm32-wasi (bench/nodes/sha256-c) and what nLink's side needs (JDK >= 21, Maven).
# NLINK_THROUGHPUT=PATH replaces bench/nlink-throughput.sh (same arguments, same output line).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

items=20000 lanes=1 warmup=20000 reps=3 only=""
usage() {
  sed -n '2,3p' "$0" | sed 's/^# //' >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --items)
      items="${2:?}"
      shift 2
      ;;
    --lanes)
      lanes="${2:?}"
      shift 2
      ;;
    --warmup)
      warmup="${2:?}"
      shift 2
      ;;
    --node)
      only="${2:?}"
      shift 2
      ;;
    -h | --help) usage ;;
    *)
      echo "compare.sh: unknown option $1" >&2
      usage
      ;;
  esac
done
for v in "$items" "$lanes" "$warmup"; do
  [[ "$v" =~ ^[0-9]+$ ]] || {
    echo "compare.sh: not a whole number: $v" >&2
    exit 2
  }
done
((items >= 1 && lanes >= 1)) || {
  echo "compare.sh: --items and --lanes must be at least 1" >&2
  exit 2
}

# The nodes: name, package folder, params.
names=(hello-go sha256-c)
dirs=("$root/examples/hello-go" "$here/nodes/sha256-c")
params=('{"text":"nLink"}' '{"text":"nLink","rounds":1000}')
if [[ -n "$only" ]]; then # one node only: keep its entry in all three lists
  for i in "${!names[@]}"; do
    if [[ "${names[$i]}" == "$only" ]]; then
      names=("${names[$i]}") dirs=("${dirs[$i]}") params=("${params[$i]}")
      only=""
      break
    fi
  done
  [[ -z "$only" ]] || {
    echo "compare.sh: no node named $only (hello-go, sha256-c)" >&2
    exit 2
  }
fi

# Build once per run: the harness, the C node, and the Go example if its module is missing.
harness="$here/wazero/target/wazero-bench"
mkdir -p "$here/wazero/target"
echo "compare.sh: building the wazero harness" >&2
(cd "$here/wazero" && go build -o "$harness" .)
"$here/nodes/sha256-c/build.sh" >&2
[[ -f "$root/examples/hello-go/execution.wasm" ]] || "$root/examples/build.sh" >&2
nlink_side="${NLINK_THROUGHPUT:-$here/nlink-throughput.sh}" # override to test with a stub
[[ -x "$nlink_side" ]] || {
  echo "compare.sh: $nlink_side is missing" >&2
  exit 1
}

engines=(wazero-close wazero-noclose nlink)
results="$(mktemp)"
trap 'rm -f "$results"' EXIT

run_engine() { # engine dir params
  case "$1" in
    wazero-close) "$harness" -wasm "$2/execution.wasm" -params "$3" -items "$items" -lanes "$lanes" -mode close -warmup "$warmup" ;;
    wazero-noclose) "$harness" -wasm "$2/execution.wasm" -params "$3" -items "$items" -lanes "$lanes" -mode noclose -warmup "$warmup" ;;
    nlink) "$nlink_side" "$2" "$3" "$items" "$lanes" "$warmup" ;;
  esac
}

for i in "${!names[@]}"; do
  for ((rep = 1; rep <= reps; rep++)); do
    for engine in "${engines[@]}"; do
      if ! out="$(run_engine "$engine" "${dirs[$i]}" "${params[$i]}")"; then
        echo "compare.sh: $engine failed on ${names[$i]}" >&2
        exit 1
      fi
      line="$(grep -E '^(wazero-(no)?close|nlink) items=' <<<"$out" | tail -1 || true)"
      if [[ -z "$line" ]] || ! grep -qE 'items_per_s=[0-9.]+ us_per_item=[0-9.]+ instance_us=[0-9.]+' <<<"$line"; then
        echo "compare.sh: $engine on ${names[$i]} printed no result line; it printed: $out" >&2
        exit 1
      fi
      echo "${names[$i]} run $rep/$reps: $line" >&2
      # node engine items_per_s us_per_item instance_us ready_us (nLink's spare instance; wazero has none: -1)
      awk -v node="${names[$i]}" -v engine="$engine" '{
        v["ready_us"] = -1
        for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
        print node, engine, v["items_per_s"], v["us_per_item"], v["instance_us"], v["ready_us"]
      }' <<<"$line" >>"$results"
    done
  done
done

# Medians per node and engine (each metric on its own), then the table.
echo
echo "items=$items lanes=$lanes warmup=$warmup (per lane), median of $reps alternating runs; ratios are nLink items/s ÷ wazero items/s (above 1: nLink is faster)"
echo
echo "instance µs: starting one instance (instantiate, _initialize or its snapshot); ready µs: what a batch waits when the node's spare instance is ready"
echo
echo "| node | engine | items/s | µs/item | instance µs | ready µs | nLink/wazero-close | nLink/wazero-noclose |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for name in "${names[@]}"; do
  awk -v node="$name" -v order="${engines[*]}" '
    function median(s,   a, n, t, i, j) {
      n = split(s, a, " ")
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $1 == node { ips[$2] = ips[$2] " " $3; us[$2] = us[$2] " " $4; inst[$2] = inst[$2] " " $5; ready[$2] = ready[$2] " " $6 }
    END {
      n = split(order, e, " ")
      for (i = 1; i <= n; i++) m[e[i]] = median(ips[e[i]])
      for (i = 1; i <= n; i++) {
        r1 = r2 = ""
        if (e[i] == "nlink") {
          r1 = sprintf("%.2f", m["nlink"] / m["wazero-close"]); r2 = sprintf("%.2f", m["nlink"] / m["wazero-noclose"])
        }
        r = median(ready[e[i]]); r = r < 0 ? "—" : sprintf("%.1f", r)
        printf "| %s | %s | %.0f | %.2f | %.0f | %s | %s | %s |\n", node, e[i], m[e[i]], median(us[e[i]]), median(inst[e[i]]), r, r1, r2
      }
    }' "$results"
done
