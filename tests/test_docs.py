"""The curator's documentation says what the code does: each CONTRIBUTING checklist ends with
commands that exist (registered subcommands, named queries, test files)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphe import queries
from graphe.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
SECTIONS = dict(re.findall(r"^## (Add [^\n]+)\n(.*?)(?=^## |\Z)", TEXT, re.S | re.M))
WANTED = ["an annex", "a commune", "a partner", "a shape", "a named query", "a dispositif"]


def test_every_checklist_is_there():
    assert [s.split(" ", 1)[1].split(" (")[0] for s in SECTIONS] == WANTED


@pytest.mark.parametrize("title", list(SECTIONS))
def test_each_checklist_ends_with_commands_that_exist(title):
    body = SECTIONS[title]
    last = re.split(r"^\d+\. ", body, flags=re.M)[-1]
    assert last.startswith("Prove it:"), f"{title}: la liste doit finir par la commande qui le prouve"
    commands = re.findall(r"`([^`]+)`", last)
    assert commands, title
    names = {q.name for q in queries.catalogue()}
    for command in commands:
        words = command.split()
        if words[0] == "graphe":
            assert words[1] in COMMANDS, command
            if words[1] == "query" and not words[2].startswith(("-", "<")):  # <name>: the one just added
                assert words[2] in names, command
        else:
            tests = [w for w in words if w.startswith("tests/")]
            assert tests and all((ROOT / t).exists() for t in tests), command
