#!/usr/bin/env bash
# Installs what the dashboard's browser tests (nlink-server/src/test/java/io/nlink/server/browser/)
# drive, idempotently: Debian's headless Chromium, its chromedriver and an emoji font, from apt.
# When all are present it only checks (no network).
#
#   chromium          /usr/bin/chromium
#   chromium-driver   /usr/bin/chromedriver (the same version as chromium)
#   fonts-noto-color-emoji  so emoji in node output render in the screenshots
#
# Runs as root on Debian 12 (uses sudo for apt otherwise). Prints one summary line.
# Usage: scripts/setup-browser.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=apt.sh
source "$root/scripts/apt.sh"

# fonts-noto-color-emoji: nodes answer with emoji (the seed's Go node does); without it they render as boxes.
mapfile -t missing < <(nlink_apt_missing chromium chromium-driver fonts-noto-color-emoji)
nlink_apt_install setup-browser "${missing[@]}"

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  browser="$(/usr/bin/chromium --version 2>/dev/null | head -1)"
  driver="$(/usr/bin/chromedriver --version 2>/dev/null | head -1 | cut -d' ' -f1-2)"
  echo "setup-browser: ${browser:-chromium (version unknown)} + ${driver:-chromedriver (version unknown)}"
else
  echo "setup-browser: MISSING: /usr/bin/chromium or /usr/bin/chromedriver (apt: chromium chromium-driver)"
  exit 1
fi
