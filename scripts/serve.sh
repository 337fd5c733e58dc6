#!/usr/bin/env bash
# The README's run command: install graphe on a fresh machine and serve the real data.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v java >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q -e .
exec .venv/bin/graphe serve "$@"
