"""The endpoint's settings: one object, built by ``graphe serve`` or by a test, given to
:func:`graphe.api.create_app`. Nothing is read from module-level state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graphe.project import Project, current

PACKAGE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    """Where the dataset is, which engine serves it, and the limits every request obeys.

    ``project`` (the current one by default) gives the prefix table and the defaults of
    ``dist`` and ``queries_dir``.
    """

    project: Project = field(default_factory=current)
    dist: Path = None  # holds dataset.nq (and build.json); default: the project's dist/
    store: str = "oxigraph"  # oxigraph (by size, see store_spec), oxigraph-memoire, oxigraph-disque, oxigraph:DIR, rdflib, or a SPARQL URL
    memory_store_max_mb: int | None = None  # N-Quads up to this size served from memory (None: diskstore's)
    workers: int = 2  # query processes (two at least: one stuck query must not hold the others)
    workers_at_start: int = 0  # query processes started with the server, the others when a query finds none free (0: all)
    timeout: float = 10.0  # seconds; a client may ask for less (timeout=), never more
    row_limit: int = 10_000  # solutions or triples per answer
    max_query_length: int = 1_048_576  # bytes of SPARQL (1 MiB; the protocol's tests send ~100 KB)
    max_body: int = 4 * 1_048_576  # bytes of a POST body: room for a 1 MiB query form-encoded
    base_iri: str | None = None  # relative IRIs in a query resolve against it (None: namespaces.SERVICE_IRI)
    remote_refresh: float = 10.0  # seconds between two looks for a new publication (remote store)
    max_url: int = 16_384  # bytes of path + query string (GET)
    max_depth: int = 64  # nesting of { ( [ in a query
    memory_limit_mb: int | None = None  # private memory of each query process (None: graphe.memory's share, 0: no cap)
    processes: int = 1  # server processes sharing the machine (each with its own query processes)
    max_header_bytes: int = 65_536  # request line and headers together (431 past it)
    max_headers: int = 100  # header fields of one request (431 past it)
    request_timeout: float = 10.0  # seconds to receive a whole request (408, then the connection closes)
    cache_mb: int = 64  # server-side cache of answers (0: off)
    page_size: int = 1000  # rows per page of a named question's answer (graphe.paging)
    inline_ms: float = 5.0  # a query a worker answered within this many ms is answered in process next time (0: never; graphe.inline)
    max_age: int = 300  # Cache-Control max-age, seconds
    gzip_min: int = 1024  # compress answers from this many bytes
    queries_dir: Path = None  # default: the project's queries/
    static_dir: Path = PACKAGE / "static"
    templates_dir: Path = PACKAGE / "templates"

    def __post_init__(self) -> None:
        if self.dist is None:
            object.__setattr__(self, "dist", self.project.dist)
        if self.queries_dir is None:
            object.__setattr__(self, "queries_dir", self.project.queries)

    @property
    def worker_memory_mb(self) -> int | None:
        """The memory cap of one query process, in MB (None: none)."""
        if self.memory_limit_mb is None:
            from graphe.memory import worker_cap_mb

            return worker_cap_mb(self.processes * self.workers)
        return self.memory_limit_mb if self.memory_limit_mb > 0 else None

    @property
    def store_spec(self) -> str:
        """The graphe.store.make_store name of the store.

        ``oxigraph`` chooses by size: up to ``memory_store_max_mb`` of N-Quads, a copy in memory
        per query process (the engine is 2–7× faster in memory than on RocksDB, and the copy is
        small); above, ``oxigraph-disque``: one read-only database on disk beside the dump,
        shared by every query process (graphe.diskstore), so that neither the memory nor the
        cold start grows with the processes.
        """
        from graphe.diskstore import wanted

        store = self.store
        if store == "oxigraph":
            store = "oxigraph-disque" if wanted(self.nquads, self.memory_store_max_mb) else "oxigraph-memoire"
        if store == "oxigraph-disque":
            return f"oxigraph:{Path(self.dist) / 'oxigraph'}"
        if store == "oxigraph-memoire":
            return "oxigraph"
        return store

    @property
    def nquads(self) -> Path:
        return Path(self.dist) / "dataset.nq"
