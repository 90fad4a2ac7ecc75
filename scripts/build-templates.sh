#!/usr/bin/env bash
# Verifies the node templates (templates/<lang>/): for each language, copies the template to a
# temporary folder, fills in the placeholders as the scaffold generator will ({{name}} = test_node),
# runs its build.sh, checks the module's exports, imports and memory with wasm-objdump (wabt), and
# runs its golden vectors (tests/*.json) through `./nlink run`. Python is a WASI command (adapter
# ABI): its module is checked for _start instead of the reactor's exports.
#
# Usage: scripts/build-templates.sh [--no-run] [--bench N] [--keep] [lang ...]   (default: all)
#   --no-run   build and check the module only; skip the vectors
#   --bench N  also time N items (NDJSON) through ./nlink run and print its µs/item, peak pages
#              and the mean start of its instances (the first ones in a fresh JVM), then the mean
#              start of an instance in a warm JVM (bench/nlink-throughput.sh: instantiate and
#              _initialize, or for a command _start until it first reads; 5 after 1 not counted).
#              These are the figures of docs/languages.md's summary table.
#   --keep     keep the temporary folders (printed)
# A template whose toolchain is missing (build.sh exits 3) is reported as SKIPPED; run
# scripts/setup-guests.sh first. Exit status: 0 when every template built and passed, 1 otherwise.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nlink="${NLINK:-$root/nlink}"

run_vectors=1
bench=0
keep=0
langs=()
while (($# > 0)); do
  case "$1" in
    --no-run) run_vectors=0 ;;
    --bench)
      bench="$2"
      shift
      ;;
    --keep) keep=1 ;;
    -h | --help)
      sed -n '2,18p' "$0"
      exit 0
      ;;
    *) langs+=("$1") ;;
  esac
  shift
done
((${#langs[@]} > 0)) || langs=(go rust c cpp zig assemblyscript python)

command -v wasm-objdump >/dev/null 2>&1 || {
  echo "build-templates: wasm-objdump is needed: apt-get install wabt" >&2
  exit 3
}

work="$(mktemp -d "${TMPDIR:-/tmp}/nlink-templates.XXXXXX")"
((keep)) || trap 'rm -rf "$work"' EXIT

# The checks on the module, from `wasm-objdump -x`: prints problems, one a line, and a summary.
check_module() {
  python3 - "$1" <<'PY'
import re, subprocess, sys
path = sys.argv[1]
dump = subprocess.run(["wasm-objdump", "-x", path], capture_output=True, text=True, check=True).stdout
section = None
types, funcs, exports, imports, memories = {}, {}, {}, [], []
for line in dump.splitlines():
    m = re.match(r"^(\w+)\[\d+\]:$", line)
    if m:
        section = m.group(1); continue
    if section == "Type":
        m = re.match(r"^ - type\[(\d+)\] (.*)$", line)
        if m: types[int(m.group(1))] = m.group(2).strip()
    elif section == "Import":
        m = re.match(r"^ - (\w+)\[(\d+)\](?: sig=(\d+))?.*<- ([^ ]+)$", line)
        if m:
            imports.append((m.group(1), m.group(4)))
            if m.group(1) == "func": funcs[int(m.group(2))] = int(m.group(3))
    elif section == "Function":
        m = re.match(r"^ - func\[(\d+)\] sig=(\d+)", line)
        if m: funcs[int(m.group(1))] = int(m.group(2))
    elif section == "Export":
        m = re.match(r'^ - (\w+)\[(\d+)\] .*-> "([^"]+)"$', line)
        if m: exports[m.group(3)] = (m.group(1), int(m.group(2)))
    elif section == "Memory":
        m = re.match(r"^ - memory\[\d+\] pages: initial=(\d+)(?: max=(\d+))?", line)
        if m: memories.append((int(m.group(1)), m.group(2)))
problems = []
def sig(name):
    kind, idx = exports[name]
    return types.get(funcs.get(idx, -1), "?") if kind == "func" else kind
if "_start" in exports and "execute_node" not in exports:  # a WASI command: the adapter ABI
    want = {"_start": "() -> nil"}
else:
    want = {"allocate": "(i32) -> i32", "deallocate": "(i32, i32) -> nil", "execute_node": "(i32, i32) -> i64"}
for name, expected in want.items():
    if name not in exports:
        problems.append(f"does not export {name}")
    elif sig(name) != expected:
        problems.append(f"exports {name} {sig(name)}, expected {expected}")
if "_initialize" in exports and sig("_initialize") != "() -> nil":
    problems.append(f"exports _initialize {sig('_initialize')}, expected () -> nil")
for kind, name in imports:
    if kind != "func" or not name.startswith("wasi_snapshot_preview1."):
        problems.append(f"imports {kind} {name}")
if not memories:
    problems.append("defines no memory")
else:
    initial, maximum = memories[0]
    if initial > 512: problems.append(f"initial memory {initial} pages > 512")
for p in problems:
    print("PROBLEM " + p)
mem = f"{memories[0][0]}" + (f"/{memories[0][1]}" if memories and memories[0][1] else "/none") if memories else "?"
entry = "_initialize" if "_initialize" in exports else "_start" if "_start" in exports else "none"
print(f"SUMMARY imports={len(imports)} entry={entry} pages(initial/max)={mem}")
PY
}

# Runs one golden vector through ./nlink run; prints "ok" or what differed.
run_vector() {
  local pkg="$1" vec="$2" out err rc
  local params input
  params="$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["params"]))' "$vec")"
  input="$work/input.json"
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["input"]))' "$vec" >"$input"
  out="$work/out.ndjson"
  err="$work/err.txt"
  rc=0
  "$nlink" run "$pkg" --params "$params" --input "$input" >"$out" 2>"$err" || rc=$?
  python3 - "$vec" "$out" "$rc" "$err" <<'PY'
import json, sys
vec = json.load(open(sys.argv[1]))
lines = [l for l in open(sys.argv[2], encoding="utf-8").read().splitlines() if l.strip()]
rc = int(sys.argv[3])
def same(a, b):  # strict equality of JSON values: true != 1, key sets must match
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b
try:
    items = [json.loads(l) for l in lines]
except ValueError as e:
    print(f"output is not NDJSON ({e}): {lines[:2]}"); sys.exit()
if "expectedError" in vec:
    errs = [i.get("error") for i in items if isinstance(i.get("error"), dict)]
    if rc == 1 and len(errs) == 1 and errs[0].get("kind") == "NODE_ERROR" and errs[0].get("message") == vec["expectedError"]:
        print("ok")
    else:
        print(f"expected NODE_ERROR {vec['expectedError']!r}; exit {rc}; got {lines[:2]}; stderr: {open(sys.argv[4]).read()[-400:]}")
else:
    got = [i.get("json") for i in items]
    if rc == 0 and all("error" not in i for i in items) and same(got, vec["expected"]):
        print("ok")
    else:
        print(f"exit {rc}; expected {json.dumps(vec['expected'], ensure_ascii=False)}; got {lines[:3]}; stderr: {open(sys.argv[4]).read()[-400:]}")
PY
}

results=()
status=0
for lang in "${langs[@]}"; do
  src="$root/templates/$lang"
  if [[ ! -d "$src" ]]; then
    results+=("$(printf '%-15s FAIL no such template' "$lang")")
    status=1
    continue
  fi
  dst="$work/$lang/test_node"
  mkdir -p "$dst"
  (cd "$src" && tar --exclude=./node_modules --exclude=./target --exclude=./.zig-cache --exclude=./zig-out \
    --exclude=./build --exclude=./execution.wasm -cf - .) | (cd "$dst" && tar -xf -)
  # Fill in the placeholders in every text file, as the scaffold generator does.
  while IFS= read -r -d '' f; do
    if grep -Iq . "$f" && grep -q '{{' "$f"; then
      sed -i -e 's/{{name}}/test_node/g' -e 's/{{displayName}}/Test Node/g' \
        -e "s/{{description}}/A node built from the $lang template./g" "$f"
    fi
  done < <(find "$dst" -type f -print0)
  if left="$(grep -rIl '{{[a-zA-Z]*}}' "$dst")"; then
    results+=("$(printf '%-15s FAIL placeholders left in %s' "$lang" "$left")")
    status=1
    continue
  fi

  echo "== $lang: building" >&2
  start=$(date +%s%N)
  rc=0
  "$dst/build.sh" >"$work/$lang.build.log" 2>&1 || rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  secs="$((ms / 1000)).$(((ms % 1000) / 100))"
  if ((rc == 3)); then
    results+=("$(printf '%-15s SKIPPED toolchain missing: %s' "$lang" "$(tail -1 "$work/$lang.build.log")")")
    status=1
    continue
  elif ((rc != 0)) || [[ ! -f "$dst/execution.wasm" ]]; then
    tail -30 "$work/$lang.build.log" >&2
    results+=("$(printf '%-15s FAIL build.sh exited %s' "$lang" "$rc")")
    status=1
    continue
  fi
  size=$(wc -c <"$dst/execution.wasm")
  report="$(check_module "$dst/execution.wasm")"
  summary="$(grep '^SUMMARY' <<<"$report" | sed 's/^SUMMARY //')"
  if grep -q '^PROBLEM' <<<"$report"; then
    grep '^PROBLEM' <<<"$report" >&2
    results+=("$(printf '%-15s FAIL module: %s' "$lang" "$(grep '^PROBLEM' <<<"$report" | sed 's/^PROBLEM //' | paste -sd';')")")
    status=1
    continue
  fi

  line="$(printf '%-15s built in %5ss, %8d bytes, %s' "$lang" "$secs" "$size" "$summary")"
  if ((run_vectors)); then
    pass=0
    total=0
    for vec in "$dst"/tests/*.json; do
      total=$((total + 1))
      verdict="$(run_vector "$dst" "$vec")"
      if [[ "$verdict" == ok ]]; then pass=$((pass + 1)); else
        echo "   $lang $(basename "$vec"): $verdict" >&2
        status=1
      fi
    done
    line+=", vectors $pass/$total"
  fi
  if ((bench > 0)); then
    python3 -c '
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"i": i, "name": "item %d" % i, "tags": ["a", "b"], "nested": {"x": i * 0.5}}))' "$bench" >"$work/bench.ndjson"
    "$nlink" run "$dst" --params '{"text":"nLink"}' --input "$work/bench.ndjson" >/dev/null 2>"$work/bench.err" || true
    us="$(grep -o '[0-9.]* µs/item' "$work/bench.err" | tail -1)"
    pages="$(grep -o 'peak guest memory [0-9]* of' "$work/bench.err" | grep -o '[0-9]*' | head -1)"
    first="$(grep -o '[0-9]* instance(s), [0-9.]* ms each to start' "$work/bench.err" | tail -1 | sed 's/ instance(s), / × /; s/ each to start//')"
    warm="$("$root/bench/nlink-throughput.sh" "$dst" '{"text":"nLink"}' 1 1 0 2>"$work/warm.err" \
      | grep -o 'instance_us=[0-9]*' | cut -d= -f2)" || true
    [[ -n "$warm" ]] || tail -5 "$work/warm.err" >&2
    line+=", bench ${us:-failed} (peak ${pages:-?} pages), instance start ${warm:-failed} µs warm, ${first:-?} first in a JVM"
  fi
  results+=("$line")
done

echo "build-templates: results"
printf '  %s\n' "${results[@]}"
((keep)) && echo "build-templates: kept $work"
exit "$status"
