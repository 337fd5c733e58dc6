"""Writing ``dist/``: every output into a fresh directory, then one atomic swap.

Invalid data never replaces valid data: the pipeline only calls :func:`write_outputs` once
every check has passed, into a temporary directory beside ``dist/``, and :func:`swap` puts it
in place in one step. ``build.json`` is the one file that varies between two builds of the
same input (it records timings), which is why ``SHA256SUMS`` does not list it.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
from pathlib import Path

from rdflib import Dataset

from graphe import __version__, stats
from graphe.build import ox_dumps
from graphe.build.describe import void_graph
from graphe.build.dumps import GRAPH_FILES, named_graphs, serialize_turtle, to_trig, to_turtle
from graphe.build.skolem import relabel
from graphe.namespaces import GRAPH_INFERENCES, curie
from graphe.project import Project


def write_outputs(
    ds: Dataset, report, out: Path, files: list[Path], anchors: int, timings: dict[str, float], project: Project,
) -> tuple[str, dict[str, int], list[str]]:
    """Write every output into ``out``; return (version, triples per graph, file names)."""
    dumps: dict[str, bytes] = {}
    converted = ox_dumps.ox_graphs(ds)  # every dump from one conversion, written by Oxigraph (300×: minutes saved)
    nquads = ox_dumps.nquads(converted).encode("utf-8")
    version = hashlib.sha256(nquads).hexdigest()
    dumps["dataset.nq"] = nquads
    graphs = named_graphs(ds)
    turtles = {name: ox_dumps.turtle(converted.get(name, [])) for name in [*GRAPH_FILES, *(g for g in graphs if g not in GRAPH_FILES)]}
    dumps["dataset.trig"] = to_trig(ds, turtles).encode("utf-8")  # each graph's Turtle once, for both
    for name, turtle in turtles.items():
        fname = GRAPH_FILES.get(name, f"{str(name).rstrip('/').rsplit('/', 1)[-1]}.ttl")
        dumps[fname] = turtle.encode("utf-8")  # empty graphs too: a fixed set of files
    dumps["dataset.jsonld"] = ox_dumps.jsonld(converted).encode("utf-8")  # the bytes of dumps.to_jsonld

    st = stats.compute(ox_dumps.stats_quads(converted))
    del converted
    other: dict[str, bytes] = {}
    other["void.ttl"] = serialize_turtle(void_graph(ds, st, dumps, version, project)).encode("utf-8")
    other["shacl-report.ttl"] = _report_turtle(report).encode("utf-8")
    other["shacl-report.txt"] = (report.text().rstrip("\n") + "\n").encode("utf-8")
    other.update(publication_documents(ds, project))

    for fname, data in {**dumps, **other}.items():
        (out / fname).write_bytes(data)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {fname}\n" for fname, data in sorted({**dumps, **other}.items()))
    (out / "SHA256SUMS").write_text(sums, encoding="utf-8")

    triples = {short(g): n for g, n in st.triples_per_graph().items()}
    triples["total"] = st.union.triples
    meta = {
        "version": version,
        "graphe": __version__,
        "source": {
            "documents": {project.relative(p): _file_sha(p) for p in project.source_documents()},
            "files": {project.relative(p): _file_sha(p) for p in files},
        },
        "counts": {
            "triples": triples,
            "instances": {short(c): n for c, n in st.instances().items()},
            "anchors": anchors,
            "inferences": len(ds.graph(GRAPH_INFERENCES)),
        },
        "timings": {},
        "files": sorted([*dumps, *other, "SHA256SUMS"]),
    }
    (out / "build.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return version, triples, sorted([*dumps, *other, "SHA256SUMS", "build.json"])


def publication_documents(ds: Dataset, project: Project | None = None) -> dict[str, bytes]:
    """The shapes (``/formes``) and the ontology's documentation page (``/ontologie``)."""
    from graphe.build import ontology_doc
    from graphe.validate import load_shapes

    shapes = load_shapes(project)
    return {"formes.ttl": to_turtle(relabel(shapes)).encode("utf-8"), "ontologie.html": ontology_doc.render(ds, shapes).encode("utf-8")}


def record_timings(out: Path, timings: dict[str, float]) -> None:
    path = out / "build.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    timings["total"] = round(sum(v for k, v in timings.items() if k != "total"), 3)
    meta["timings"] = timings
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _report_turtle(report) -> str:
    g = report.graph
    if g is None:
        return ""
    return serialize_turtle(relabel(g))


def short(nt_or_iri: str) -> str:
    iri = nt_or_iri[1:-1] if nt_or_iri.startswith("<") else nt_or_iri
    return curie(iri) or iri


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the swap


def swap(new: Path, dist: Path) -> None:
    """Put ``new`` in place of ``dist`` in one step; ``new`` then holds the old output (removed by the caller)."""
    if not dist.exists():
        os.rename(new, dist)
        return
    if _exchange(new, dist):
        return
    # No renameat2 (not Linux, or a file system without RENAME_EXCHANGE): two renames, undone on failure.
    old = new.with_name(new.name + "-ancien")
    os.rename(dist, old)
    try:
        os.rename(new, dist)
    except OSError:
        os.rename(old, dist)
        raise
    shutil.rmtree(new, ignore_errors=True)
    os.rename(old, new)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with Linux renameat2(RENAME_EXCHANGE); False when unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0

