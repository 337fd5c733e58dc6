"""The benchmark scripts speak French too: a person runs them and reads their help and errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if "Parser(" in p.read_text(encoding="utf-8"))


def test_every_script_with_options_is_found():
    assert len(SCRIPTS) >= 5, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_help_and_usage_errors_are_french(script):
    shown = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert shown.stdout.startswith("utilisation :") and "afficher cette aide" in shown.stdout
    assert "usage:" not in shown.stdout and "show this help" not in shown.stdout
    wrong = subprocess.run([sys.executable, str(script), "--option-inconnue"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 64 and "erreur d'utilisation : " in wrong.stderr, wrong.stderr[-2000:]
    assert "unrecognized" not in wrong.stderr and "required" not in wrong.stderr and "usage:" not in wrong.stderr
