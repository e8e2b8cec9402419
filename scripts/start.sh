#!/usr/bin/env bash
# Start the app on the sample estate: install, create/upgrade the database, load the sample
# the first time, serve on http://127.0.0.1:8501 (see README, "Configuration").
set -euo pipefail
cd "$(dirname "$0")/.."
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
"$PY" -m pip install --quiet --disable-pip-version-check -e .
"$PY" -m convergence.cli init --sample
exec "$PY" -m streamlit run app.py "$@"
