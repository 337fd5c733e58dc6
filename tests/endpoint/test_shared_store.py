"""One store, shared: the query processes open one read-only database on disk.

``--store oxigraph-disque`` (chosen by ``oxigraph`` when the dump is large) must answer as the
in-memory store does, with the dataset's graphs, counts and version read from the database's
stamp rather than scanned by every process.
"""

from __future__ import annotations

from dataclasses import replace

from graphe.api import Settings
from graphe.diskstore import read_stamp

from .conftest import LIVE, start_server, stop_server

QUICK = "SELECT ?c WHERE { ?c a cdv:Commune } ORDER BY ?c"


def test_the_store_is_chosen_by_size(endpoint_dist):
    small = Settings(dist=endpoint_dist)
    assert small.store_spec == "oxigraph"  # the annex: in memory
    big = replace(small, memory_store_max_mb=0)
    assert big.store_spec == f"oxigraph:{endpoint_dist / 'oxigraph'}"
    assert replace(small, store="rdflib").store_spec == "rdflib"


def test_workers_share_one_database_on_disk(endpoint_dist, live):
    server = start_server(Settings(dist=endpoint_dist, **{**LIVE, "store": "oxigraph-disque"}))
    try:
        runtime = server.runtime
        assert runtime.executor.config.spec == f"oxigraph:{endpoint_dist / 'oxigraph'}"
        stamp = read_stamp(endpoint_dist / "oxigraph")
        assert runtime.version == stamp["sha256"] == live.runtime.version
        assert runtime.executor.counts == live.runtime.executor.counts == stamp["counts"]
        assert runtime.executor.size_union == live.runtime.executor.size_union
        with server.client() as disk, live.client() as memory:
            for text in (QUICK, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"):
                a = disk.post("/sparql", data={"query": text}, headers={"Accept": "text/csv"})
                b = memory.post("/sparql", data={"query": text + " # mémoire"}, headers={"Accept": "text/csv"})
                assert a.status_code == b.status_code == 200 and a.text == b.text
    finally:
        stop_server(server)


def test_the_build_writes_the_database_when_the_data_is_large(tmp_path, monkeypatch):
    """Above the size served from memory, ``graphe build`` prepares the shared database in
    ``dist/oxigraph``, so that the server opens it without loading anything."""
    from graphe import diskstore
    from graphe.build import build
    from graphe.store import prepare_store

    monkeypatch.setattr(diskstore, "MEMORY_MAX_MB", 0)
    dist = tmp_path / "dist"
    build(dist)
    stamp = read_stamp(dist / "oxigraph")
    assert stamp and stamp["sha256"] == diskstore.file_digest(dist / "dataset.nq")
    assert diskstore.is_current(dist / "oxigraph", dist / "dataset.nq")
    settings = Settings(dist=dist)
    assert settings.store_spec == f"oxigraph:{dist / 'oxigraph'}"
    before = (dist / "oxigraph" / diskstore.STAMP).stat().st_mtime_ns
    prepare_store(settings.store_spec, settings.nquads)  # what serve does: nothing left to do
    assert (dist / "oxigraph" / diskstore.STAMP).stat().st_mtime_ns == before
