#!/usr/bin/env bash
# The README's test command: install everything graphe needs on a fresh machine, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh --tests
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
exec .venv/bin/python -m pytest "$@"
