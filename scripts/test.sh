#!/usr/bin/env bash
# Set up and run the test suite (no API key, no network).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The HTML report's test opens the page in Debian's headless Chromium; where it is missing, CI (root)
# installs it, elsewhere that test skips.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test: installing Debian's chromium for the HTML report's browser test"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
    || echo "test: could not install chromium; the browser test will say so"
fi
# The text stand-ins are built from Debian's fortune collections. Installed here, before the workers start:
# two workers that each installed them while collecting tests could collect different tests.
if [ ! -d /usr/share/games/fortunes/ru ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test: installing Debian's fortunes (English and Russian) for the text stand-ins"
  { apt-get install -y -qq fortunes fortunes-ru || { apt-get update -qq && apt-get install -y -qq fortunes fortunes-ru; }; } \
    >/dev/null 2>&1 || echo "test: could not install the fortunes; the text stand-ins' tests will skip"
fi
# Two workers, one test file each: most tests wait on real runs' subprocesses, so this cuts the wall time by about 40% on a
# 2-core machine; a file's module-scoped runs stay in one worker. The files go out in collection order, which
# tests/conftest.py makes longest first, so that both workers end together. `bash scripts/test.sh -n 0` runs them
# serially.
.venv/bin/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=25 "$@"
