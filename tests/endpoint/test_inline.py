"""Queries a worker answered quickly are answered in the server process (graphe.inline),
with the worker's bytes, while runaway and crashing queries stay in killable workers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from graphe import guard
from graphe.errors import EngineCrashed, QueryTimeout
from graphe.executor import Executor, StoreConfig
from graphe.inline import Inline
from graphe.namespaces import prefixes
from graphe.project import current
from graphe.queries import NamedQuery

NEVER_ENDS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUICK = "SELECT ?c WHERE { ?c a cdv:Commune }"
HARDER = Path(__file__).parent / "queries"


def every_query() -> list[tuple[str, str]]:
    """Every named query (bound with its defaults, as /queries/{name} runs it) and the harder set."""
    found = [(p.stem, NamedQuery.from_file(p).bind({})) for p in sorted(current().queries.glob("*.rq"))]
    found += [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(HARDER.glob("*.rq"))]
    assert len(found) > 10
    return found


def run(coroutine):
    return asyncio.run(coroutine)


def executor(nquads: Path, limit_ms: float = 60_000.0, version: str = "v1", workers: int = 2) -> Executor:
    config = StoreConfig("oxigraph", nquads, prefixes())
    return Executor(config, workers=workers, inline=Inline(config, version, limit_ms))


async def until_open(ex: Executor) -> None:
    for _ in range(400):
        if ex.inline.store is not None:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("le magasin du processus serveur ne s'est pas ouvert")


def check(ex: Executor, text: str, **kwargs) -> guard.CheckedQuery:
    return guard.check(text, graphs=ex.graphs, prefixes=prefixes(), **kwargs)


def test_every_query_gives_the_workers_bytes_in_process(nquads):
    """Each query, in each format that fits it, first from a worker, then in process: the same
    Result (body, format, form, rows, truncated) — a row cap included."""
    texts = every_query()

    async def scenario():
        async with executor(nquads) as ex:
            pairs = []
            for name, text in texts:
                q = check(ex, text)
                formats = ["json", "xml", "csv", "tsv", "html"] if q.form in ("SELECT", "ASK") else ["turtle", "ntriples"]
                for fmt in formats:
                    for cap in (10_000, 3):
                        first = await ex.run(q, format=fmt, timeout=30, row_limit=cap)
                        await until_open(ex)
                        before = ex.inline.answered
                        second = await ex.run(q, format=fmt, timeout=30, row_limit=cap)
                        pairs.append((name, fmt, cap, first, second, ex.inline.answered - before))
            return pairs

    for name, fmt, cap, worker, here, answered in run(scenario()):
        assert answered == 1, (name, fmt, cap)  # the second answer did come from the server process
        assert here == worker, (name, fmt, cap)


def test_a_runaway_query_is_503_at_its_limit_while_a_known_one_is_answered(nquads, communes):
    async def scenario():
        async with executor(nquads, limit_ms=1_000) as ex:
            quick = check(ex, QUICK)
            await ex.run(quick, timeout=5)  # learnt from a worker
            await until_open(ex)
            slow = asyncio.ensure_future(ex.run(check(ex, NEVER_ENDS), timeout=1.0))
            await asyncio.sleep(0.1)
            answers = [await ex.run(quick, timeout=5) for _ in range(3)]
            still_running = not slow.done()
            with pytest.raises(QueryTimeout):
                await slow
            return answers, still_running, ex.inline.answered, ex.stats.timeouts

    answers, still_running, answered, timeouts = run(scenario())
    assert still_running and timeouts == 1 and answered == 3
    assert all(a.rows == len(communes) for a in answers)


def test_a_runaway_query_is_never_learnt(nquads):
    async def scenario():
        async with executor(nquads, limit_ms=60_000, workers=1) as ex:
            q = check(ex, NEVER_ENDS)
            for _ in range(2):  # the second time too, it goes to a worker and is killed
                with pytest.raises(QueryTimeout):
                    await ex.run(q, timeout=0.5)
            return len(ex.inline.known), ex.stats.timeouts

    assert run(scenario()) == (0, 2)


def test_a_crash_is_still_contained_and_never_learnt(nquads):
    async def scenario():
        async with executor(nquads, workers=1) as ex:
            deep = guard.CheckedQuery("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000, "SELECT")
            for _ in range(2):
                with pytest.raises(EngineCrashed):
                    await ex.run(deep, timeout=10)
            answer = await ex.run(check(ex, "ASK {}"), timeout=10)
            return answer.body, ex.stats.crashes, len(ex.inline.known)

    body, crashes, known = run(scenario())
    assert body == b'{"head":{},"boolean":true}' and crashes == 2 and known == 1  # only ASK {}


def test_slow_queries_stay_with_the_workers(nquads):
    """Above the limit (here: any query), nothing is learnt and nothing is answered in process."""
    async def scenario():
        async with executor(nquads, limit_ms=1e-6) as ex:
            q = check(ex, QUICK)
            for _ in range(3):
                await ex.run(q, timeout=5)
            return len(ex.inline.known), ex.inline.answered, ex.inline.store

    assert run(scenario()) == (0, 0, None)


def test_known_texts_are_keyed_by_dataset_version_graphs_format_and_cap(nquads):
    config = StoreConfig("oxigraph", nquads)
    q = guard.check(QUICK, graphs=["http://g/1"], prefixes=prefixes())
    named = guard.check(QUICK, graphs=["http://g/1"], prefixes=prefixes(), default_graph_uris=["http://g/1"])
    one, two = Inline(config, "version-1", 5), Inline(config, "version-2", 5)
    key = one.key(q, "json", 100)
    assert key != two.key(q, "json", 100)  # another dataset: learnt again
    assert len({key, one.key(q, "csv", 100), one.key(q, "json", 99), one.key(named, "json", 100)}) == 4
    with_comment = guard.Verdicts().check(QUICK + "\n# n1-2", graphs=["http://g/1"], prefixes=prefixes())
    assert one.key(with_comment, "json", 100) == key  # a trailing comment costs nothing more


def test_an_answer_slower_than_expected_goes_back_to_the_workers(nquads):
    async def scenario():
        async with executor(nquads) as ex:
            q = check(ex, QUICK)
            await ex.run(q, timeout=5)
            await until_open(ex)
            ex.inline.limit = 1e-9  # as if this text had become slow
            await ex.run(q, timeout=5)  # answered here, found too slow
            answered = ex.inline.answered
            await ex.run(q, timeout=5)  # from a worker again
            return answered, ex.inline.answered

    assert run(scenario()) == (1, 1)


def test_a_server_started_with_inline_answers_off_never_opens_a_store(nquads):
    async def scenario():
        async with Executor(StoreConfig("oxigraph", nquads), workers=1) as ex:
            await ex.run(guard.check("ASK {}", graphs=ex.graphs), timeout=5)
            return ex.inline

    assert run(scenario()) is None


@pytest.mark.parametrize("name,text", every_query())
def test_trailing_comment_lines_keep_the_verdict(name, text):
    """The verdict remembered for a text serves it with trailing comments, exactly as if checked."""
    graphs = ["https://w3id.org/contrats-de-ville/graphe/annexe-1", "https://w3id.org/contrats-de-ville/graphe/referentiel"]
    verdicts = guard.Verdicts()
    options = {"graphs": graphs, "prefixes": prefixes()}
    for tail in ("\n# n1-1", "\n# n1-2\n  #\tsuite", "\n#"):
        try:
            expected = guard.check(text + tail, **options)
        except guard.BadRequest as exc:
            with pytest.raises(type(exc), match="."):
                verdicts.check(text + tail, **options)
            continue
        assert verdicts.check(text + tail, **options) == expected


def test_a_limit_tighter_than_the_known_time_goes_to_a_worker(nquads):
    """timeout= below what the text took is enforced where it can be: in a killable worker."""
    async def scenario():
        async with executor(nquads) as ex:
            q = check(ex, QUICK)
            await ex.run(q, timeout=5)
            await until_open(ex)
            took = next(iter(ex.inline.known.values()))
            try:
                await ex.run(q, timeout=took / 2)  # sent to a worker: answered there in time, or 503
            except QueryTimeout:
                pass
            return ex.inline.answered

    assert run(scenario()) == 0
