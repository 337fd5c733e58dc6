"""A fifth, fictional commune with its own source document, through the whole pipeline.

The fixture (tests/cases/cinquieme-commune/) is copied with the project into a temporary
directory — it never enters the real data — and there it is validated, built, served (ASGI
client) and found by the named questions and the pages. What is expected is read from the
fixture's own Turtle, not written here twice.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, RDFS

from graphe import dataset, provenance, sources
from graphe.build import build
from graphe.namespaces import CDV, curie
from graphe.project import Project, current

FIXTURE = Path(__file__).parent / "cases" / "cinquieme-commune"
TTL = next((FIXTURE / "data" / "ttl").glob("*.ttl"))
SOURCE = next((FIXTURE / "data" / "source").glob("*.md"))
FACTS = dataset.parse_file(TTL)
COMMUNE = next(FACTS.subjects(RDF.type, CDV.Commune))
OBJECTIFS = sorted(FACTS.subjects(RDF.type, CDV.Objectif))


def graphe(root: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRAPHE_HOME": str(root)}
    env.pop("GRAPHE_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "graphe.cli", *argv], env=env, capture_output=True, text=True,
                          timeout=600, cwd=root)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("projet-cinq-communes")
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(current().root / folder, root / folder)
    shutil.copytree(FIXTURE / "data", root / "data", dirs_exist_ok=True)
    return root


@pytest.fixture(scope="module")
def dist(project) -> Path:
    """Built in this process, beside the real project (the current one): the pipeline works
    on the project it is given, nothing fixed when graphe was imported."""
    assert current().root != project.resolve()
    return build(project / "dist", project=Project.at(project)).dist


def test_the_fixture_never_enters_the_real_data():
    assert not (current().sources / SOURCE.name).exists() and not (current().data_ttl / TTL.name).exists()
    real = dataset.union(dataset.load())
    assert (COMMUNE, None, None) not in real
    assert "fictif" in SOURCE.read_text(encoding="utf-8").splitlines()[0].lower()


def test_its_document_is_declared_and_every_passage_points_into_it(project):
    docs = sources.documents(FACTS, Project.at(project))
    assert list(docs.values()) == [project.resolve() / "data" / "source" / SOURCE.name]
    anchors = provenance.anchors(FACTS)
    assert anchors and {a.source for a in anchors} == set(docs)
    text = SOURCE.read_text(encoding="utf-8")
    assert all(a.problem(text) is None for a in anchors)


def test_validate_in_context(project):
    run = graphe(project, "validate", f"data/ttl/{TTL.name}")
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Citations : {len(provenance.anchors(FACTS))} à leurs positions" in run.stdout


def test_a_wrong_offset_names_the_resource_and_the_right_one(project, tmp_path):
    objectif = OBJECTIFS[0]
    text = TTL.read_text(encoding="utf-8")
    block = text[text.index(f"objectif:{str(objectif).rsplit('/', 1)[1]} a") :]
    start, end = map(int, re.search(r"oa:start (\d+) ; oa:end (\d+)", block).groups())
    edited = tmp_path / TTL.name  # a curator's edited copy, outside the project: it replaces the original
    edited.write_text(text.replace(f"oa:start {start} ; oa:end {end}", f"oa:start {start + 2} ; oa:end {end + 2}"),
                      encoding="utf-8")
    run = graphe(project, "validate", str(edited))
    assert run.returncode == 5, run.stdout + run.stderr
    assert f"{curie(str(objectif))} › cdv:passage" in run.stdout
    assert f"la citation est à oa:start {start} ; oa:end {end}" in run.stdout


def test_the_build_records_both_documents(dist):
    meta = json.loads((dist / "build.json").read_text(encoding="utf-8"))
    assert set(meta["source"]["documents"]) == {f"data/source/{p.name}" for p in current().source_documents()} | {
        f"data/source/{SOURCE.name}"}
    assert f"<{COMMUNE}>" in (dist / "dataset.nq").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client(dist, project):
    from fastapi.testclient import TestClient

    from graphe.api import Settings, create_app

    with TestClient(create_app(Settings(project=Project.at(project), dist=dist, workers=1))) as c:
        yield c


def test_the_named_questions_find_it(client):
    rows = client.get("/queries/comptes-par-commune", params={"format": "json"}).json()["results"]["bindings"]
    mine = [r for r in rows if r["commune"]["value"] == str(COMMUNE)]
    assert len(mine) == 1 and mine[0]["nom"]["value"] == str(FACTS.value(COMMUNE, RDFS.label))
    assert int(mine[0]["objectifs"]["value"]) == len(OBJECTIFS)
    answer = client.get("/queries/objectifs-et-actions", params={"commune": curie(str(COMMUNE)), "format": "json"})
    assert answer.status_code == 200, answer.text
    found = {b["objectif"]["value"] for b in answer.json()["results"]["bindings"] if "objectif" in b}
    assert found == {str(o) for o in OBJECTIFS}


def test_the_pages_show_it_with_its_source(client):
    path = "/" + str(COMMUNE).split("/id/", 1)[1]
    page = client.get(f"/id/{path.lstrip('/')}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and str(FACTS.value(COMMUNE, RDFS.label)) in page.text
    objectif = OBJECTIFS[0]
    page = client.get("/id/" + str(objectif).split("/id/", 1)[1], headers={"Accept": "text/html"})
    quote = next(a.exact for a in provenance.anchors(FACTS) if (objectif, CDV.passage, a.target) in FACTS)
    assert page.status_code == 200 and quote in html.unescape(page.text)


def test_sparql_sees_the_passage_in_its_own_document(client):
    doc = next(iter(sources.documents(FACTS)))
    query = f"ASK {{ <{OBJECTIFS[0]}> cdv:passage/oa:hasSource <{doc}> }}"
    assert client.get("/sparql", params={"query": query}).json()["boolean"] is True


def test_the_commune_pages_and_the_search_find_it(client):
    label = str(FACTS.value(COMMUNE, RDFS.label))
    code = str(COMMUNE).rsplit("/", 1)[1]
    listing = client.get("/communes", headers={"Accept": "text/html"})
    assert listing.status_code == 200 and f"/communes/{code}" in listing.text
    page = client.get(f"/communes/{code}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and label in html.unescape(page.text)
    assert all(str(FACTS.value(o, RDFS.label)) in html.unescape(page.text) for o in OBJECTIFS)
    found = client.get("/recherche", params={"q": label.split()[0]}, headers={"Accept": "text/html"})
    assert found.status_code == 200 and f"/communes/{code}" in found.text
