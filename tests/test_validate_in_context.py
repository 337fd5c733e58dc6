"""``graphe validate FILES…``: a file is validated with all the data around it, and its quotes
are checked at their offsets as ``graphe build`` checks them."""

from __future__ import annotations

import re
import shutil

import pytest

from graphe import curate, dataset
from graphe.cli import main
from graphe.project import current

PROJECT = dataset.ontology_files() + dataset.data_files()


@pytest.mark.parametrize("path", PROJECT, ids=[p.name for p in PROJECT])
def test_an_unmodified_file_is_validated_with_everything_around_it(path):
    everything, given = curate.in_context([path])
    assert given == [path]
    assert sorted(p.resolve() for p in everything) == sorted(p.resolve() for p in PROJECT)


def test_an_edited_copy_takes_the_place_of_the_project_file(tmp_path):
    original = current().data_ttl / "partenaires.ttl"
    copy = tmp_path / original.name
    shutil.copy(original, copy)
    everything, _ = curate.in_context([copy])
    assert copy in everything and original not in everything and len(everything) == len(PROJECT)
    new = tmp_path / "nouvelle-commune.ttl"
    new.write_text("", encoding="utf-8")
    everything, _ = curate.in_context([new])
    assert len(everything) == len(PROJECT) + 1


def test_an_unmodified_data_file_exits_0(capsys):
    """The issue's example: the file alone used to give 13 false violations."""
    path = current().data_ttl / "fontenay-sous-bois.ttl"
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "conformes (1 fichier(s)" in out and "à leurs positions" in out


def test_a_wrong_offset_exits_5_naming_the_resource_and_the_right_offset(capsys, tmp_path):
    path = current().data_ttl / "saint-maur-des-fosses.ttl"
    text = path.read_text(encoding="utf-8")
    m = re.search(r"^(objectif:\S+) a cdv:Objectif\b[^.]*?oa:start (\d+) ; oa:end (\d+)", text, re.S | re.M)
    name, start, end = m.group(1), int(m.group(2)), int(m.group(3))
    edited = tmp_path / path.name
    edited.write_text(text.replace(m.group(0), m.group(0).replace(f"oa:start {start} ; oa:end {end}",
                                                                  f"oa:start {start - 3} ; oa:end {end - 3}")),
                      encoding="utf-8")
    assert main(["validate", str(edited)]) == 5
    out = capsys.readouterr().out
    assert f"{name} › cdv:passage" in out and f"la citation est à oa:start {start} ; oa:end {end}" in out


def test_violations_are_reported_for_the_given_files_only(capsys, tmp_path):
    bad = tmp_path / "orphelin.ttl"
    bad.write_text(
        "@prefix cdv: <https://w3id.org/contrats-de-ville/ontologie#> .\n"
        "@prefix objectif: <https://w3id.org/contrats-de-ville/id/objectif/> .\n"
        "objectif:orphelin a cdv:Objectif .\n",
        encoding="utf-8",
    )
    assert main(["validate", str(bad)]) == 3
    out = capsys.readouterr().out
    files = re.findall(r"^(\S+) \(\d+\)$", out, re.M)
    assert files == [str(bad)] and "objectif:orphelin" in out
