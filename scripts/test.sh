#!/usr/bin/env bash
# Everything the tests need, then the whole suite, ruff and mypy. Works from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
./install.sh "[test]"
# Debian packages the tests drive: chromium for the browser tests (Playwright's own download needs
# its CDN: never used), nginx (with openssl for its test certificate) in front of the app. Each is
# installed only when missing. Installing nginx starts Debian's nginx service on port 80: the
# tests run their own nginx on free loopback ports and never use it.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing ${missing[*]} for the tests (apt-get)..." >&2
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" \
        || { "${as_root[@]}" apt-get update && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
             apt-get install -y "${missing[@]}"; }
fi
# Prism, the contract mock the media tests serve the published API documents with, from the npm
# registry at the version tests/media/prism/package-lock.json pins; installed only when missing.
# Without npm the contract tests skip (in CI, with CI set, they fail).
if [ ! -d tests/media/prism/node_modules ]; then
    if command -v npm >/dev/null; then
        npm ci --prefix tests/media/prism --no-audit --no-fund
    else
        echo "npm not found: the media contract tests will skip (they fail in CI)" >&2
        [ -z "${CI:-}" ] || exit 1
    fi
fi
status=0
# On every core (pytest-xdist), a module to a worker (its module fixtures built once), the slowest
# modules first (tests/conftest.py orders them).
.venv/bin/pytest -n auto --dist loadscope --cov=reelmates --cov-report=term:skip-covered "$@" \
    || status=$?
if [ "$status" -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; fi
.venv/bin/ruff check src tests benchmarks || status=$((status ? status : 1))
.venv/bin/ruff format --check src tests benchmarks || status=$((status ? status : 1))
.venv/bin/mypy || status=$((status ? status : 1))
exit "$status"
