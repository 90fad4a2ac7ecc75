#!/usr/bin/env bash
# A long load on one `nlink serve` with its embedded H2 database (issue 23): wrk posts to a
# webhook workflow for MINUTES, and every --sample seconds the server's heap after a full
# collection (jcmd GC.run, then GC.heap_info) is printed with the executions so far and the H2
# file's size. Fails (exit 1) when the heap after GC grew by more than --bound MiB between the end
# of the warm-up and the end, when a request failed, or when H2 reported a store error. docs/reliability.md keeps the figures. Not run by CI.
#   scripts/soak-h2.sh [MINUTES=10] [--warmup 2] [--sample 30] [--bound 16] [--connections 8]
#                      [--threads 2] [--workflow set|seven] [--via webhook|api] [--body-kib 32] [--histograms DIR] [--keep]
# --body-kib pads each request's JSON body to about that size: the execution record keeps the
# Webhook node's output, so this sets the size of what every execution writes to H2.
# --via api runs the workflow by POST /api/workflows/ID/run with an API key instead of its webhook
# (what scripts/load.sh does: every call also checks and stamps the key). --warmup is in minutes (the retained executions fill up, the JIT settles). Each sample is a
# class histogram of the live objects (jcmd GC.class_histogram), kept in DIR with --histograms;
# the classes grown most after the warm-up are printed at the end. --keep leaves the data directory and the server's log. JAVA_TOOL_OPTIONS and NLINK_JAVA_OPTS
# reach the server (the launcher's JVM defaults otherwise).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

minutes=10 warmup=2 sample=30 bound=16 connections=8 threads=2 workflow=set via=webhook body_kib=32 histograms="" keep=false
usage() {
  sed -n '7,8p' "$0" | sed 's/^# //' >&2
  exit 2
}
if (($#)) && [[ "$1" =~ ^[0-9]+$ ]]; then
  minutes="$1"
  shift
fi
while (($#)); do
  case "$1" in
    --warmup)
      warmup="${2:?}"
      shift 2
      ;;
    --sample)
      sample="${2:?}"
      shift 2
      ;;
    --bound)
      bound="${2:?}"
      shift 2
      ;;
    --connections)
      connections="${2:?}"
      shift 2
      ;;
    --threads)
      threads="${2:?}"
      shift 2
      ;;
    --workflow)
      workflow="${2:?}"
      shift 2
      ;;
    --via)
      via="${2:?}"
      shift 2
      ;;
    --body-kib)
      body_kib="${2:?}"
      shift 2
      ;;
    --histograms)
      histograms="${2:?}"
      shift 2
      ;;
    --keep)
      keep=true
      shift
      ;;
    -h | --help) usage ;;
    *)
      echo "soak-h2.sh: unknown option $1" >&2
      usage
      ;;
  esac
done
for v in "$minutes" "$warmup" "$sample" "$bound" "$connections" "$threads" "$body_kib"; do
  [[ "$v" =~ ^[0-9]+$ ]] || {
    echo "soak-h2.sh: not a whole number: $v" >&2
    exit 2
  }
done
((minutes > warmup && sample >= 5 && connections >= 1 && threads >= 1 && threads <= connections && body_kib <= 100)) \
  || {
    echo "soak-h2.sh: MINUTES must exceed --warmup, --sample be at least 5 s, --threads from 1 to --connections, --body-kib at most 100" >&2
    exit 2
  }
case "$workflow" in set | seven) ;; *)
  echo "soak-h2.sh: --workflow is set or seven, not $workflow" >&2
  exit 2
  ;;
esac
case "$via" in webhook | api) ;; *)
  echo "soak-h2.sh: --via is webhook or api, not $via" >&2
  exit 2
  ;;
esac

# shellcheck source=apt.sh
source "$root/scripts/apt.sh"
# shellcheck disable=SC2046
nlink_apt_install soak-h2.sh $(nlink_apt_missing wrk curl jq)
# shellcheck source=java-env.sh
source "$root/scripts/java-env.sh"
nlink_pick_java
"$root/nlink" --version >/dev/null # builds when sources changed

work="$(mktemp -d /tmp/nlink-soak-h2.XXXXXX)"
server_pid="" wrk_pid=""
cleanup() {
  if [[ -n "$wrk_pid" ]]; then kill "$wrk_pid" 2>/dev/null || true; fi
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ "$keep" == true ]]; then echo "soak-h2.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
log="$work/server.log"
"$root/nlink" serve --port "$port" --data-dir "$work/data" >"$log" 2>&1 &
server_pid=$!
for ((i = 0; i < 240; i++)); do
  grep -q 'serving http' "$log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || {
    cat "$log" >&2
    echo "soak-h2.sh: the server did not start" >&2
    exit 1
  }
  sleep 0.5
done
grep -q 'serving http' "$log" || {
  cat "$log" >&2
  echo "soak-h2.sh: the server did not start in 120 s" >&2
  exit 1
}
# The launcher execs java, so the server's pid is the JVM's (jcmd needs that).
jcmd "$server_pid" VM.version >/dev/null || {
  echo "soak-h2.sh: jcmd cannot reach the server (pid $server_pid)" >&2
  exit 1
}

token="$(sed -n 's/.*token=\([^ ]*\).*/\1/p' "$log" | head -1)"
session="$(curl -sS -c "$work/cookies" -H 'Content-Type: application/json' \
  --data-binary "{\"token\":\"$token\",\"username\":\"soak\",\"password\":\"soak-password-$RANDOM-$RANDOM\"}" "$base/api/setup")"
csrf="$(jq -r .csrfToken <<<"$session")"
key="$(curl -sS -b "$work/cookies" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
  --data-binary '{"name":"soak"}' "$base/api/api-keys" | jq -r .key)"
[[ "$key" == nlk_* ]] || {
  echo "soak-h2.sh: could not create an API key" >&2
  exit 1
}
api() { # method path [json] → body; fails on an HTTP error
  curl -sS -f -X "$1" "$base$2" -H "Authorization: Bearer $key" ${3:+-H 'Content-Type: application/json' --data-binary "$3"}
}

# The workflow: a Webhook node answering with its last node's output; "set" adds one Set node
# with two expressions, "seven" six nodes (Set, Filter, If, Set, Sort, No-op).
node() { # name type parameters-json x
  jq -n --arg name "$1" --arg type "$2" --argjson p "$3" --argjson x "$4" \
    '{name:$name, type:$type, typeVersion:1, position:[$x,0], parameters:$p}'
}
# shellcheck disable=SC2016 # n8n expressions, not shell ones
greeting_set='{"mode":"manual","includeOtherFields":false,"assignments":{"assignments":[
  {"id":"a","name":"greeting","value":"={{ \"Hello, \" + $json.body.name + \"!\" }}","type":"string"},
  {"id":"b","name":"n","value":"={{ $json.body.n }}","type":"number"}]}}'
nodes=("$(jq -n '{name:"Hook", type:"n8n-nodes-base.webhook", typeVersion:2, position:[0,0],
  parameters:{path:"soak", httpMethod:"POST", responseMode:"lastNode"}}')" "$(node Greet n8n-nodes-base.set "$greeting_set" 220)")
if [[ "$workflow" == seven ]]; then
  # shellcheck disable=SC2016 # n8n expressions, not shell ones
  nodes+=("$(node 'Keep big' n8n-nodes-base.filter '{"conditions":{"conditions":[{"leftValue":"={{ $json.n }}","rightValue":10,"operator":{"type":"number","operation":"gte"}}],"combinator":"and"}}' 440)"
  "$(node 'Very big?' n8n-nodes-base.if '{"conditions":{"conditions":[{"leftValue":"={{ $json.n }}","rightValue":40,"operator":{"type":"number","operation":"gte"}}],"combinator":"and"}}' 660)"
  "$(node Tag n8n-nodes-base.set '{"mode":"manual","includeOtherFields":true,"assignments":{"assignments":[{"id":"t","name":"size","value":"big","type":"string"}]}}' 880)"
  "$(node Sort n8n-nodes-base.sort '{"sortFieldsUi":{"sortField":[{"fieldName":"n"}]}}' 1100)"
  "$(node Done n8n-nodes-base.noOp '{}' 1320)")
fi
definition="$(printf '%s\n' "${nodes[@]}" | jq -s '{name:"soak", nodes:.,
  connections: ([range(0; length - 1) as $i | {key: .[$i].name, value: {main: [[{node: .[$i + 1].name, type:"main", index:0}]]}}] | from_entries)}')"
id="$(api POST /api/workflows "$definition" | jq -r .id)"
api POST "/api/workflows/$id/activate" '{}' >/dev/null
body="{\"name\":\"nLink\",\"n\":42,\"pad\":\"$(head -c $((body_kib * 1024)) /dev/zero | tr '\0' x)\"}"
# The first run loads the expression engine, which can outlast a node's time limit on a busy machine.
for attempt in 1 2 3; do
  answer="$(curl -sS -w '\n%{http_code}' -H 'Content-Type: application/json' --data-binary "$body" "$base/webhook/soak")"
  [[ "${answer##*$'\n'}" == 200 ]] && break
  echo "soak-h2.sh: warm-up run $attempt answered ${answer##*$'\n'}; trying again" >&2
done
[[ "${answer##*$'\n'}" == 200 ]] || {
  echo "soak-h2.sh: the workflow answered ${answer##*$'\n'}: ${answer%$'\n'*}" >&2
  exit 1
}

target="$base/webhook/soak"
if [[ "$via" == api ]]; then
  target="$base/api/workflows/$id/run" body="{\"items\":[$body]}"
  api POST "/api/workflows/$id/run" "$body" >/dev/null
fi
cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
EOF
[[ "$via" == api ]] && echo "wrk.headers[\"Authorization\"] = \"Bearer $key\"" >>"$work/post.lua"

# The live heap: a class histogram forces a full collection and counts what survived it, at one
# safepoint (GC.heap_info after GC.run would also count what the load allocated in between).
# Kept per sample in $work/histograms (or --histograms DIR) for the diff at the end; prints KiB.
histograms="${histograms:-$work/histograms}"
mkdir -p "$histograms"
heap_after_gc_kib() { # seconds
  local file
  file="$histograms/$(printf '%05d' "$1").txt"
  jcmd "$server_pid" GC.class_histogram >"$file"
  awk '$1 == "Total" {printf "%d", $3 / 1024}' "$file"
}
# The H2 store's size (docs/reliability.md, "H2 file": it grew without bound before schema version 10).
h2_file_mib() { du -sm "$work/data/db" | cut -f1; }
# Executions finished so far: the list's newest id (ids count up from 1, one per execution).
executions() { api GET '/api/executions?limit=1' | jq -r '.executions[0].id // 0'; }

echo "soak-h2.sh: $(nproc) cores, $(uptime | sed 's/.*load/load/'); server pid $server_pid on H2; workflow $workflow via $via, bodies of $body_kib KiB;" \
  "wrk -t$threads -c$connections for $minutes min (warm-up $warmup min), heap after GC every $sample s" >&2
wrk -t "$threads" -c "$connections" -d "${minutes}m" --timeout 30s -s "$work/post.lua" "$target" >"$work/wrk.txt" &
wrk_pid=$!
start=$SECONDS
printf '%8s %12s %16s %12s\n' seconds executions "heap after GC MiB" "H2 file MiB"
samples="$work/samples"
: >"$samples"
while kill -0 "$wrk_pid" 2>/dev/null; do
  sleep "$sample"
  kill -0 "$wrk_pid" 2>/dev/null || break
  t=$((SECONDS - start)) n="$(executions)" h="$(heap_after_gc_kib "$t")"
  printf '%s %s %s load\n' "$t" "$n" "$h" >>"$samples"
  printf '%8d %12d %16.1f %12d\n' "$t" "$n" "$(awk -v k="$h" 'BEGIN {print k / 1024}')" "$(h2_file_mib)"
done
wait "$wrk_pid" || {
  cat "$work/wrk.txt" >&2
  echo "soak-h2.sh: wrk failed" >&2
  exit 1
}
wrk_pid=""
# One more sample once the load has stopped: shown, not judged (the requests in flight are gone).
t=$((SECONDS - start)) n="$(executions)" h="$(heap_after_gc_kib "$t")"
printf '%s %s %s idle\n' "$t" "$n" "$h" >>"$samples"
printf '%8d %12d %16.1f %12d  (load stopped)\n' "$t" "$n" "$(awk -v k="$h" 'BEGIN {print k / 1024}')" "$(h2_file_mib)"

rps="$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")"
non2xx="$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")"
errors="$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/wrk.txt")"
failed=$((${non2xx:-0} + ${errors:-0}))
# Growth from the first sample at or after the warm-up to the one after the load, when every
# outcome is written (reading the executions flushes the server's write-behind queue), and per
# execution between them. Samples under load also count the outcomes still queued for the
# database (up to 4,096 records: ExecutionRecorder), which a busy machine lets pile up; they are
# shown, with their peak, but a queue is not a leak.
verdict="$(awk -v w=$((warmup * 60)) -v bound="$bound" '
  $4 == "load" && $1 >= w && !seen {t0 = $1; n0 = $2; h0 = $3; seen = 1}
  $4 == "load" && $3 > peak {peak = $3}
  $4 == "idle" {t1 = $1; n1 = $2; h1 = $3}
  END {
    if (!seen) {print "none"; exit}
    g = (h1 - h0) / 1024
    per = (n1 > n0) ? (h1 - h0) * 1024 / (n1 - n0) : 0
    printf "%s %.1f %.1f %.1f %d %.1f %d %d %.1f\n", (g <= bound ? "ok" : "grew"), h0 / 1024, h1 / 1024, g, n1 - n0, per, t0, t1, peak / 1024
  }' "$samples")"
read -r status h0 h1 growth runs per t0 t1 peak <<<"$verdict"
echo
echo "soak-h2.sh: $rps executions/s, $failed failed requests; H2 files $(du -sm "$work/data/db" | cut -f1) MiB; heap after GC $h0 MiB at $t0 s → $h1 MiB at $t1 s:" \
  "$growth MiB over $runs executions ($per bytes each), bound $bound MiB; peak under load $peak MiB"
# Where it went: the classes whose live bytes grew most between those two samples.
if [[ "$status" != none ]]; then
  echo "soak-h2.sh: live bytes grown most from $t0 s to $t1 s (bytes, instances, class):"
  awk 'FNR == NR && $1 ~ /^[0-9]+:$/ {a[$4] = $3; ai[$4] = $2; next}
    $1 ~ /^[0-9]+:$/ {printf "%12d %10d %s\n", $3 - a[$4], $2 - ai[$4], $4}' \
    "$histograms/$(printf '%05d' "$t0").txt" "$histograms/$(printf '%05d' "$t1").txt" | sort -k1,1nr | sed -n 1,10p
fi
# H2 stops its store after an internal error (it did, "File corrupted in chunk N", before schema
# version 10) and then refuses every write: name it, whatever the heap did.
if grep -q 'MVStoreException' "$log"; then
  grep -m 3 'MVStoreException' "$log" >&2
  echo "soak-h2.sh: FAILED: H2 reported a store error (server log above; --keep keeps it)" >&2
  exit 1
fi
[[ "$status" == none ]] && {
  echo "soak-h2.sh: no sample after the warm-up; run longer" >&2
  exit 1
}
((failed == 0)) || {
  cat "$work/wrk.txt" >&2
  echo "soak-h2.sh: FAILED: $failed requests failed" >&2
  exit 1
}
[[ "$status" == ok ]] || {
  echo "soak-h2.sh: FAILED: the heap after GC grew by $growth MiB after the warm-up (bound $bound MiB)" >&2
  exit 1
}
echo "soak-h2.sh: heap after GC bounded"
