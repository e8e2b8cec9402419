#!/usr/bin/env bash
# Run the whole test suite: lint, format check, types, and every test (SQLite, a throwaway
# PostgreSQL server, the app headless and in a real Chromium), then the smallest benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
    || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "Please install: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi

# the project's own virtual environment: Debian and Ubuntu refuse pip installs into the
# system Python ("externally-managed-environment"); it sees what is already installed
# system-wide, so nothing is fetched twice
if [ ! -x .venv/bin/python ] && ! python3 -m venv --system-site-packages .venv; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then  # Debian's venv is a package
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        python3 -m venv --system-site-packages .venv
    else
        echo "Please install Python's venv module (e.g. sudo apt-get install python3-venv)" >&2
        exit 1
    fi
fi
PY=.venv/bin/python
"$PY" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
"$PY" -m ruff check .
"$PY" -m ruff format --check .
"$PY" -m mypy
"$PY" -m pytest -p no:cacheprovider "$@"
"$PY" -m benchmarks.run --smallest
