#!/usr/bin/env bash
# The shell scripts' habits, run by scripts/test.sh: shellcheck finds no issue (of any severity) and
# shfmt finds nothing to change. Both are Debian packages that scripts/setup.sh installs.
#   scripts/check-scripts.sh         check; prints each finding and exits 1 on any
#   scripts/check-scripts.sh --fix   rewrites the scripts in shfmt's layout (shellcheck's findings
#                                    stay for a person to fix)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The project's scripts: the launcher, set-up and test scripts, examples, benchmarks, CI and the
# templates' build scripts (which the scaffold copies into every new node).
scripts=(nlink .ci/run scripts/*.sh examples/*.sh bench/*.sh templates/*/build.sh)
# shfmt's layout: two-space indents, `case` arms indented, `&&`/`||` starting a continued line.
shfmt_flags=(-i 2 -ci -bn)

for tool in shellcheck shfmt; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-scripts: $tool is not installed; scripts/setup.sh installs it (apt-get install $tool)" >&2
    exit 2
  fi
done

if [[ "${1:-}" == --fix ]]; then
  shfmt "${shfmt_flags[@]}" -w "${scripts[@]}"
  exit 0
fi

status=0
# -x follows `source` into the sourced file, found beside the sourcing script (SCRIPTDIR).
if ! shellcheck -x --source-path=SCRIPTDIR "${scripts[@]}"; then
  echo "check-scripts: shellcheck found the issues above; fix them (or, where the code is right, disable the check on that line with a comment saying why)" >&2
  status=1
fi
if ! shfmt "${shfmt_flags[@]}" -d "${scripts[@]}"; then
  echo "check-scripts: the scripts above are not in shfmt's layout; scripts/check-scripts.sh --fix rewrites them" >&2
  status=1
fi
((status == 0)) && echo "check-scripts: ${#scripts[@]} scripts pass shellcheck and shfmt" >&2
exit "$status"
