"""rudof as the SHACL engine's first pass (graphe.shacl_rudof): it must never miss what pySHACL finds.

- On every invalid case of ``tests/cases/invalid`` (every shape has one, ``test_shapes.py`` sees to
  it) rudof fires the same shapes on the same focus nodes as pySHACL — except the shapes with a
  SPARQL target, which rudof is not given (Oxigraph selects their focus nodes and pySHACL checks
  them), and the divergences listed in :data:`RUDOF_ONLY`, results rudof finds that pySHACL does not:
  harmless, since any batch with a rudof result is validated again by pySHACL, whose results are kept.
- ``validate(engine="rudof")`` gives the very report pySHACL gives, on the cases where the engines
  differ, and lets pySHACL skip the batches rudof finds clean.
- Shapes rudof cannot read are refused in French, never skipped.

pySHACL's reference comes from ``validate()``, whose content-keyed cache ``test_shapes.py`` (run
just before) has filled: the comparison costs rudof's time only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH

from graphe import dataset, shacl_rudof, shacl_units
from graphe.errors import DataError
from graphe.namespaces import readable
from graphe.project import current
from graphe.validate import load_shapes, validate
from graphe.validation_cache import Cache
from graphe.validation_sources import Sources

CASES = Path(__file__).parent / "cases"
VALID = sorted((CASES / "valid").glob("*.ttl"))
INVALID = sorted((CASES / "invalid").glob("*.ttl"))
BASE = [current().ontology / "cdv.ttl", current().ontology / "draft.ttl", *VALID]
SHAPES = load_shapes()
SPLIT = shacl_rudof.split(SHAPES)

#: case → (shape, focus) rudof finds and pySHACL does not. sh:lessThan between an xsd:integer and an
#: xsd:nonNegativeInteger: rudof does not compare the two datatypes (SPARQL's < does).
RUDOF_ONLY = {
    "selecteurposition-start": {("cdvsh:SelecteurPosition-ordre",
                                 "evenement:champigny-signature-protocole-2019-02-05 › cdv:passage › oa:hasSelector")},
    "selecteurposition-end": {("cdvsh:SelecteurPosition-ordre",
                               "evenement:champigny-signature-protocole-2019-02-05 › cdv:passage › oa:hasSelector")},
}


@cache
def parsed(path: Path) -> Graph:
    return dataset.parse_file(path)


def sources(files: list[Path]) -> Sources:
    """The files parsed once each (the base's blank nodes keep their labels: rudof keeps them loaded)."""
    return Sources(files, [parsed(f) for f in files])


def sparql_target_rules() -> dict[str, set[str]]:
    """Shape with a SPARQL target → the rules (itself, its property shapes) pySHACL reports for it."""
    out = {}
    for shape in SPLIT.targets:
        node = URIRef(shape)
        out[shape] = {_short(node)} | {_short(p) for p in SHAPES.objects(node, SH.property)}
    return out


def _short(node) -> str:
    return "cdvsh:" + str(node).split("#", 1)[1]


@pytest.mark.parametrize("case", INVALID, ids=[c.stem for c in INVALID])
def test_rudof_fires_the_shapes_pyshacl_fires_on_every_invalid_case(case):
    files = BASE + [case]
    reference = {(v.rule, v.focus) for v in validate(files).violations if not v.is_check}
    by_pyshacl = set()  # results of shapes rudof is not given: their SPARQL target must select the focus node
    store = ox.Store()
    store.bulk_extend(shacl_rudof.read_files(files))
    selected = {shape: {readable(row["this"].value) for row in store.query(query)} for shape, query in SPLIT.targets.items()}
    for rule, focus in reference:
        for shape, rules in sparql_target_rules().items():
            if rule in rules:
                assert focus in selected[shape], f"{focus} : la cible SPARQL de {shape} ne le choisit pas"
                by_pyshacl.add((rule, focus))
    fired = shacl_rudof.fired(files, SPLIT, sources(files), base=len(BASE))
    assert fired == (reference - by_pyshacl) | RUDOF_ONLY.get(case.stem, set())


def test_the_listed_divergences_are_still_there():
    """When rudof compares the two datatypes, :data:`RUDOF_ONLY` must shrink (the cases above say it too)."""
    for stem in RUDOF_ONLY:
        assert RUDOF_ONLY[stem] <= shacl_rudof.fired(BASE + [CASES / "invalid" / f"{stem}.ttl"], SPLIT)


def test_every_parameter_rudof_is_trusted_with_is_used_by_the_shapes():
    """So each one is fired by an invalid case on both engines (the test above)."""
    used = {str(p)[len(str(SH)):] for _, p, _ in SHAPES if str(p).startswith(str(SH))}
    assert shacl_rudof.TRUSTED <= used


@pytest.mark.parametrize("stem", ["selecteurposition-start", "termeontologie-label", "objectif-axe", "rang-hors-ordre"])
def test_the_rudof_engine_gives_pyshacls_report(stem):
    files = BASE + [CASES / "invalid" / f"{stem}.ttl"]
    reference = validate(files)
    report = validate(files, cache=Cache(enabled=False), engine="rudof")
    assert report.violations == reference.violations
    assert report.text() == reference.text()
    assert report.cache["moteur"] == "rudof"


def test_pyshacl_skips_the_batches_rudof_finds_clean(monkeypatch):
    calls = []
    real = shacl_units.shacl_validate
    monkeypatch.setattr(shacl_units, "shacl_validate", lambda data, **kw: calls.append(len(data)) or real(data, **kw))
    made = []
    one_per_file = shacl_units.batches
    monkeypatch.setattr(shacl_units, "batches", lambda units: made.extend(one_per_file(units, 1)) or made)
    files = BASE + [CASES / "invalid" / "objectif-axe.ttl"]
    report = validate(files, cache=Cache(enabled=False), workers=1, engine="rudof")
    assert [v.rule for v in report.violations] == ["cdvsh:Objectif-axe"]
    # pySHACL ran on the ontology's batch (SPARQL target) and the broken file's, not on the valid files'
    assert len(made) == len(files) and 2 <= len(calls) < len(made)


def test_a_batch_rudof_cannot_read_is_left_to_pyshacl(monkeypatch):
    """rudof failing is never a pass: the batch goes to pySHACL, whose report is the reference's."""
    class Broken:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise RuntimeError("panne simulée")
            return fail

    monkeypatch.setattr(shacl_rudof, "_session", lambda shapes, purpose="lots": Broken())
    assert shacl_rudof.needs_pyshacl([], SPLIT, set()) == "rudof a échoué : panne simulée"
    files = BASE + [CASES / "invalid" / "objectif-axe.ttl"]
    report = validate(files, cache=Cache(enabled=False), workers=1, engine="rudof")
    assert report.violations == validate(files).violations and not report.conforms


def test_the_real_data_conforms_with_rudof():
    assert validate(cache=Cache(enabled=False), engine="rudof").conforms


def _shapes_with(extra: str) -> Graph:
    g = Graph()
    g += SHAPES
    g.parse(data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n" + extra,
            format="turtle")
    return g


def test_shapes_rudof_cannot_read_are_refused_in_french():
    sparql = _shapes_with('ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select "SELECT $this {}" ] .')
    with pytest.raises(DataError, match=r"^http://example.org/S : sh:(sparql|select) n'est pas vérifié pour le moteur "
                                        r"rudof.*--moteur-shacl pyshacl$"):
        shacl_rudof.split(sparql)
    closed = _shapes_with("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .")
    with pytest.raises(DataError, match="^http://example.org/S : sh:closed "):
        shacl_rudof.split(closed)
    assert (URIRef(next(iter(SPLIT.targets))), RDF.type, SH.NodeShape) in SHAPES


def test_an_unknown_engine_is_a_french_error(monkeypatch):
    with pytest.raises(DataError, match="moteur SHACL inconnu : « jena »"):
        shacl_rudof.engine("jena")
    monkeypatch.setenv(shacl_rudof.ENV, "rudof")
    assert shacl_rudof.engine() == "rudof"
