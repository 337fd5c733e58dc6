"""The one ``graphe`` shell: every subcommand and option explained in French, usage errors
told apart from data errors, the passage helper and the list of named questions."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest

from graphe import provenance, queries
from graphe.cli import COMMANDS, main, make_parser
from graphe.cli.parser import USAGE


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_and_option_has_french_help():
    parser = make_parser()  # argv None: every command with all its options
    commands = subparsers(parser)
    assert list(commands) == COMMANDS
    for name, sub in commands.items():
        for action in sub._actions:
            assert action.help and action.help is not argparse.SUPPRESS, (name, action.option_strings or action.dest)
            assert not re.search(r"\b(the|show|this|message|default)\b", action.help.replace("%(default)s", "")), (name, action.help)
        assert "usage:" not in sub.format_help() and "utilisation :" in sub.format_help()


@pytest.mark.parametrize("argv", [["inconnue"], ["query"], ["query", "-f", "pdf", "x"], ["serve", "--port", "x"],
                                  ["build", "--option-inconnue"]])
def test_usage_errors_have_their_own_exit_code_and_a_french_message(argv):
    result = subprocess.run([sys.executable, "-m", "graphe.cli", *argv], capture_output=True, text=True)
    assert result.returncode == USAGE != 2  # 2 is an unreadable file
    last = result.stderr.strip().splitlines()[-1]
    assert "erreur d'utilisation" in last and "Traceback" not in result.stderr
    assert not re.search(r"\b(invalid|required|unrecognized|choose from|expected)\b", last), last


def test_passage_prints_the_block_with_the_offsets(capsys):
    quote = "Maison de la Prévention"
    code = main(["passage", quote])
    out, err = capsys.readouterr()
    start = provenance.source_text().index(quote)
    assert code == 0 and f"oa:start {start} ; oa:end {start + len(quote)}" in out and f'oa:exact "{quote}"' in out
    assert "--after" in err  # the quote appears more than once: the curator is told
    code = main(["passage", quote, "--after", str(start + 1)])
    out, _ = capsys.readouterr()
    assert code == 0 and f"oa:start {start} " not in out


def test_passage_in_another_source_file(capsys, tmp_path):
    source = tmp_path / "autre.md"
    source.write_text("Un texte court. Une citation.\n", encoding="utf-8")
    assert main(["passage", "Une citation", "--source", str(source)]) == 0
    assert "oa:start 16 ; oa:end 28" in capsys.readouterr().out
    assert main(["passage", "absente", "--source", str(source)]) == 5
    assert main(["passage", "x", "--source", str(tmp_path / "absent.md")]) == 2


def test_query_list_names_every_question_and_its_parameters(capsys):
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    for q in queries.catalogue():
        assert f"{q.name} — {q.summary}" in out
        for p in q.params:
            assert f"-p {p.name}=" in out


def test_stats_agree_on_both_engines(capsys, built_dist):
    outs = []
    for store in ("oxigraph", "rdflib"):
        assert main(["stats", "--dist", str(built_dist), "-f", "json", "--store", store]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]


class ClosedPipe:
    """stdout after the reader left (`graphe … | head`): every write fails with EPIPE."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self):
        raise OSError("no descriptor")

    def isatty(self):
        return False


@pytest.mark.parametrize("argv", [["query", "--list"], ["validate", "ontology/cdv.ttl"]])
def test_a_closed_pipe_is_not_a_success(monkeypatch, argv):
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(argv) not in (0, None)
