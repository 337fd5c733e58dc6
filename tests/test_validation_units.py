"""Validation file by file, cached by content (graphe.shacl_units, graphe.validation_cache).

The promise: the per-file validation reports what pySHACL reports on the whole graph, and a cache
hit never hides a violation — a file, its context or a rule that changed is validated again; an
untouched project is not; invalid data fails with the same French report, cache warm or cold.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyshacl import validate as shacl_validate
from rdflib import RDF, URIRef
from rdflib.namespace import SH

from graphe import dataset, shacl_units
from graphe.project import Project, current
from graphe.validate import load_shapes, validate
from graphe.validation_cache import Cache
from graphe.validation_sources import Sources

CASES = Path(__file__).parent / "cases"
INVALID = sorted((CASES / "invalid").glob("*.ttl"))
BASE = [current().ontology / "cdv.ttl", current().ontology / "draft.ttl", *sorted((CASES / "valid").glob("*.ttl"))]
SHAPES = load_shapes()


# --------------------------------------------------------------------------- what makes units exact


def test_every_shape_checks_a_node_through_its_own_triples_and_its_values_types():
    """A unit holds a resource's triples and its values' types: no shape may look further."""
    assert not set(SHAPES.subjects(SH.node, None)), "sh:node regarde au-delà des types des valeurs"
    assert not set(SHAPES.subjects(SH.sparql, None)), "une contrainte SPARQL peut regarder n'importe où"
    for path in SHAPES.objects(None, SH.path):
        assert isinstance(path, URIRef), f"chemin composé {path!r} : il peut sortir de l'unité"
    for kind in (SH.qualifiedValueShape, SH["or"], SH["not"]):
        for shape in SHAPES.objects(None, kind):
            for _, p, _ in SHAPES.triples((shape, None, None)):
                assert p not in (SH.node, SH.property, SH.path), f"{kind} porte {p}"


def _whole_graph(files: list[Path]) -> set[tuple[str, str | None]]:
    """pySHACL on the union of ``files``, the reference: (focus, shape) of every result."""
    sources = Sources.parse(files)
    _, results, _ = shacl_validate(sources.union, shacl_graph=SHAPES, inference="none", advanced=True,
                                   allow_warnings=True)
    return {(sources.name(results.value(r, SH.focusNode)), sources.name(results.value(r, SH.sourceShape)))
            for r in results.subjects(RDF.type, SH.ValidationResult)}


@pytest.mark.parametrize(("hub_files", "batch"), [(shacl_units.HUB_FILES, None), (1, None), (shacl_units.HUB_FILES, 300)],
                         ids=["fichiers", "noeuds-partages", "petits-lots"])
@pytest.mark.parametrize("case", INVALID[::6], ids=[c.stem for c in INVALID[::6]])
def test_file_by_file_finds_what_the_whole_graph_finds(case, hub_files, batch, tmp_path, monkeypatch):
    """Also when every resource stated in two files is a hub, checked once on its own, and when the
    files are shared out in many small batches (what a batch holds must not change what is found)."""
    monkeypatch.setattr(shacl_units, "HUB_FILES", hub_files)
    if batch:
        monkeypatch.setattr(shacl_units, "BATCH_TRIPLES", batch)
        assert len(shacl_units.batches(shacl_units.Plan(BASE + [case], Cache(enabled=False), "r").units)) > 3
    report = validate(BASE + [case], cache=Cache(tmp_path))
    assert (report.cache["noeuds_partages"] > 0) == (hub_files == 1)
    shapes = {(v.focus, v.rule) for v in report.violations if not v.is_check}
    assert shapes == _whole_graph(BASE + [case])


def test_the_project_file_by_file_is_the_project_whole(tmp_path):
    files = dataset.ontology_files() + dataset.data_files()
    report = validate(files, cache=Cache(tmp_path))
    assert report.cache["revalides"] == len(files)
    assert {(v.focus, v.rule) for v in report.violations if not v.is_check} == _whole_graph(files) == set()


# --------------------------------------------------------------------------- the cache


@pytest.fixture
def project(tmp_path):
    """A scratch copy of the ontology, data and checks, which the tests may edit."""
    for name in ("ontology", "data", "queries"):
        shutil.copytree(current().root / name, tmp_path / name)
    return tmp_path


def _run(project: Path):
    return validate(project=Project.at(project), cache=Cache(project / "cache"))


def test_nothing_touched_nothing_revalidated(project):
    first = _run(project)
    assert first.conforms and first.cache["revalides"] == first.cache["fichiers"]
    again = _run(project)
    assert again.cache["fichiers"] == first.cache["fichiers"]
    assert again.cache["revalides"] == again.cache["noeuds_revalides"] == 0 and again.cache["verifications_en_cache"]
    assert again.text() == first.text()


def test_a_changed_file_is_revalidated_and_only_what_reads_it(project):
    total = _run(project).cache["fichiers"]
    path = project / "data" / "ttl" / "fontenay-sous-bois.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\n# relu\n", encoding="utf-8")
    report = _run(project)
    assert 1 <= report.cache["revalides"] < total
    assert report.cache["verifications_en_cache"] is False
    assert report.conforms


def test_a_change_in_a_files_context_revalidates_it(project):
    """champigny-sur-marne.ttl is unchanged, but the quartier it targets is no longer a quartier."""
    _run(project)
    path = project / "data" / "ttl" / "quartiers.ttl"
    text = path.read_text(encoding="utf-8")
    assert "qpv:bois-l-abbe a cdv:QuartierPrioritaire ;" in text
    path.write_text(text.replace("qpv:bois-l-abbe a cdv:QuartierPrioritaire ;", "qpv:bois-l-abbe a cdv:Document ;"),
                    encoding="utf-8")
    report = _run(project)
    assert not report.conforms
    found = {(Path(v.file).name, v.rule) for v in report.violations}
    assert ("champigny-sur-marne.ttl", "cdvsh:Ressource-quartierCible") in found


def test_a_changed_shape_revalidates_everything(project):
    first = _run(project)
    shapes = project / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8").replace(
        "Le quartier", "Ce quartier"), encoding="utf-8")
    report = _run(project)
    assert report.cache["revalides"] == first.cache["fichiers"]
    assert report.cache["verifications_en_cache"] is False


@pytest.mark.parametrize("case", [CASES / "invalid" / "mention-hors-passage.ttl",
                                  CASES / "invalid" / "selecteurposition-ordre.ttl"], ids=["check", "forme"])
def test_invalid_data_fails_the_same_with_the_cache_warm(project, case):
    _run(project)  # warm with valid data
    shutil.copy(case, project / "data" / "ttl" / case.name)
    cold = validate(project=Project.at(project), cache=Cache(enabled=False))
    warm_once = _run(project)
    warm_twice = _run(project)
    assert warm_twice.cache["revalides"] == 0 and warm_twice.cache["verifications_en_cache"]
    assert not cold.conforms and not warm_once.conforms and not warm_twice.conforms
    assert cold.text() == warm_once.text() == warm_twice.text()
    assert cold.violations == warm_twice.violations


def test_a_disabled_cache_reads_and_writes_nothing(tmp_path):
    cache = Cache(tmp_path / "c", enabled=False)
    cache.put("ab" * 32, [1])
    assert cache.get("ab" * 32) is None and not (tmp_path / "c").exists()


def test_an_unreadable_cache_entry_is_a_miss(tmp_path):
    cache = Cache(tmp_path)
    cache.put("cd" * 32, {"a": 1})
    (tmp_path / "cd" / f"{'cd' * 32}.json").write_text("{tronqué", encoding="utf-8")
    assert cache.get("cd" * 32) is None


def test_validating_leaves_the_shapes_as_read(tmp_path):
    """pySHACL adds axioms to the shapes graph it is given: the build published them in
    formes.ttl after a cold validation and not after a warm one (same inputs, other bytes)."""
    read = set(load_shapes())
    report = validate(cache=Cache(tmp_path))  # cold: pySHACL runs, here in this process (one batch)
    assert report.cache["revalides"] == report.cache["fichiers"]
    assert set(load_shapes()) == read
