#!/usr/bin/env bash
# Everything the tests need, then the whole suite, ruff and mypy. Works from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
./install.sh "[test]"
# The browser tests drive Debian's chromium (Playwright's own download needs its CDN: never used).
if [ ! -x /usr/bin/chromium ]; then
    echo "Installing chromium for the browser tests (apt-get)..." >&2
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
        || { "${as_root[@]}" apt-get update && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
             apt-get install -y chromium; }
fi
status=0
.venv/bin/pytest --cov=reelmates --cov-report=term:skip-covered "$@" || status=$?
if [ "$status" -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; fi
.venv/bin/ruff check src tests benchmarks || status=$((status ? status : 1))
.venv/bin/ruff format --check src tests benchmarks || status=$((status ? status : 1))
.venv/bin/mypy || status=$((status ? status : 1))
exit "$status"
