# shellcheck shell=bash
# Sourced by nLink's set-up scripts: installs Debian packages, once, quietly.
#   nlink_apt_install WHO PACKAGE...   (WHO prefixes the log line, e.g. "setup")
# Installs nothing and touches no network when called with no packages.
nlink_apt_install() {
  local who="$1"
  shift
  (($# > 0)) || return 0
  echo "$who: installing $* (apt)" >&2
  local sudo=
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The packages among PACKAGE... that dpkg does not have installed, one per line.
nlink_apt_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}
