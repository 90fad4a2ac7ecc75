#!/usr/bin/env bash
# Webhook executions per second on a real `nlink serve`, load from wrk on the same machine.
#   bench/server.sh [--duration 20] [--warmup 10] [--connections 16] [--threads 2]
#                   [--workflows respond,set,go,gowarm,c,seven] [--metrics off|on|both]
#                   [--database-url JDBC_URL] [--keep]
# Starts a server on a fresh data directory (H2, or the PostgreSQL database given; its password
# in NLINK_DATABASE_PASSWORD, and it should be empty), creates the owner, uploads the seed's Go
# node (and, as version 1.0.1, the same node with a definition.json warm-up item: docs/abi.md) and
# bench/nodes/sha256-c, imports and activates one webhook workflow per case, then for
# each: wrk for --warmup seconds (discarded), then for --duration seconds (measured). Prints one
# table row per workflow: executions/s, p50/p90/p99 latency, non-2xx answers, server CPU (cores
# busy, ms per execution), RSS after the run, the machine's load average; then Go over Set.
# --metrics on starts the server with --metrics (Prometheus recording); both runs the whole set
# without and with, to show what recording costs. --keep leaves the data directory and the log.
# Installs wrk from Debian when missing; builds nLink when sources changed (./nlink does).
# JAVA_TOOL_OPTIONS reaches the server (e.g. -XX:StartFlightRecording=filename=/tmp/s.jfr).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

duration=20 warmup=10 connections=16 threads=2 only="respond,set,go,c,seven" metrics=off database_url="" keep=false
usage() {
  sed -n '2,4p' "$0" | sed 's/^# //' >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --duration)
      duration="${2:?}"
      shift 2
      ;;
    --warmup)
      warmup="${2:?}"
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
    --workflows)
      only="${2:?}"
      shift 2
      ;;
    --metrics)
      metrics="${2:?}"
      shift 2
      ;;
    --database-url)
      database_url="${2:?}"
      shift 2
      ;;
    --keep)
      keep=true
      shift
      ;;
    -h | --help) usage ;;
    *)
      echo "server.sh: unknown option $1" >&2
      usage
      ;;
  esac
done
for v in "$duration" "$warmup" "$connections" "$threads"; do
  [[ "$v" =~ ^[0-9]+$ ]] || {
    echo "server.sh: not a whole number: $v" >&2
    exit 2
  }
done
((duration >= 1 && connections >= 1 && threads >= 1 && threads <= connections)) \
  || {
    echo "server.sh: --duration and --connections must be at least 1, --threads from 1 to --connections" >&2
    exit 2
  }
case "$metrics" in off | on | both) ;; *)
  echo "server.sh: --metrics is off, on or both, not $metrics" >&2
  exit 2
  ;;
esac
IFS=, read -r -a cases <<<"$only"
for c in "${cases[@]}"; do
  case "$c" in respond | set | go | gowarm | c | seven) ;; *)
    echo "server.sh: no workflow named $c (respond, set, go, gowarm, c, seven)" >&2
    exit 2
    ;;
  esac
done

# shellcheck source=../scripts/apt.sh
source "$root/scripts/apt.sh"
# shellcheck disable=SC2046
nlink_apt_install server.sh $(nlink_apt_missing wrk curl jq)

# The build (./nlink builds when a source is newer than its jar, and the example's module) and the C node.
"$root/nlink" --version >/dev/null
[[ -f "$here/nodes/sha256-c/execution.wasm" ]] || "$here/nodes/sha256-c/build.sh" >&2

work="$(mktemp -d /tmp/nlink-bench-server.XXXXXX)"
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  if [[ "$keep" == true ]]; then echo "server.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The workflows: a Webhook node (POST /webhook/bench-NAME) and what follows it, in a line.
webhook() { # path responseMode
  jq -n --arg path "$1" --arg mode "$2" \
    '{name:"Hook", type:"n8n-nodes-base.webhook", typeVersion:2, position:[0,0], parameters:{path:$path, httpMethod:"POST", responseMode:$mode}}'
}
node() { # name type parameters-json x [extra-json]
  jq -n --arg name "$1" --arg type "$2" --argjson p "$3" --argjson x "$4" --argjson extra "${5:-{\}}" \
    '{name:$name, type:$type, typeVersion:1, position:[$x,0], parameters:$p} + $extra'
}
# A workflow from a name and node JSON objects, each wired to the next (output 0 to input 0).
workflow() {
  local name="$1"
  shift
  printf '%s\n' "$@" | jq -s --arg name "$name" '{name:$name, nodes:.,
    connections: ([range(0; length - 1) as $i | {key: .[$i].name, value: {main: [[{node: .[$i + 1].name, type:"main", index:0}]]}}] | from_entries)}'
}
# shellcheck disable=SC2016 # $json is an n8n expression's variable, not the shell's
greeting_set='{"mode":"manual","includeOtherFields":false,"assignments":{"assignments":[
  {"id":"a","name":"greeting","value":"={{ \"Hello, \" + $json.body.name + \"!\" }}","type":"string"},
  {"id":"b","name":"n","value":"={{ $json.body.n }}","type":"number"}]}}'
# shellcheck disable=SC2016 # $json is an n8n expression's variable, not the shell's
case_workflow() {
  case "$1" in
    respond) workflow "bench respond" "$(webhook bench-respond responseNode)" \
      "$(node Respond n8n-nodes-base.respondToWebhook '{"respondWith":"json","responseBody":"{\"ok\":true}"}' 220)" ;;
    set) workflow "bench set" "$(webhook bench-set lastNode)" "$(node Greet n8n-nodes-base.set "$greeting_set" 220)" ;;
    go) workflow "bench go" "$(webhook bench-go lastNode)" \
      "$(node Greet nlink-community.wasm_demo '{"text":"={{ $json.body.name }}"}' 220 '{"packageVersion":"1.0.0"}')" ;;
    gowarm) workflow "bench gowarm" "$(webhook bench-gowarm lastNode)" \
      "$(node Greet nlink-community.wasm_demo '{"text":"={{ $json.body.name }}"}' 220 '{"packageVersion":"1.0.1"}')" ;;
    c) workflow "bench c" "$(webhook bench-c lastNode)" \
      "$(node Hash nlink-community.sha256_bench '{"text":"={{ $json.body.name }}","rounds":100}' 220 '{"packageVersion":"1.0.0"}')" ;;
    seven) workflow "bench seven" "$(webhook bench-seven lastNode)" \
      "$(node Shape n8n-nodes-base.set "$greeting_set" 220)" \
      "$(node 'Keep big' n8n-nodes-base.filter '{"conditions":{"conditions":[{"leftValue":"={{ $json.n }}","rightValue":10,"operator":{"type":"number","operation":"gte"}}],"combinator":"and"}}' 440)" \
      "$(node 'Very big?' n8n-nodes-base.if '{"conditions":{"conditions":[{"leftValue":"={{ $json.n }}","rightValue":40,"operator":{"type":"number","operation":"gte"}}],"combinator":"and"}}' 660)" \
      "$(node Tag n8n-nodes-base.set '{"mode":"manual","includeOtherFields":true,"assignments":{"assignments":[{"id":"t","name":"size","value":"big","type":"string"}]}}' 880)" \
      "$(node Sort n8n-nodes-base.sort '{"sortFieldsUi":{"sortField":[{"fieldName":"n"}]}}' 1100)" \
      "$(node Done n8n-nodes-base.noOp '{}' 1320)" ;;
  esac
}
body='{"name":"nLink","n":42}'

# wrk posts the body; the summary has the latency distribution (--latency) and non-2xx answers.
cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
EOF

# CPU ticks (user + system) of a process so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }
# "50.00%  1.23ms" → milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.1f", n }'
}

api() { # method path [json] → body; fails on an HTTP error
  local out status
  out="$(curl -sS -X "$1" "$base$2" -H "Authorization: Bearer $key" ${3:+-H 'Content-Type: application/json' --data-binary "$3"} -w '\n%{http_code}')"
  status="${out##*$'\n'}"
  [[ "$status" == 2* ]] || {
    echo "server.sh: $1 $2 answered $status: ${out%$'\n'*}" >&2
    return 1
  }
  printf '%s' "${out%$'\n'*}"
}

start_server() { # label extra-serve-options...
  local label="$1"
  shift
  local data="$work/data-$label" log="$work/server-$label.log" port
  port="$(free_port)"
  local args=(serve --port "$port" --data-dir "$data" "$@")
  [[ -n "$database_url" ]] && args+=(--database-url "$database_url")
  "$root/nlink" "${args[@]}" >"$log" 2>&1 &
  server_pid=$!
  base="http://127.0.0.1:$port"
  local i
  for ((i = 0; i < 240; i++)); do
    grep -q 'serving http' "$log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || {
      cat "$log" >&2
      echo "server.sh: the server did not start" >&2
      exit 1
    }
    sleep 0.5
  done
  grep -q 'serving http' "$log" || {
    cat "$log" >&2
    echo "server.sh: the server did not start in 120 s" >&2
    exit 1
  }
  local token jar="$work/cookies-$label" session csrf
  token="$(sed -n 's/.*token=\([^ ]*\).*/\1/p' "$log" | head -1)"
  [[ -n "$token" ]] || {
    echo "server.sh: no set-up link in the server's output (is the database empty?)" >&2
    exit 1
  }
  session="$(curl -sS -c "$jar" -H 'Content-Type: application/json' \
    --data-binary "{\"token\":\"$token\",\"username\":\"bench\",\"password\":\"bench-password-$RANDOM-$RANDOM\"}" "$base/api/setup")"
  csrf="$(jq -r .csrfToken <<<"$session")"
  key="$(curl -sS -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
    --data-binary '{"name":"bench"}' "$base/api/api-keys" | jq -r .key)"
  [[ "$key" == nlk_* ]] || {
    echo "server.sh: could not create an API key" >&2
    exit 1
  }
  local pkg
  # The seed's node as version 1.0.1 with one warm-up item, for the gowarm case.
  rm -rf "$work/hello-go-warm"
  cp -r "$root/examples/hello-go" "$work/hello-go-warm"
  jq '.version = "1.0.1"' "$root/examples/hello-go/package.json" >"$work/hello-go-warm/package.json"
  jq '.warmup = [{"params": {"text": "nLink"}, "json": {"name": "warm-up", "n": 1, "tags": ["a", 2], "nested": {"x": 1.5}}}]' \
    "$root/examples/hello-go/definition.json" >"$work/hello-go-warm/definition.json"
  for pkg in "$root/examples/hello-go" "$work/hello-go-warm" "$here/nodes/sha256-c"; do
    "$root/nlink" pack --out "$work/$(basename "$pkg").zip" "$pkg" >/dev/null
    curl -sS -f -H "Authorization: Bearer $key" -H 'Content-Type: application/zip' \
      --data-binary "@$work/$(basename "$pkg").zip" "$base/api/nodes" >/dev/null \
      || {
        echo "server.sh: uploading $pkg failed" >&2
        exit 1
      }
  done
  local c id
  for c in "${cases[@]}"; do
    id="$(api POST /api/workflows "$(case_workflow "$c")" | jq -r .id)"
    api POST "/api/workflows/$id/activate" '{}' >/dev/null
    # One call first: the answer must be a success, or the figures would measure errors.
    local answer
    answer="$(curl -sS -w '\n%{http_code}' -H 'Content-Type: application/json' --data-binary "$body" "$base/webhook/bench-$c")"
    [[ "${answer##*$'\n'}" == 200 ]] || {
      echo "server.sh: workflow $c answered ${answer##*$'\n'}: ${answer%$'\n'*}" >&2
      exit 1
    }
  done
}

ticks_per_s="$(getconf CLK_TCK)"
results="$work/results"
: >"$results"

measure() { # label case
  local label="$1" c="$2" out rps p50 p90 p99 non2xx before after cores ms_per load errors
  wrk -t "$threads" -c "$connections" -d "${warmup}s" -s "$work/post.lua" "$base/webhook/bench-$c" >/dev/null
  load="$(cut -d' ' -f1 /proc/loadavg)"
  before="$(cpu_ticks "$server_pid")"
  out="$(wrk -t "$threads" -c "$connections" -d "${duration}s" --latency -s "$work/post.lua" "$base/webhook/bench-$c")"
  after="$(cpu_ticks "$server_pid")"
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
  p90="$(to_ms "$(awk '$1 == "90%" {print $2}' <<<"$out")")"
  p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  errors="$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")"
  cores="$(awk -v t="$((after - before))" -v hz="$ticks_per_s" -v d="$duration" 'BEGIN {printf "%.2f", t / hz / d}')"
  ms_per="$(awk -v t="$((after - before))" -v hz="$ticks_per_s" -v r="$rps" -v d="$duration" 'BEGIN {printf "%.2f", (r > 0 ? t / hz * 1000 / (r * d) : 0)}')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$c" "$rps" "$p50" "$p90" "$p99" "$((${non2xx:-0} + ${errors:-0}))" \
    "$cores" "$ms_per" "$(rss_mb "$server_pid")" "$load" >>"$results"
  echo "server.sh: $label $c: $rps executions/s, p50 $p50 ms, p99 $p99 ms (load $load)" >&2
}

labels=()
case "$metrics" in off) labels=(plain) ;; on) labels=(metrics) ;; both) labels=(plain metrics) ;; esac
echo "server.sh: $(nproc) cores; before: $(uptime)" >&2
for label in "${labels[@]}"; do
  if [[ "$label" == metrics ]]; then start_server "$label" --metrics; else start_server "$label"; fi
  for c in "${cases[@]}"; do measure "$label" "$c"; done
  if [[ "$label" == metrics ]]; then
    # What Prometheus would scrape now; its execution count must cover every measured request.
    curl -sS -f -H "Authorization: Bearer $key" "$base/metrics" >"$work/metrics.txt"
    counted="$(awk '/^nlink_executions_total\{/ {n += $2} END {printf "%d", n}' "$work/metrics.txt")"
    echo "server.sh: the metrics server counted $counted executions (GET /metrics; kept in $work/metrics.txt with --keep)" >&2
  fi
  stop_server
done

echo
echo "nLink server, $connections connections (wrk -t$threads), ${warmup} s warm-up then ${duration} s measured per workflow;" \
  "database ${database_url:+PostgreSQL}${database_url:-H2}; $(nproc) cores; $(uptime | sed 's/.*load/load/')"
echo
echo "| Server | Workflow | executions/s | p50 ms | p90 ms | p99 ms | errors | server CPU (cores) | CPU ms/execution | RSS MB | load |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '{printf "| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11}' "$results"
for label in "${labels[@]}"; do
  awk -F'\t' -v l="$label" '$1 == l && $2 == "set" {s = $3} $1 == l && $2 == "go" {g = $3} $1 == l && $2 == "gowarm" {w = $3}
    END {if (s > 0 && g > 0) printf "\n%s: Go node over Set node: %.2f of its executions/s (Set %.0f/s is %.2f× Go)\n", l, g / s, s, s / g
         if (s > 0 && w > 0) printf "%s: Go node with a warm-up item over Set node: %.2f (Set is %.2f× it)\n", l, w / s, s / w}' "$results"
done
if [[ "$metrics" == both ]]; then
  awk -F'\t' '{r[$1 "/" $2] = $3; c[$2] = 1} END {for (k in c) if (r["plain/" k] > 0) printf "metrics on, %s: %.1f%% of executions/s without\n", k, 100 * r["metrics/" k] / r["plain/" k]}' "$results"
fi
