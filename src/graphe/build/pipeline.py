"""The build pipeline: parse → validate → check provenance → reason → write ``dist/``.

Every check runs before anything is written; a failure at any step raises a
:class:`graphe.errors.GrapheError` (its ``exit_code`` is the CLI's) and leaves the previous
``dist/`` byte-for-byte as it was (see :mod:`graphe.build.publish`).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graphe import dataset, derived, diskstore, precomputed, search
from graphe.build import ox_provenance, oxstore
from graphe.build.ox_base import Preparation
from graphe.build.publish import record_timings, swap, write_outputs
from graphe.draft.publication import refuse_drafts
from graphe.errors import DataError, GrapheError, ValidationFailed
from graphe.namespaces import GRAPH_INFERENCES
from graphe.project import Project, current, using


@dataclass
class BuildResult:
    """What a successful build produced."""

    dist: Path
    version: str
    triples: dict[str, int]
    timings: dict[str, float]
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"jeu de données construit dans {self.dist}", f"version {self.version}"]
        lines += [f"  {g}: {n} triplets" for g, n in self.triples.items()]
        lines.append("durées: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items()))
        return "\n".join(lines)



def build(dist: Path | None = None, project: Project | None = None, shacl_engine: str | None = None) -> BuildResult:
    """Build ``project`` (default: the current one) into ``dist`` (default: its ``dist/``);
    raise a GrapheError on failure. Everything the build calls works on that project.
    ``shacl_engine``: ``"rudof"`` for its faster first pass (:mod:`graphe.shacl_rudof`), default pySHACL."""
    project = project or current()
    with using(project):
        return _build(Path(dist) if dist is not None else project.dist, project, shacl_engine)


def _build(dist: Path, project: Project, shacl_engine: str | None = None) -> BuildResult:
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = round(now - clock, 3)
        clock = now

    files = dataset.ontology_files(project) + dataset.data_files(project)
    if not files:
        raise DataError(f"aucun fichier Turtle dans {project.ontology} ni {project.data_ttl}")
    report = _validate(files, project, shacl_engine)  # file by file, before the whole dataset is in memory (its workers fork)
    lap("validation")
    store = oxstore.load(files, named=True)  # one Oxigraph store for every stage after, blank nodes named (Skolem)
    refuse_drafts(store)
    lap("lecture")

    anchors = check_provenance(store, files, project)
    lap("provenance")

    inferences = ox.NamedNode(str(GRAPH_INFERENCES))
    store.extend(ox.Quad(t.subject, t.predicate, t.object, inferences) for t in _reason(store))
    lap("raisonnement")
    derived.derive_store(store, project)  # graphe:derivees: the links the named queries read (graphe.derived)
    lap("derivees")

    try:
        dist.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dist.name}-", dir=dist.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; dist/ is published (served, downloaded)
    except OSError as exc:
        raise GrapheError(f"{dist}: écriture impossible: {exc}") from None
    base: list[Preparation] = []

    def prepare_base(nquads: Path) -> None:
        if diskstore.wanted(nquads):  # large: the server's shared database, prepared meanwhile (graphe.build.ox_base)
            base.append(Preparation(tmp / "oxigraph", nquads))

    try:
        version, triples, written = write_outputs(store, report, tmp, files, anchors, timings, project, prepare_base)
        lap("ecriture")
        search.write_index(store, tmp / search.INDEX_FILE, project)  # the pages' full-text search
        lap("recherche")
        del store  # what follows reads dist/ (its database, or dataset.nq)
        if base:
            base.pop().wait()
            lap("base")
        precomputed.write(tmp, project)  # the named questions' default answers, served as files (graphe.precomputed)
        lap("reponses")
        record_timings(tmp, timings)
        swap(tmp, dist)
    except OSError as exc:
        raise GrapheError(f"{dist}: écriture impossible, le précédent jeu reste en place: {exc}") from None
    finally:
        for preparation in base:
            preparation.stop()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return BuildResult(dist, version, triples, timings, written)


def _validate(files: list[Path], project: Project, engine: str | None = None):
    """SHACL + cross-entity checks; a failure carries the readable report."""
    from graphe.validate import validate

    report = validate(files, project, engine=engine)
    if not report.conforms:
        n = len(report.violations)
        raise ValidationFailed(f"validation: {n} violation(s), rien n'est publié", report=report.text())
    return report


def _reason(store: ox.Store):
    """HermiT consistency, then the entailments (``infer`` leaves out what is asserted): the
    triples to put into ``graphe:inferences``. Both read the store's asserted named graphs."""
    from graphe import reasoning

    reasoning.check(store)
    return reasoning.infer(store)


def check_provenance(store: ox.Store, files: list[Path] | None = None, project: Project | None = None) -> int:
    """Every quote must be at its offsets in its own source document; return how many anchors hold.

    The error names, for each wrong anchor, the file that states it, the resource it anchors
    and where the quote really is, as :func:`graphe.sources.anchor_problems` does for
    ``graphe validate`` (:mod:`graphe.build.ox_provenance`, on the build's store).
    """
    return ox_provenance.check(store, list(files or []), project)
