#!/usr/bin/env bash
# Start the app on the sample estate: install, create/upgrade the database, load the sample
# the first time, serve on http://127.0.0.1:8501 (see README, "Configuration").
set -euo pipefail
cd "$(dirname "$0")/.."
# the project's own virtual environment: Debian and Ubuntu refuse pip installs into the
# system Python ("externally-managed-environment"); it sees what is already installed
# system-wide, so nothing is fetched twice
[ -x .venv/bin/python ] || python3 -m venv --system-site-packages .venv
PY=.venv/bin/python
"$PY" -m pip install --quiet --disable-pip-version-check -e .
"$PY" -m convergence.cli init --sample
exec "$PY" -m streamlit run app.py "$@"
