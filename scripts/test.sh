#!/usr/bin/env bash
# The README's test command: install everything graphe needs on a fresh machine, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v java >/dev/null 2>&1; then  # HermiT (owlready2's reasoner) runs on a JVM
  apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install -q -e '.[test]'
exec .venv/bin/python -m pytest "$@"
