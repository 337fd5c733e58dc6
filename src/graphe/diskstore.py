"""One Oxigraph database on disk (RocksDB), prepared once and opened read-only by every worker.

Loading the N-Quads into memory in every query process made the cold start and the memory
grow with the data times the processes (4.8 GB and 64 s at 300×). Instead the dataset is
bulk-loaded once into ``DIST/oxigraph/`` (by ``graphe serve`` when it is missing or older
than ``dataset.nq``, or ahead of time by ``graphe build``), and each worker opens it
read-only: nothing is loaded or scanned before the port opens, and the pages of the database
are the kernel's page cache, shared by all processes.

What the endpoint needs to know of the data before any query — the named graphs, triples per
graph, distinct triples of the union, the dataset's version — is computed when the database is
prepared and kept beside it in ``graphe-source.json``, so opening costs a file read.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from graphe.errors import DataError

STAMP = "graphe-source.json"
#: N-Quads up to this size are served from memory (a copy per query process: the engine is
#: 2–7× faster there); above, from the shared database on disk, which ``graphe build`` writes.
MEMORY_MAX_MB = 64
_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_UNION = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"


def wanted(nquads: Path, memory_max_mb: int | None = None) -> bool:
    """Is ``nquads`` large enough to be served from the shared database on disk?"""
    limit = MEMORY_MAX_MB if memory_max_mb is None else memory_max_mb
    try:
        return nquads.stat().st_size > limit * 2**20
    except OSError:
        return False


def file_digest(path: Path) -> str:
    """The sha256 of a file, hex (the dataset version when it is dataset.nq)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _identity(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def read_stamp(location: Path) -> dict | None:
    try:
        return json.loads((Path(location) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(location: Path, nquads: Path) -> bool:
    """Does the database at ``location`` hold exactly ``nquads``? (size and time, then digest)"""
    stamp = read_stamp(location)
    if stamp is None:
        return False
    if all(stamp.get(k) == v for k, v in _identity(nquads).items()):
        return True
    return stamp.get("sha256") == file_digest(nquads)


def prepare(location: Path, nquads: Path) -> dict:
    """Build the database at ``location`` from ``nquads`` unless it already holds it; its stamp.

    Built beside its final place and renamed over it, so a worker never opens half a database.
    """
    location = Path(location)
    if is_current(location, nquads):
        return read_stamp(location)
    tmp = location.with_name(f".{location.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    import pyoxigraph as ox  # here: the supervisor of graphe serve reads this module without it

    try:
        store = ox.Store(str(tmp))
        try:
            store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        except (OSError, SyntaxError, ValueError) as exc:
            raise DataError(f"{nquads}: N-Quads illisibles : {exc}") from None
        store.optimize()
        counts = {g.value: int(n.value) for g, n in store.query(_COUNTS) if isinstance(g, ox.NamedNode)}
        union = int(next(iter(store.query(_UNION, use_default_graph_as_union=True)))[0].value)
        store.flush()
        del store
        stamp = {"sha256": file_digest(nquads), **_identity(nquads), "counts": counts, "size_union": union}
        (tmp / STAMP).write_text(json.dumps(stamp, indent=1), encoding="utf-8")
        old = location.with_name(f".{location.name}-ancien-{os.getpid()}")
        if location.exists():
            location.rename(old)
        tmp.rename(location)
        shutil.rmtree(old, ignore_errors=True)
        return stamp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def open_read_only(location: Path):
    import pyoxigraph as ox

    try:
        return ox.Store.read_only(str(location))
    except OSError as exc:
        raise DataError(f"{location}: base Oxigraph illisible : {exc}") from None


def version(nquads: Path, location: Path | None = None) -> str:
    """The dataset's version (sha256 of ``nquads``), read from the database's stamp when it
    holds that very file, so a server process does not hash hundreds of MB at each start."""
    if location is not None:
        stamp = read_stamp(location)
        if stamp and all(stamp.get(k) == v for k, v in _identity(nquads).items()):
            return stamp["sha256"]
    return file_digest(nquads)
