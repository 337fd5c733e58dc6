"""Shared fixtures: the real dataset, built once per test session.

``built_dist`` runs the whole build (parse, SHACL, provenance, HermiT, dumps) on the project's
real files into a temporary ``dist/`` and yields its path; ``built_store`` is that dump loaded
in an Oxigraph store. Tests that only need the source files parse them directly instead.

``pytest --update-golden`` rewrites the expected answers of the named queries
(``tests/golden/``) from the built dataset instead of comparing with them: review the diff
against the annex before committing it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graphe import paths


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


#: What a scratch copy of the project needs for a build (GRAPHE_HOME points at it).
PROJECT_PARTS = ("ontology", "data", "queries")


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A scratch copy of the project's inputs, to break files in; use it with ``GRAPHE_HOME``."""
    root = tmp_path / "projet"
    for part in PROJECT_PARTS:
        shutil.copytree(paths.ROOT / part, root / part)
    return root
