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
import tempfile
from pathlib import Path

import pyoxigraph as ox

from graphe import __version__
from graphe.build import ox_files, ox_jsonld, ox_stats, oxstore
from graphe.build.describe import void_graph
from graphe.build.dumps import GRAPH_FILES, serialize_turtle, to_turtle
from graphe.build.skolem import relabel
from graphe.namespaces import GRAPH_INFERENCES, curie
from graphe.project import Project

GRAPH_NODES = {ox.NamedNode(str(g)) for g in GRAPH_FILES}


def write_outputs(
    store: ox.Store, report, out: Path, files: list[Path], anchors: int, timings: dict[str, float], project: Project,
    on_nquads=None,
) -> tuple[str, dict[str, int], list[str]]:
    """Write every output into ``out`` from the build's store; return (version, triples per graph, file names).

    The dumps go to their files one by one (:mod:`graphe.build.ox_files`, :mod:`graphe.build.ox_jsonld`):
    at France's size they weigh gigabytes together, and were held in memory at once.
    ``on_nquads``: called with ``dataset.nq``'s path as soon as it is written (the server's
    database is prepared from it meanwhile: :mod:`graphe.build.ox_base`).
    """
    scratch = Path(tempfile.mkdtemp(prefix=".travail-", dir=out))  # removed before ``out`` is published
    try:
        dumps = _write_dumps(store, out, scratch, on_nquads)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    version = dumps["dataset.nq"][1]
    st = ox_stats.compute(store)
    other: dict[str, bytes] = {}
    other["void.ttl"] = serialize_turtle(void_graph(store, st, dumps, version, project)).encode("utf-8")
    other["shacl-report.ttl"] = _report_turtle(report).encode("utf-8")
    other["shacl-report.txt"] = (report.text().rstrip("\n") + "\n").encode("utf-8")
    other.update(publication_documents(store, project))

    for fname, data in other.items():
        (out / fname).write_bytes(data)
    sums = {fname: sha for fname, (_, sha) in dumps.items()}
    sums.update({fname: hashlib.sha256(data).hexdigest() for fname, data in other.items()})
    (out / "SHA256SUMS").write_text("".join(f"{sha}  {fname}\n" for fname, sha in sorted(sums.items())), encoding="utf-8")

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
            "inferences": oxstore.graph_count(store, GRAPH_INFERENCES),
        },
        "timings": {},
        "files": sorted([*dumps, *other, "SHA256SUMS"]),
    }
    (out / "build.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return version, triples, sorted([*dumps, *other, "SHA256SUMS", "build.json"])


def _write_dumps(store: ox.Store, out: Path, scratch: Path, on_nquads=None) -> dict[str, tuple[int, str]]:
    """Every dump of the dataset into ``out``; each one's size and SHA-256."""
    graphs = oxstore.named_graphs(store)
    ox_files.write_nquads(store, out / "dataset.nq", scratch)
    if on_nquads is not None:
        on_nquads(out / "dataset.nq")
    triples = ox_files.split_graphs(out / "dataset.nq", graphs, scratch)
    names = [*(ox.NamedNode(str(g)) for g in GRAPH_FILES), *(g for g in graphs if g not in GRAPH_NODES)]
    turtles = []
    for graph in names:  # every known graph gets its file, empty or not: a fixed set of files
        path = out / ox_files.turtle_name(graph)
        if graph.value in triples:
            turtles.append(ox_files.write_turtle(triples[graph.value], graph, path, scratch))
        else:
            path.write_bytes(b"")
    by_graph = {t.graph.value: t for t in turtles}
    ox_files.write_trig([by_graph[g.value] for g in graphs], out / "dataset.trig")
    ox_jsonld.write(store, graphs, out / "dataset.jsonld")
    fnames = ["dataset.nq", "dataset.trig", "dataset.jsonld", *(ox_files.turtle_name(g) for g in names)]
    return {f: ((out / f).stat().st_size, _file_sha(out / f)) for f in fnames}


def publication_documents(ds, project: Project | None = None) -> dict[str, bytes]:
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
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


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

