"""Shared fixtures: the real dataset, built once per test session.

``built_dist`` runs the whole build (parse, SHACL, provenance, HermiT, dumps) on the project's
real files into a temporary ``dist/`` and yields its path; ``built_store`` is that dump loaded
in an Oxigraph store. Tests that only need the source files parse them directly instead.

``pytest --update-golden`` writes the expected answers of the named queries (``tests/golden/``)
from the built dataset instead of comparing with them, and fails: review the diff against the
annex and commit it; ``tests/test_habits.py`` fails while ``tests/golden`` differs from the commit.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from graphe.project import current


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="réécrire tests/golden/ d'après le jeu construit (à relire contre l'annexe)",
    )


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory) -> Path:
    """A fresh build of the real project, in a temporary ``dist/``."""
    from graphe.build import build

    dist = tmp_path_factory.mktemp("build") / "dist"
    build(dist)
    return dist


@pytest.fixture(scope="session")
def built_store(built_dist):
    """The built ``dataset.nq`` in an in-memory Oxigraph store (default graph = union)."""
    from graphe.build import open_store

    return open_store(built_dist)


@dataclass(frozen=True)
class Commune:
    """A commune as the data states it: tests compare answers with these, never with a fixed list."""

    iri: str
    code: str
    label: str

    @property
    def curie(self) -> str:
        from graphe.namespaces import curie

        return curie(self.iri)


@pytest.fixture(scope="session")
def communes() -> list[Commune]:
    """The communes of the asserted data, by code Insee (the order of their IRIs)."""
    from rdflib import RDF, RDFS, URIRef

    from graphe import dataset
    from graphe.namespaces import CDV

    graph = dataset.union(dataset.load())
    igeo = URIRef("http://rdf.insee.fr/def/geo#codeINSEE")
    found = [Commune(str(c), str(graph.value(c, igeo)), str(graph.value(c, RDFS.label)))
             for c in graph.subjects(RDF.type, CDV.Commune)]
    assert found, "aucune commune dans les données"
    return sorted(found, key=lambda c: c.iri)


#: What a scratch copy of the project needs for a build (GRAPHE_HOME points at it).
PROJECT_PARTS = ("ontology", "data", "queries")


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A scratch copy of the project's inputs, to break files in; use it with ``GRAPHE_HOME``."""
    root = tmp_path / "projet"
    for part in PROJECT_PARTS:
        shutil.copytree(current().root / part, root / part)
    return root
