#!/usr/bin/env bash
# Installs what the dashboard's browser tests (nlink-server/src/test/java/io/nlink/server/browser/)
# drive, idempotently: Debian's headless Chromium and its chromedriver, from apt. When both are
# present it only checks (no network).
#
#   chromium          /usr/bin/chromium
#   chromium-driver   /usr/bin/chromedriver (the same version as chromium)
#
# Runs as root on Debian 12 (uses sudo for apt otherwise). Prints one summary line.
# Usage: scripts/setup-browser.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=apt.sh
source "$root/scripts/apt.sh"

mapfile -t missing < <(nlink_apt_missing chromium chromium-driver)
nlink_apt_install setup-browser "${missing[@]}"

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  browser="$(/usr/bin/chromium --version 2>/dev/null | head -1)"
  driver="$(/usr/bin/chromedriver --version 2>/dev/null | head -1 | cut -d' ' -f1-2)"
  echo "setup-browser: ${browser:-chromium (version unknown)} + ${driver:-chromedriver (version unknown)}"
else
  echo "setup-browser: MISSING: /usr/bin/chromium or /usr/bin/chromedriver (apt: chromium chromium-driver)"
  exit 1
fi
