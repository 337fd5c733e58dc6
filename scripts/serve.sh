#!/usr/bin/env bash
# The README's run command: install graphe on a fresh machine, build the graph and serve it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
python3 -m venv .venv
.venv/bin/pip install -q -e .
exec .venv/bin/graphe serve "$@"
