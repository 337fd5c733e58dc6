"""The benchmark's synthetic replicas (bench/replicate.py): valid under the shapes, one file per
replica, marked synthetic — and with them, the validation cache re-validates one replica's edit only."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from graphe import dataset
from graphe.project import Project
from graphe.validate import validate
from graphe.validation_cache import Cache

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import replicate  # noqa: E402
import scale  # noqa: E402


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    out = tmp_path_factory.mktemp("x2") / "projet"
    replicate.make_project(2, out)
    return Project.at(out)


def test_each_replica_has_its_own_files_marked_synthetic(twice):
    files = dataset.data_files(twice)
    originals = dataset.data_files()
    assert len(files) == 2 * len(originals)
    for path in originals:
        own = twice.data_ttl / f"{path.stem}-r1.ttl"
        assert own.is_file(), own
        assert own.read_text(encoding="utf-8").startswith(replicate.MARK)
    assert (twice.root / "SYNTHETIQUE.txt").is_file()


def test_replicas_are_valid_and_an_edit_revalidates_its_replica_only(twice, tmp_path):
    cache = Cache(tmp_path / "cache")
    first = validate(project=twice, cache=cache)
    assert first.conforms, first.text()
    assert first.cache["revalides"] == first.cache["fichiers"]

    edited = scale.edit_one_commune(twice.root)
    assert edited.name == "champigny-sur-marne-r1.ttl"
    again = validate(project=twice, cache=cache)
    assert again.conforms, again.text()
    replica_files = len(dataset.data_files())  # the files of replica 1: what can read the edited one
    assert 1 <= again.cache["revalides"] <= replica_files < again.cache["fichiers"]
