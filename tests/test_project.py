"""The project is a value found at call time, never state fixed when graphe is imported.

Two scratch projects in one process give two different answers; ``GRAPHE_HOME`` changed
after import takes effect at the next call; :func:`graphe.project.using` sets the project for
a block and restores the previous one. Each scratch project differs from the real one in a
way the real data cannot hide: its own prefix, its own data file, its own named query.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from graphe import dataset, queries, validate
from graphe.api.settings import Settings
from graphe.namespaces import CDV, NAMESPACES, bind_all, curie, prefixes, sparql_prologue
from graphe.project import CHECKOUT, Project, current, using
from graphe.provenance import source_text

REAL = Project.at(CHECKOUT)


def scratch(root: Path, tag: str) -> Project:
    """A copy of the real project's ontology and queries, with one prefix, one data file, one
    named query and one source document of its own (named after ``tag``)."""
    shutil.copytree(REAL.ontology, root / "ontology")
    shutil.copytree(REAL.queries, root / "queries")
    table = (root / "ontology" / "prefixes.ttl").read_text(encoding="utf-8")
    entry = f'[ sh:prefix "{tag}" ; sh:namespace "https://exemple.org/{tag}/"^^xsd:anyURI ]'
    assert table.rstrip().endswith("] .")
    (root / "ontology" / "prefixes.ttl").write_text(table.rstrip()[:-1] + f",\n    {entry} .\n", encoding="utf-8")
    (root / "data" / "ttl").mkdir(parents=True)
    (root / "data" / "ttl" / f"{tag}.ttl").write_text(
        f'<https://exemple.org/{tag}/x> <http://www.w3.org/2000/01/rdf-schema#label> "{tag}"@fr .\n', encoding="utf-8")
    (root / "data" / "source").mkdir()
    (root / "data" / "source" / f"{tag}.md").write_text(f"Annexe {tag}.\n", encoding="utf-8")
    (root / "queries" / f"question-{tag}.rq").write_text("SELECT ?s WHERE { ?s ?p ?o }\n", encoding="utf-8")
    return Project.at(root)


@pytest.fixture
def two(tmp_path) -> tuple[Project, Project]:
    return scratch(tmp_path / "un", "alpha"), scratch(tmp_path / "deux", "beta")


def test_the_prefix_table_is_each_projects_own(two):
    a, b = two
    assert "alpha" in prefixes(a) and "alpha" not in prefixes(b)
    assert "beta" in prefixes(b) and "beta" not in prefixes(a)
    assert "alpha" not in prefixes(REAL) and "alpha" not in NAMESPACES
    assert curie("https://exemple.org/alpha/x", a) == "alpha:x"
    assert curie("https://exemple.org/alpha/x", b) is None
    assert "PREFIX beta:" in sparql_prologue(project=b) and "PREFIX beta:" not in sparql_prologue(project=a)
    from rdflib import Graph

    assert dict(bind_all(Graph(), a).namespaces())["alpha"].toPython() == "https://exemple.org/alpha/"
    # the ontology's own namespaces are the same everywhere
    assert prefixes(a)["cdv"] == prefixes(b)["cdv"] == str(CDV)


def test_the_files_are_each_projects_own(two):
    a, b = two
    assert [p.name for p in dataset.data_files(a)] == ["alpha.ttl"]
    assert [p.name for p in dataset.data_files(b)] == ["beta.ttl"]
    assert a.default_source().name == "alpha.md" and b.default_source().name == "beta.md"
    assert "question-alpha" in {q.name for q in queries.catalogue(a.queries)}
    assert "question-alpha" not in {q.name for q in queries.catalogue(b.queries)}
    union = dataset.union(dataset.load(project=a))
    assert any("alpha" in str(s) for s in union.subjects())
    assert not any("beta" in str(s) for s in union.subjects())


def test_validation_reports_files_relative_to_the_project_it_validates(two):
    a, _ = two
    report = validate.validate(dataset.ontology_files(a) + dataset.data_files(a), a)
    assert report.conforms, report.text()
    assert a.relative(a.data_ttl / "alpha.ttl") == "data/ttl/alpha.ttl"
    assert REAL.relative(a.data_ttl / "alpha.ttl") == str(a.data_ttl / "alpha.ttl")


def test_graphe_home_set_after_import_takes_effect(two, monkeypatch):
    a, b = two
    monkeypatch.setenv("GRAPHE_HOME", str(a.root))
    assert current() is a
    assert "alpha" in prefixes() and [p.name for p in dataset.data_files()] == ["alpha.ttl"]
    assert source_text() == "Annexe alpha.\n"
    assert Settings().dist == a.dist and Settings().queries_dir == a.queries
    monkeypatch.setenv("GRAPHE_HOME", str(b.root))
    assert current() is b and "beta" in prefixes() and curie("https://exemple.org/alpha/x") is None
    assert queries.get("question-beta").name == "question-beta"
    monkeypatch.delenv("GRAPHE_HOME")
    assert current() is REAL


def test_using_sets_the_project_for_a_block_and_restores_it(two, monkeypatch):
    a, b = two
    monkeypatch.delenv("GRAPHE_HOME", raising=False)
    with using(a.root) as chosen:
        assert chosen is a and current() is a
        with using(b):
            assert current() is b and [p.name for p in dataset.data_files()] == ["beta.ttl"]
        assert current() is a

        async def seen_by_a_task() -> Project:
            return current()

        assert asyncio.run(seen_by_a_task()) is a
    assert current() is REAL


def test_one_object_per_root_so_the_table_is_read_once(two):
    a, _ = two
    assert Project.at(a.root) is a and Project.at(str(a.root) + "/") is a
    assert Project.at(a.root / "data" / "..") is a
    first = a.prefixes
    assert a.prefixes is first  # cached on the object, not re-read


def test_the_server_settings_carry_their_project(two):
    a, _ = two
    settings = Settings(project=a)
    assert settings.dist == a.dist and settings.queries_dir == a.queries
    assert Settings(project=a, dist=Path("/ailleurs")).dist == Path("/ailleurs")


def test_an_app_serves_its_own_project_whatever_the_current_one(two, monkeypatch):
    """The server is handed its project (``Settings.project``): its prefix table and what its
    routes call, even while another project is the current one."""
    from fastapi.testclient import TestClient

    from graphe.api import create_app

    a, _ = two
    monkeypatch.delenv("GRAPHE_HOME", raising=False)
    app = create_app(Settings(project=a, workers=1))
    app.add_api_route("/essai-projet", lambda: {"racine": str(current().root), "curie": curie("https://exemple.org/alpha/x")})
    client = TestClient(app)  # no lifespan: these routes need no dataset
    assert "alpha" in client.get("/prefixes").json()
    assert client.get("/essai-projet").json() == {"racine": str(a.root), "curie": "alpha:x"}
    assert current() is REAL


def test_the_cli_finds_the_project_when_it_runs(two, monkeypatch, capsys):
    """``graphe`` in this process, with ``GRAPHE_HOME`` set after graphe was imported: each run
    works on the project named at that moment (its named questions, its source document)."""
    from graphe.cli import main

    a, b = two
    monkeypatch.setenv("GRAPHE_HOME", str(b.root))
    assert main(["query", "--list"]) == 0
    listed = capsys.readouterr().out
    assert "question-beta" in listed and "question-alpha" not in listed
    monkeypatch.setenv("GRAPHE_HOME", str(a.root))
    assert main(["passage", "Annexe alpha"]) == 0
    out = capsys.readouterr().out
    assert "oa:start 0 ; oa:end 12" in out
