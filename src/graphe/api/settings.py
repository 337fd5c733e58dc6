"""The endpoint's settings: one object, built by ``graphe serve`` or by a test, given to
:func:`graphe.api.create_app`. Nothing is read from module-level state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graphe import paths
from graphe.namespaces import SERVICE_IRI

PACKAGE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    """Where the dataset is, which engine serves it, and the limits every request obeys."""

    dist: Path = field(default_factory=lambda: paths.DIST)  # holds dataset.nq (and build.json)
    store: str = "oxigraph"  # graphe.store.make_store: oxigraph, oxigraph:DIR, rdflib, or a SPARQL URL
    workers: int = 2  # query processes (two at least: one stuck query must not hold the others)
    timeout: float = 10.0  # seconds; a client may ask for less (timeout=), never more
    row_limit: int = 10_000  # solutions or triples per answer
    max_query_length: int = 1_048_576  # bytes of SPARQL (1 MiB; the protocol's tests send ~100 KB)
    max_body: int = 4 * 1_048_576  # bytes of a POST body: room for a 1 MiB query form-encoded
    base_iri: str = SERVICE_IRI  # relative IRIs in a query resolve against it
    remote_refresh: float = 10.0  # seconds between two looks for a new publication (remote store)
    max_url: int = 16_384  # bytes of path + query string (GET)
    max_depth: int = 64  # nesting of { ( [ in a query
    memory_limit_mb: int | None = 4096  # address space of each query process
    cache_mb: int = 64  # server-side cache of answers (0: off)
    max_age: int = 300  # Cache-Control max-age, seconds
    gzip_min: int = 1024  # compress answers from this many bytes
    queries_dir: Path = field(default_factory=lambda: paths.QUERIES)
    static_dir: Path = PACKAGE / "static"
    templates_dir: Path = PACKAGE / "templates"

    @property
    def nquads(self) -> Path:
        return Path(self.dist) / "dataset.nq"
