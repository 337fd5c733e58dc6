"""Every ``curl`` line of the README works as written, against a live server."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)
CURLS = [line.strip() for block in BLOCKS for line in block.splitlines() if line.strip().startswith("curl ")]
DOCUMENTED = "http://127.0.0.1:8000"


def test_the_readme_has_curl_examples():
    assert len(CURLS) >= 3 and all(DOCUMENTED in c for c in CURLS)


@pytest.mark.parametrize("command", CURLS, ids=range(len(CURLS)))
def test_a_readme_curl_works_as_written(live, command):
    curl = shutil.which("curl")
    assert curl, "curl est nécessaire (paquet Debian curl)"
    argv = shlex.split(command, comments=True)
    argv = [curl, "--fail", "--silent", "--show-error", *(a.replace(DOCUMENTED, live.url) for a in argv[1:])]
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{command}\n{result.stderr}"
    assert result.stdout.strip(), command
