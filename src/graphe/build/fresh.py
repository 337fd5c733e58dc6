"""Is ``dist/`` up to date? One staleness rule for ``graphe query``, ``stats`` and ``serve``.

A built dataset is stale when ``dist/dataset.nq`` is missing or older than any file it is built
from (ontology, data, source documents). Every command that reads ``dist/`` goes through
:func:`ensure_built`, so none of them answers from data older than the files a curator edited.
"""

from __future__ import annotations

import logging
from pathlib import Path

from graphe.errors import DataError, GrapheError
from graphe.project import Project, current

log = logging.getLogger("graphe.build")


def sources(project: Project | None = None) -> list[Path]:
    """The files the dataset is built from: a newer one makes ``dist/`` stale."""
    from graphe import dataset

    project = project or current()
    found = sorted(project.ontology.glob("*.ttl")) + dataset.data_files(project) + project.source_documents()
    return [p for p in found if p.is_file()]


def is_stale(dist: Path, inputs: list[Path] | None = None, project: Project | None = None) -> bool:
    """No ``dataset.nq`` in ``dist``, or one older than a source file (of ``project``'s by default)."""
    nquads = dist / "dataset.nq"
    if not nquads.is_file():
        return True
    built = nquads.stat().st_mtime
    return any(p.stat().st_mtime > built for p in (sources(project) if inputs is None else inputs))


def ensure_built(dist: Path | None = None, rebuild: bool = True, project: Project | None = None) -> Path:
    """``dist`` (default: the project's ``dist/``), rebuilt first when it is stale.

    When the rebuild fails but an earlier good dataset is there, that one is kept and a
    warning says so (invalid data never replaces valid data); with no dataset at all the
    build's error is raised. ``rebuild=False`` takes ``dist/`` as it is.
    """
    import graphe.build  # looked up at call time: tests replace graphe.build.build

    project = project or current()
    dist = Path(dist) if dist is not None else project.dist
    nquads = dist / "dataset.nq"
    if rebuild and is_stale(dist, project=project):
        log.info("construction du jeu de données dans %s…", dist)
        try:
            log.info("%s", graphe.build.build(dist, project=project).summary())
        except GrapheError as exc:
            if not nquads.is_file():
                raise
            log.warning("la construction a échoué (%s) ; le dernier jeu valide est utilisé.", exc)
    if not nquads.is_file():
        raise DataError(f"{nquads} : jeu de données absent (lancer « graphe build »).")
    return dist


def open_store(dist: Path | None = None):
    """The built dataset (``dist/dataset.nq``) in an in-memory Oxigraph store, for tests and tools."""
    import pyoxigraph as ox

    dist = Path(dist) if dist is not None else current().dist
    nq = dist / "dataset.nq"
    if not nq.is_file():
        raise DataError(f"{nq}: jeu de données non construit (lancer `graphe build`)")
    store = ox.Store()
    try:
        store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, OSError) as exc:
        raise DataError(f"{nq}: {exc}") from None
    return store
