#!/bin/sh
# Create or update the project's virtual environment with the given extras.
# Usage: scripts/venv.sh VENV_DIR PYTHON [EXTRAS]     e.g. scripts/venv.sh .venv python3 test,dev
# Re-installs only when pyproject.toml or the extras changed (a stamp file remembers).
set -eu
venv=$1; python=$2; extras=${3:-}

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "venv: audioarchive needs Python 3.11 or newer; '$python' is $("$python" --version 2>&1 || echo missing)." >&2
  echo "venv: set PYTHON=/path/to/python3.11 (e.g. make demo PYTHON=python3.12)." >&2
  exit 3
fi

if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "venv: installing python3-venv with apt-get" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$python" -m venv "$venv"
    else
      echo "venv: '$python -m venv' failed; install your distribution's venv package (Debian: python3-venv)." >&2
      exit 3
    fi
  fi
fi

spec="."
[ -n "$extras" ] && spec=".[$extras]"
stamp="$venv/.audioarchive-$(echo "$extras" | tr ',' '-')"
want=$(cat pyproject.toml | cksum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "venv: installing audioarchive$([ -n "$extras" ] && echo " with $extras") into $venv" >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec" 2>&1 | grep -v "is ignored: it is neither" >&2 || true
"$venv/bin/python" -c "import audioarchive" || { echo "venv: the install failed" >&2; exit 3; }
echo "$want" > "$stamp"
