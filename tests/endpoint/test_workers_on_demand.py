"""Query processes started on demand (Executor(at_start=…), graphe serve --workers-at-start):
one at first, another as soon as a query finds none free, never more than ``workers``."""

from __future__ import annotations

import asyncio

import pytest

from graphe import guard
from graphe.errors import QueryTimeout
from graphe.executor import Executor, StoreConfig
from graphe.namespaces import prefixes

NEVER_ENDS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "SELECT ?c WHERE { ?c a cdv:Commune }"


def test_a_stuck_query_gets_a_second_worker_started_for_the_next(nquads, communes):
    async def scenario():
        async with Executor(StoreConfig("oxigraph", nquads), workers=2, at_start=1) as ex:
            alone = ex.alive
            slow = asyncio.ensure_future(ex.run(guard.check(NEVER_ENDS, graphs=ex.graphs), timeout=3))
            await asyncio.sleep(0.2)
            quick = await ex.run(guard.check(QUICK, graphs=ex.graphs, prefixes=prefixes()), timeout=10)
            answered_while_slow_ran = not slow.done()
            with pytest.raises(QueryTimeout):
                await slow
            for _ in range(200):  # the killed one is replaced: back to two, never three
                if ex.alive == 2 and ex.busy == 0:
                    break
                await asyncio.sleep(0.05)
            again = [await ex.run(guard.check(QUICK, graphs=ex.graphs, prefixes=prefixes()), timeout=10)
                     for _ in range(3)]
            return alone, quick.rows, answered_while_slow_ran, ex.alive, ex.stats.started, again

    alone, rows, answered_while_slow_ran, alive, started, again = asyncio.run(scenario())
    assert alone == 1 and rows == len(communes) and answered_while_slow_ran
    assert alive == 2 and started == 3  # the first, the one started on demand, the replacement
    assert all(a.rows == len(communes) for a in again)


def test_sequential_queries_need_one_worker(nquads):
    async def scenario():
        async with Executor(StoreConfig("oxigraph", nquads), workers=2, at_start=1) as ex:
            for i in range(5):
                await ex.run(guard.check(f"ASK {{}} # {i}", graphs=ex.graphs), timeout=10)
            return ex.alive, ex.stats.started

    assert asyncio.run(scenario()) == (1, 1)
