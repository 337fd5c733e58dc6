"""The stores used directly, and the worker pool (timeouts, crashes, replacement, both cores)."""

from __future__ import annotations

import asyncio
import json
import os
import time

import pytest

from graphe import guard
from graphe.errors import BadRequest, DataError, MemoryExceeded, QueryTimeout
from graphe.executor import Busy, EngineCrashed, Executor, StoreConfig
from graphe.store import OxigraphStore, dataset_version, file_digest, make_store

NEVER_ENDS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "SELECT ?c WHERE { ?c a cdv:Commune }"


@pytest.fixture(params=["oxigraph", "rdflib"])
def store(request, oxigraph_store, rdflib_store):
    return oxigraph_store if request.param == "oxigraph" else rdflib_store


def test_row_limit_and_format_fallback(store, communes):
    result = store.query("SELECT * WHERE { ?s ?p ?o }", row_limit=7, format="csv")
    assert result.rows == 7 and result.truncated and len(result.body.splitlines()) == 8
    whole = store.query(QUICK, row_limit=7)
    assert whole.rows == len(communes) and not whole.truncated and whole.format == "json"
    graph = store.query("CONSTRUCT WHERE { ?s a ?c }", format="csv", row_limit=3)
    assert graph.format == "turtle" and graph.rows == 3 and graph.form == "CONSTRUCT"


def test_syntax_errors_are_bad_requests_with_a_position(store):
    with pytest.raises(BadRequest, match="invalide") as info:
        store.query("SELECT ?s WHERE { ?s ?p }")
    assert any(ch.isdigit() for ch in str(info.value))


def test_the_in_process_deadline(oxigraph_store):
    """In-process, the deadline is checked between rows (the executor kills for real)."""
    with pytest.raises(QueryTimeout, match=r"\(0\.3 s\)"):
        oxigraph_store.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", timeout=0.3, row_limit=None)


def test_on_disk_oxigraph(nquads, oxigraph_store, tmp_path):
    disk = make_store(f"oxigraph:{tmp_path / 'base'}")
    disk.prepare(nquads)
    stamp = (tmp_path / "base" / "graphe-source.json").read_text()
    disk.load(nquads)  # read-only open of what prepare wrote
    assert disk.count() == oxigraph_store.count() and disk.size() == oxigraph_store.size()
    assert disk.graphs() == oxigraph_store.graphs()
    assert sorted(disk.query(QUICK, format="csv").body.split()) == sorted(oxigraph_store.query(QUICK, format="csv").body.split())
    make_store(f"oxigraph:{tmp_path / 'base'}").prepare(nquads)  # same source: kept as is
    assert (tmp_path / "base" / "graphe-source.json").read_text() == stamp
    assert dataset_version(f"oxigraph:{tmp_path / 'base'}", nquads) == file_digest(nquads)
    copy = tmp_path / "autre.nq"  # another file: the database is rebuilt from it
    copy.write_bytes(nquads.read_bytes() + b'<http://x/a> <http://x/p> "1" <https://w3id.org/contrats-de-ville/graphe/annexe-1> .\n')
    make_store(f"oxigraph:{tmp_path / 'base'}").prepare(copy)
    assert json.loads((tmp_path / "base" / "graphe-source.json").read_text())["sha256"] == file_digest(copy)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".base")]  # no half-built leftovers


def test_unreadable_dumps_are_data_errors(tmp_path):
    bad = tmp_path / "d.nq"
    bad.write_text("ceci n'est pas du N-Quads\n")
    for spec in ("oxigraph", "rdflib"):
        with pytest.raises(DataError, match="N-Quads"):
            make_store(spec).load(bad)


# --- the executor ----------------------------------------------------------------------------


def run(coroutine):
    return asyncio.run(coroutine)


def test_timeout_kills_and_replaces_the_worker(nquads, communes):
    async def scenario():
        async with Executor(StoreConfig("oxigraph", nquads), workers=2) as ex:
            graphs = ex.graphs
            slow = asyncio.ensure_future(ex.run(guard.check(NEVER_ENDS, graphs=graphs), timeout=1.0))
            await asyncio.sleep(0.1)
            quick = await ex.run(guard.check(QUICK, graphs=graphs, prefixes=_cdv()), timeout=5)
            answered_while_slow_ran = not slow.done()
            with pytest.raises(QueryTimeout, match=r"\(1 s\)"):
                await slow
            for _ in range(100):
                if ex.alive == 2 and ex.busy == 0:
                    break
                await asyncio.sleep(0.05)
            return quick.rows, answered_while_slow_ran, ex.stats, ex.alive

    rows, answered_while_slow_ran, stats, alive = run(scenario())
    assert rows == len(communes) and answered_while_slow_ran  # one stuck query does not hold the others
    assert stats.timeouts == 1 and stats.started == 3 and alive == 2


def test_busy_when_every_worker_is_taken(nquads):
    async def scenario():
        async with Executor(StoreConfig("oxigraph", nquads), workers=1) as ex:
            slow = asyncio.ensure_future(ex.run(guard.check(NEVER_ENDS, graphs=ex.graphs), timeout=2))
            await asyncio.sleep(0.1)
            with pytest.raises(Busy):
                await ex.run(guard.check("ASK {}", graphs=ex.graphs), timeout=0.3)
            with pytest.raises(QueryTimeout):
                await slow

    run(scenario())


def test_a_crash_costs_one_query(nquads):
    async def scenario():
        async with Executor(StoreConfig("oxigraph", nquads), workers=1) as ex:
            deep = guard.CheckedQuery("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000, "SELECT")
            with pytest.raises(EngineCrashed):
                await ex.run(deep, timeout=5)
            answer = await ex.run(guard.check("ASK {}", graphs=ex.graphs), timeout=5)
            return answer.body, ex.stats.crashes

    body, crashes = run(scenario())
    assert json.loads(body)["boolean"] is True and crashes == 1


def test_memory_exhaustion_costs_one_query(nquads):
    """A query past its worker's memory cap is stopped and answered 503 in French; the next
    query is served by a fresh worker."""
    query = "SELECT ?a ?b ?c WHERE { ?a ?p ?b . ?c ?q ?d } ORDER BY ?a ?b ?c ?d"

    async def scenario():
        config = StoreConfig("oxigraph", nquads, memory_limit=400 * 2**20)
        async with Executor(config, workers=1) as ex:
            with pytest.raises(MemoryExceeded) as info:
                await ex.run(guard.check(query, graphs=ex.graphs), timeout=60)
            answer = await ex.run(guard.check("ASK {}", graphs=ex.graphs), timeout=10)
            return info.value, answer.body

    exc, body = run(scenario())
    assert exc.status == 503 and "mémoire dépassée" in str(exc) and "400 Mo" in str(exc)
    assert json.loads(body)["boolean"] is True


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_concurrent_queries_use_both_workers(nquads):
    """Two CPU-heavy queries at once are evaluated by two processes, each busy with one
    (so the OS runs them on both cores); timing them would depend on the machine's load."""
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a a ?b . ?c ?p ?d }"

    async def scenario():
        async with Executor(StoreConfig("oxigraph", nquads), workers=2) as ex:
            pids = [w.process.pid for w in ex._all]
            q = guard.check(heavy, graphs=ex.graphs)
            before = [_cpu_seconds(p) for p in pids]
            t0 = time.monotonic()
            await asyncio.gather(ex.run(q, timeout=120), ex.run(q, timeout=120))
            wall = time.monotonic() - t0
            return wall, [_cpu_seconds(p) - b for p, b in zip(pids, before)]

    wall, cpu = run(scenario())
    assert min(cpu) > 0.3 * max(cpu) and min(cpu) > 0.05, (wall, cpu)


def test_a_dataset_that_cannot_load_stops_the_start(tmp_path):
    bad = tmp_path / "d.nq"
    bad.write_text("<x> <y> .\n")

    async def scenario():
        async with Executor(StoreConfig("oxigraph", bad), workers=1):
            pass

    with pytest.raises(DataError, match="chargement"):
        run(scenario())


def _cdv():
    return {"cdv": "https://w3id.org/contrats-de-ville/ontologie#"}


def test_make_store():
    assert isinstance(make_store("oxigraph"), OxigraphStore)
    with pytest.raises(BadRequest, match="magasin inconnu"):
        make_store("rdflib:/tmp/x")
