"""``graphe build`` on the real project: every output, their agreement, determinism, and
failures that leave the previous ``dist/`` byte-for-byte untouched."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from graphe import build as build_module
from graphe.build import GENID, build
from graphe.namespaces import GRAPH_ANNEXE, GRAPH_DERIVEES, GRAPH_INFERENCES, GRAPH_ONTOLOGIE, GRAPH_REFERENTIEL
from graphe.project import current

OUTPUTS = {
    "dataset.nq", "dataset.trig", "dataset.jsonld", "ontologie.ttl", "annexe-1.ttl", "referentiel.ttl",
    "inferences.ttl", "derivees.ttl", "shacl-report.ttl", "shacl-report.txt", "void.ttl", "build.json", "SHA256SUMS",
    "recherche.sqlite",  # the pages' full-text index: derived from dataset.nq, not a dump
    "formes.ttl", "ontologie.html",
    "reponses",  # the named questions' default answers, written once (graphe.precomputed)
}
GRAPH_TURTLES = {
    "ontologie.ttl": GRAPH_ONTOLOGIE, "annexe-1.ttl": GRAPH_ANNEXE,
    "referentiel.ttl": GRAPH_REFERENTIEL, "inferences.ttl": GRAPH_INFERENCES, "derivees.ttl": GRAPH_DERIVEES,
}
VOID = "http://rdfs.org/ns/void#"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def quads(built_dist) -> set:
    ds = Dataset()
    ds.parse(built_dist / "dataset.nq", format="nquads")
    return {q for q in ds.quads((None, None, None, None)) if q[3] is not None}


# --------------------------------------------------------------------------- outputs


def test_all_outputs_are_written(built_dist):
    assert {p.name for p in built_dist.iterdir()} == OUTPUTS
    assert built_dist.stat().st_mode & 0o005 == 0o005, "dist/ doit être lisible par tous (publié)"


def test_checksums_and_version(built_dist):
    listed = {}
    for line in (built_dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == OUTPUTS - {"SHA256SUMS", "build.json", "recherche.sqlite", "reponses"}
    assert all(sha(built_dist / name) == digest for name, digest in listed.items())
    meta = json.loads((built_dist / "build.json").read_text(encoding="utf-8"))
    assert meta["version"] == sha(built_dist / "dataset.nq")
    documents = current().source_documents()
    assert documents and meta["source"]["documents"] == {f"data/source/{p.name}": sha(p) for p in documents}
    assert set(meta["timings"]) >= {"lecture", "validation", "provenance", "raisonnement", "ecriture", "total"}


def test_counts_match_the_dump(built_dist, quads):
    meta = json.loads((built_dist / "build.json").read_text(encoding="utf-8"))
    per_graph = {}
    for *_, g in quads:
        per_graph[g] = per_graph.get(g, 0) + 1
    assert meta["counts"]["triples"]["graphe:annexe-1"] == per_graph[GRAPH_ANNEXE]
    assert meta["counts"]["triples"]["graphe:ontologie"] == per_graph[GRAPH_ONTOLOGIE]
    assert meta["counts"]["triples"]["total"] == len({q[:3] for q in quads})
    assert meta["counts"]["anchors"] > 300


def test_no_blank_node_is_published(built_dist, quads):
    assert "_:" not in (built_dist / "dataset.nq").read_text(encoding="utf-8")
    assert any(str(q[0]).startswith(GENID) for q in quads), "passages skolémisés attendus"


def test_every_dump_holds_the_same_quads(built_dist, quads):
    trig = Dataset()
    trig.parse(built_dist / "dataset.trig", format="trig")
    jsonld = Dataset()
    jsonld.parse(built_dist / "dataset.jsonld", format="json-ld")
    for other in (trig, jsonld):
        assert {q for q in other.quads((None, None, None, None)) if q[3] is not None} == quads
    for name, graph_name in GRAPH_TURTLES.items():
        g = Graph().parse(built_dist / name, format="turtle")
        assert set(g) == {q[:3] for q in quads if q[3] == graph_name}, name


def test_inferences_are_new_triples(quads):
    inferred = {q[:3] for q in quads if q[3] == GRAPH_INFERENCES}
    asserted = {q[:3] for q in quads if q[3] != GRAPH_INFERENCES}
    assert inferred, "le raisonneur devrait matérialiser des triplets"
    assert not inferred & asserted


def test_void_describes_the_dump(built_dist, quads):
    g = Graph().parse(built_dist / "void.ttl", format="turtle", publicID=(built_dist / "void.ttl").as_uri())
    q = f"""PREFIX void: <{VOID}> SELECT DISTINCT ?d ?n WHERE {{ ?d void:subset ?s ; void:triples ?n }}"""
    (dataset, triples), = list(g.query(q))
    assert str(dataset) == "https://w3id.org/contrats-de-ville/id/jeu-de-donnees/graphe"
    assert int(triples) == len({x[:3] for x in quads})
    sub = f"""PREFIX void: <{VOID}> SELECT ?s ?n WHERE {{ ?d void:subset ?s . ?s void:triples ?n }}"""
    per_graph = {str(s): int(n) for s, n in g.query(sub)}
    assert per_graph[str(GRAPH_ANNEXE)] == sum(1 for x in quads if x[3] == GRAPH_ANNEXE)
    sums = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX spdx: <http://spdx.org/rdf/terms#>
        SELECT ?f ?v WHERE { ?f a dcat:Distribution ; spdx:checksum/spdx:checksumValue ?v }"""
    checksums = {Path(str(f)).name: str(v) for f, v in g.query(sums)}
    assert checksums and all(sha(built_dist / name) == v for name, v in checksums.items())


def test_shacl_report_is_published(built_dist):
    assert (built_dist / "shacl-report.txt").read_text(encoding="utf-8").strip()
    Graph().parse(built_dist / "shacl-report.ttl", format="turtle")


@pytest.mark.slow
def test_the_build_is_deterministic(built_dist, tmp_path):
    again = build(tmp_path / "dist")
    first, second = snapshot(built_dist), snapshot(again.dist)
    sources = [json.loads(d.pop("build.json"))["source"] for d in (first, second)]
    assert sources[0] == sources[1], "les fichiers sources ont changé entre les deux constructions"
    assert first.keys() == second.keys()
    differ = [name for name in first if first[name] != second[name]]
    assert differ == []


def test_rebuild_replaces_dist(tmp_path):
    """The swap: a new dist replaces the old one and no temporary directory is left."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "ancien.txt").write_text("ancien")
    new = tmp_path / ".dist-neuf"
    new.mkdir()
    (new / "dataset.nq").write_text("neuf")
    build_module.swap(new, dist)
    assert snapshot(dist) == {"dataset.nq": b"neuf"}
    shutil.rmtree(new, ignore_errors=True)
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


# --------------------------------------------------------------------------- failures

BROKEN_TURTLE = 'objectif:villiers-casse a cdv:Objectif ;\n    rdfs:label "jamais fermé .\n'


def _break_turtle(root: Path) -> tuple[str, ...]:
    path = root / "data" / "ttl" / "villiers-sur-marne.ttl"
    text = path.read_text(encoding="utf-8")
    line = text.count("\n") + 2  # the label line of the appended block
    path.write_text(text + BROKEN_TURTLE, encoding="utf-8")
    return "villiers-sur-marne.ttl", f"ligne {line}"


def _break_shape(root: Path) -> tuple[str, ...]:
    path = root / "data" / "ttl" / "villiers-sur-marne.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\nobjectif:villiers-orphelin a cdv:Objectif .\n", encoding="utf-8")
    return ("villiers-orphelin",)


def _break_offsets(root: Path) -> tuple[str, ...]:
    """Shift one passage by a character (same length): only the source text can tell."""
    path = root / "data" / "ttl" / "villiers-sur-marne.ttl"
    text = path.read_text(encoding="utf-8")
    m = re.search(r'oa:exact "Optimiser les moyens de lutte contre l\'échec scolaire" \] ,\s*'
                  r"\[ a oa:TextPositionSelector ; oa:start (\d+) ; oa:end (\d+) \]", text)
    start, end = int(m.group(1)), int(m.group(2))
    shifted = m.group(0).replace(f"oa:start {start} ; oa:end {end}", f"oa:start {start + 1} ; oa:end {end + 1}")
    path.write_text(text.replace(m.group(0), shifted), encoding="utf-8")
    right = f"la citation est à oa:start {start} ; oa:end {end}"
    return "villiers-sur-marne.ttl", "objectif:villiers-education-3 › cdv:passage", "le document dit", right


def _break_logic(root: Path) -> tuple[str, ...]:
    """An association that is also a public body: the ontology says they are disjoint."""
    path = root / "data" / "ttl" / "partenaires.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\npartenaire:omm a cdv:EtablissementPublic .\n", encoding="utf-8")
    return ("incoh",)


@pytest.mark.slow
@pytest.mark.parametrize(
    "breaker, code",
    [(_break_turtle, 2), (_break_shape, 3), (_break_offsets, 5), (_break_logic, 4)],
    ids=["turtle-malformé", "violation-shacl", "citation-décalée", "incohérence-logique"],
)
def test_a_failed_build_leaves_dist_untouched(project_copy, built_dist, breaker, code):
    dist = project_copy / "dist"
    shutil.copytree(built_dist, dist)
    before = snapshot(dist)
    expected = breaker(project_copy)
    env = {**os.environ, "GRAPHE_HOME": str(project_copy)}
    env.pop("GRAPHE_DEBUG", None)
    run = subprocess.run([sys.executable, "-m", "graphe.cli", "build"], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == code, run.stderr
    assert "Traceback" not in run.stderr
    for fragment in expected:
        assert fragment.lower() in run.stderr.lower(), run.stderr
    assert snapshot(dist) == before
    assert sorted(p.name for p in project_copy.iterdir()) == ["data", "dist", "ontology", "queries"]


def test_a_missing_source_is_a_data_error(project_copy):
    (project_copy / "data" / "source" / "annexe-1-contrats-de-ville.md").unlink()
    env = {**os.environ, "GRAPHE_HOME": str(project_copy)}
    run = subprocess.run([sys.executable, "-m", "graphe.cli", "build"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "document source de document:annexe-1 introuvable" in run.stderr
    assert not (project_copy / "dist").exists()


def test_skolem_names_do_not_depend_on_parse_order():
    text = """@prefix oa: <http://www.w3.org/ns/oa#> .
    <urn:a> <urn:p> [ oa:exact "x" ] , [ oa:exact "x" ] , [ oa:exact "y" ; oa:start 1 ] .
    <urn:b> <urn:p> [ oa:exact "x" ] ."""

    def dump():
        ds = Dataset()
        ds.graph(URIRef("urn:g")).parse(data=text, format="turtle")
        return build_module.to_nquads(build_module.skolemize(ds))

    first = dump()
    assert first == dump() and "_:" not in first
    assert len(set(re.findall(r"genid/([0-9a-f-]+)>", first))) == 4
