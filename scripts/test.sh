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

python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
python3 -m ruff check .
python3 -m ruff format --check .
python3 -m mypy
python3 -m pytest -p no:cacheprovider "$@"
python3 -m benchmarks.run --smallest
