#!/usr/bin/env bash
# Scale-out bench (docs/scaling.md): one node over ITEMS generated items, spread over 1, 2 and 3
# member JVMs on this machine (loopback), against a local `nlink run` with the same lanes in all.
# Never run by the tests; starts and stops its own `nlink worker` processes.
#
#   bench/cluster.sh PACKAGE_DIR PARAMS_JSON ITEMS [LANES_PER_MEMBER]
#
# For each N: N-1 `nlink worker` processes (each waited for until it prints its "nLink worker"
# line), then `nlink run --join ...` as the N-th member, timed; and `nlink run --parallelism
# N×LANES` without a cluster. Each of these is also timed over one item, to show what start-up
# (JVM, Hazelcast, joining, loading the module) costs; "net" figures take that time off.
# Every run's output is checked: one line per item, and byte for byte the same as the local run's.
#
# Environment: NLINK_BENCH_MEMBERS (default "1 2 3"), NLINK_BENCH_PORT (first member port,
# default 5901; taken ports are skipped), NLINK_BENCH_CHUNK (--chunk-size, default 256).
#
# Prints one line per run (mode=cluster|local ...), then a Markdown table. Example:
#   d=$(mktemp -d) && ./nlink scaffold --name bench_c --lang c --out "$d" && ./nlink build "$d/nlink-community.bench_c"
#   bench/cluster.sh "$d/nlink-community.bench_c" '{"text":"nLink"}' 200000 1
#   bench/cluster.sh examples/hello-go '{"text":"nLink"}' 20000 1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nlink="$root/nlink"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
(($# >= 3 && $# <= 4)) || usage
[[ -d "$1" ]] || {
  echo "cluster.sh: $1 is not a node package folder" >&2
  exit 2
}
pkg="$(cd "$1" && pwd)"
params="$2"
items="$3"
lanes="${4:-1}"
members_list="${NLINK_BENCH_MEMBERS:-1 2 3}"
base_port="${NLINK_BENCH_PORT:-5901}"
chunk="${NLINK_BENCH_CHUNK:-256}"
for v in "$items" "$lanes" "$base_port" "$chunk"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || {
    echo "cluster.sh: '$v' is not a positive integer" >&2
    exit 2
  }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/nlink-cluster-bench.XXXXXX")"
workers=() # pids of the workers of the current N
current="" # pid of the timed `nlink run`, while it runs

stop_workers() {
  local pid i
  for pid in "${workers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${workers[@]}"; do
    # A worker leaves the cluster in order on SIGTERM; one that hangs is killed after 15 s.
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  workers=()
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$current" ]]; then
    kill -TERM "$current" 2>/dev/null || true
    wait "$current" 2>/dev/null || true
  fi
  stop_workers
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%s\", ($1) }"; }
load() { awk '{ print $1 " " $2 " " $3 }' /proc/loadavg; }

# The launcher builds on first use (or after a source changed): let it do so once, now, rather
# than inside a timed run or in several workers at once.
"$nlink" --version >/dev/null

awk -v n="$items" 'BEGIN { for (k = 0; k < n; k++) printf "{\"i\":%d,\"name\":\"item %d\",\"tags\":[\"a\",\"b\"],\"nested\":{\"x\":3.5}}\n", k, k }' >"$work/items.ndjson"
head -1 "$work/items.ndjson" >"$work/one.ndjson"

# start_worker NAME JOIN PORT LOG: starts one member and waits for its line; its address into $addr.
# (Not in a subshell, so that the pid stays in $workers for stop_workers.)
start_worker() {
  local name="$1" join="$2" port="$3" log="$4" pid i
  addr=""
  : >"$log"
  "$nlink" worker --cluster-name "$name" --join "$join" --cluster-port "$port" --lanes "$lanes" \
    --failure-timeout 10s >"$log" 2>&1 &
  pid=$!
  workers+=("$pid")
  for ((i = 0; i < 3000; i++)); do # 300 s: the launcher may be waiting for a build
    addr="$(sed -n 's/^nLink worker \([^ ]*\) in a cluster.*/\1/p' "$log" | head -1)"
    [[ -n "$addr" ]] && return 0
    kill -0 "$pid" 2>/dev/null || {
      echo "cluster.sh: a worker stopped before it was up:" >&2
      cat "$log" >&2
      return 1
    }
    sleep 0.1
  done
  echo "cluster.sh: a worker did not come up within 300 s:" >&2
  cat "$log" >&2
  return 1
}

# timed OUT ERR CMD...: runs CMD with stdout to OUT, stderr to ERR; its wall time in seconds into
# $elapsed. In the background and waited for, so that a signal to this script stops it too.
timed() {
  local out="$1" err="$2" t0 rc=0
  shift 2
  t0="$(now)"
  "$@" >"$out" 2>"$err" &
  current=$!
  wait "$current" || rc=$?
  current=""
  if ((rc != 0)); then
    echo "cluster.sh: failed ($rc): $*" >&2
    cat "$err" >&2
    exit 1
  fi
  elapsed="$(calc "$(now) - $t0")"
}

check_output() { # OUT REFERENCE: one line per item and the same bytes as the reference
  local lines
  lines="$(wc -l <"$1")"
  [[ "$lines" -eq "$items" ]] || {
    echo "cluster.sh: $1 has $lines lines for $items items" >&2
    return 1
  }
  if [[ ! -f "$2" ]]; then echo "reference"; elif cmp -s "$1" "$2"; then echo "identical"; else echo "DIFFERENT"; fi
}

run_args=("$pkg" --params "$params" --progress never)
echo "# bench/cluster.sh $(basename "$pkg") '$params' $items $lanes: $(nproc) cores, $(uname -n), $(date -u +%Y-%m-%dT%H:%MZ); load average before: $(load)"
base_net=""
base_gross=""
rows=()
for n in $members_list; do
  total=$((n * lanes))

  # The baseline: one JVM, no cluster, the same lanes in all.
  timed /dev/null "$work/local1.err" "$nlink" run "${run_args[@]}" --input "$work/one.ndjson" --parallelism "$total"
  start="$elapsed"
  timed /dev/null "$work/local.err" "$nlink" run "${run_args[@]}" --input "$work/items.ndjson" --parallelism "$total" --output "$work/local.out"
  wall="$elapsed"
  same="$(check_output "$work/local.out" "$work/reference.out")"
  [[ -f "$work/reference.out" ]] || mv "$work/local.out" "$work/reference.out"
  l_gross="$(calc "$items / $wall")"
  l_net="$(calc "($wall - $start) > 0 ? $items / ($wall - $start) : 0")"
  printf 'mode=local parallelism=%d items=%d wall_s=%.2f start_s=%.2f items_per_s=%.0f net_items_per_s=%.0f output=%s\n' \
    "$total" "$items" "$wall" "$start" "$l_gross" "$l_net" "$same"

  # The cluster: n-1 workers, then this run as the n-th member.
  name="nlink-bench-$$-$n"
  join=""
  joins=()
  for ((k = 1; k < n; k++)); do
    t0="$(now)"
    start_worker "$name" "$join" "$((base_port + k - 1))" "$work/worker$n.$k.log"
    printf '#   worker %d of %d up at %s in %.1f s\n' "$k" "$((n - 1))" "$addr" "$(calc "$(now) - $t0")"
    joins+=("$addr")
    join="$(
      IFS=,
      echo "${joins[*]}"
    )"
  done
  # The one-item run and the timed run take different ports, so that the workers do not mistake
  # the second for the first, which has just left.
  cluster_args=(--join "$join" --cluster-name "$name" --lanes "$lanes" --chunk-size "$chunk")
  timed /dev/null "$work/cluster1.err" "$nlink" run "${run_args[@]}" "${cluster_args[@]}" --cluster-port "$((base_port + 50))" --input "$work/one.ndjson"
  start="$elapsed"
  timed /dev/null "$work/cluster.err" "$nlink" run "${run_args[@]}" "${cluster_args[@]}" --cluster-port "$((base_port + 60))" --input "$work/items.ndjson" --output "$work/cluster.out"
  wall="$elapsed"
  same="$(check_output "$work/cluster.out" "$work/reference.out")"
  seen="$(sed -n 's/.*over a cluster of \([0-9]*\) member.*/\1/p' "$work/cluster.err")"
  [[ "$seen" == "$n" ]] || {
    echo "cluster.sh: the run saw ${seen:-?} member(s), expected $n:" >&2
    cat "$work/cluster.err" "$work"/worker"$n".*.log >&2 2>/dev/null
    exit 1
  }
  shares="$(sed -n 's/^nlink: items per member: \(.*\); \([0-9]*\) chunk.*/\1/p' "$work/cluster.err")"
  reruns="$(sed -n 's/^nlink: items per member: .*; \([0-9]*\) chunk(s) rerun.*/\1/p' "$work/cluster.err")"
  stop_workers
  c_gross="$(calc "$items / $wall")"
  c_net="$(calc "($wall - $start) > 0 ? $items / ($wall - $start) : 0")"
  [[ -n "$base_gross" ]] || {
    base_gross="$c_gross"
    base_net="$c_net"
  }
  speedup="$(calc "$c_gross / $base_gross")"
  net_speedup="$(calc "$base_net > 0 ? $c_net / $base_net : 0")"
  printf 'mode=cluster members=%d lanes=%d items=%d wall_s=%.2f start_s=%.2f items_per_s=%.0f net_items_per_s=%.0f speedup=%.2f net_speedup=%.2f reruns=%s output=%s shares=%s\n' \
    "$n" "$total" "$items" "$wall" "$start" "$c_gross" "$c_net" "$speedup" "$net_speedup" "$reruns" "$same" "$shares"
  # What the workers logged beyond their start line (Hazelcast warnings, errors).
  for log in "$work"/worker"$n".*.log; do
    [[ -f "$log" ]] || continue
    grep -E 'WARN|ERROR|Exception' "$log" | head -5 | sed "s|^|#   $(basename "$log"): |" || true
  done
  rows+=("$(printf '| %d | %d | %.0f | %.0f | %.2f× | %.2f× | %.0f | %.0f | %s |' \
    "$n" "$total" "$c_gross" "$c_net" "$speedup" "$net_speedup" "$l_gross" "$l_net" "${shares:-?}")")
done
echo "# load average after: $(load)"
echo
echo "| Members | Lanes in all | Cluster items/s | net of start-up | Speedup vs 1 member | net | Local items/s (same lanes) | net | Items per member |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
