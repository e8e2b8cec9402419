#!/usr/bin/env bash
# Start the app on the sample estate: install, create/upgrade the database, load the sample
# the first time, serve on http://127.0.0.1:8501 (see README, "Configuration").
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e .
convergence init --sample
exec python3 -m streamlit run app.py "$@"
