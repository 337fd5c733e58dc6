"""The benchmark's synthetic replicas (bench/replicate.py): valid under the shapes, one file per
replica, marked synthetic — and with them, the validation cache re-validates one replica's edit only."""

from __future__ import annotations

import re
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



@pytest.fixture(scope="module")
def ten(tmp_path_factory):
    out = tmp_path_factory.mktemp("x10") / "projet"
    replicate.make_project(10, out)
    return Project.at(out)


def _replica(path: str) -> int:
    match = re.search(r"-r(\d+)\.ttl$", path)
    return int(match.group(1)) if match else 0


def test_a_batch_reads_no_other_replica_than_those_it_holds(ten):
    """A batch of data files reads from outside itself the vocabularies every file reads (the
    ontology, the dispositifs…) and the rest of the replicas it holds a part of, at most the two cut
    at its ends;
    in file order a batch of commune files read the other files of each one's replica (at 300×, 4.5
    times its own data, parsed and validated again in every batch)."""
    from graphe import shacl_units

    files = dataset.ontology_files(ten) + dataset.data_files(ten)
    units = shacl_units.Plan(files, Cache(enabled=False), "r").units
    readers: dict[str, int] = {}
    for unit in units:
        for path in unit.context:
            readers[path] = readers.get(path, 0) + 1
    vocabularies = {p for p, n in readers.items() if n > shacl_units.HUB_FILES} | {
        str(p) for p in dataset.ontology_files(ten)}
    batches = [b for b in shacl_units.batches(units) if not {u.path for u in b} & vocabularies]
    assert len(batches) >= 2
    for batch in batches:  # (a vocabulary's own unit reads every file that states its resources)
        own = {u.path for u in batch}
        outside = {p for u in batch for p in u.context if p not in own} - vocabularies
        assert outside <= {p for p in readers if _replica(p) in {_replica(u.path) for u in batch}}
        assert len({_replica(p) for p in outside}) <= 2, sorted(Path(p).name for p in outside)
    assert sorted(u.index for b in shacl_units.batches(units) for u in b) == sorted(u.index for u in units)
