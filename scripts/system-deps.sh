#!/bin/sh
# Install the system programs audioarchive needs, when they are missing.
# Usage: scripts/system-deps.sh required:ffmpeg optional:espeak-ng optional:chromium
# A "required" program that is missing and cannot be installed stops with exit 3
# and a clear message; an "optional" one only warns (tests needing it are skipped).
# Installs through apt-get only when we are root on Debian/Ubuntu; never elsewhere.
set -u

package_for() {
  case "$1" in
    ffmpeg|ffprobe) echo ffmpeg ;;
    espeak-ng) echo espeak-ng ;;
    chromium) echo chromium ;;
    *) echo "$1" ;;
  esac
}

missing=""
for spec in "$@"; do
  kind=${spec%%:*}; prog=${spec#*:}
  if ! command -v "$prog" >/dev/null 2>&1; then
    missing="$missing $kind:$prog"
  fi
done
[ -z "$missing" ] && exit 0

can_apt=no
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  can_apt=yes
fi

if [ "$can_apt" = yes ]; then
  packages=""
  for spec in $missing; do packages="$packages $(package_for "${spec#*:}")"; done
  echo "system-deps: installing$packages with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $packages >/dev/null; }; then
    echo "system-deps: apt-get could not install$packages" >&2
  fi
fi

status=0
for spec in $missing; do
  kind=${spec%%:*}; prog=${spec#*:}
  if command -v "$prog" >/dev/null 2>&1; then
    continue
  fi
  if [ "$kind" = required ]; then
    echo "system-deps: $prog is required and missing. Install it first: 'sudo apt-get install $(package_for "$prog")' (Debian/Ubuntu) or 'brew install $(package_for "$prog")' (macOS)." >&2
    status=3
  else
    echo "system-deps: $prog is missing (optional): the tests that need it will be skipped." >&2
  fi
done
exit $status
