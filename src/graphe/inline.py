"""Answering in the server process the queries a worker has already answered quickly.

A round trip to a query worker (a socket write, two process wake-ups, a pickle each way) costs
~300 µs of CPU, ten times what the engine needs for a typical small query. The worker is
there for the queries that may not end (killed at the time limit) or may crash or exhaust
memory; a query it has just answered in a few milliseconds on this very dataset is none of
those: the data is read-only, so evaluating the same text again costs the same. Such queries
(:class:`Inline` remembers them in a bounded LRU, keyed by the dataset's version, the text
without its trailing comment lines, the graphs, the format and the row cap) are evaluated by
the server process itself, on its own read-only copy of the store; everything new or slow
still goes to a killable worker.

What could still go wrong, and what is done about it:

- a text whose cost varies between runs (``RAND()`` in a filter, ``NOW()``): an in-process
  answer slower than :data:`OVERRUN` × the limit puts the text back on the worker path;
- an engine error (a panic is a BaseException) is turned into the same French error the worker
  would send, and the text is forgotten;
- the engine releases the GIL while it evaluates, but the event loop waits for it: the limit
  (``Settings.inline_ms``, 5 ms by default) bounds that wait.

Only Oxigraph stores (in memory or on disk) qualify: rdflib holds the GIL and is slow, a
remote store has no local copy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

import pyoxigraph as ox

from graphe import guard, results
from graphe.engine_errors import engine_error
from graphe.errors import BadRequest, GrapheError, QueryFailed
from graphe.store import OxigraphStore, Result, Store, make_store
from graphe.worker import StoreConfig

log = logging.getLogger("graphe.executor")

#: an in-process answer this many times slower than the limit sends its text back to the workers
OVERRUN = 4.0


class Inline:
    """The texts answered quickly by a worker, and the server process's own store."""

    def __init__(self, config: StoreConfig, version: str, limit_ms: float, size: int = 4096, max_text: int = 8192):
        self.config = config
        self.version = version
        self.limit = limit_ms / 1000
        self.size, self.max_text = size, max_text
        self.known: OrderedDict[tuple, float] = OrderedDict()  # key → the worker's time (s)
        self.store: Store | None = None
        self.answered = 0  # answers given in process (for tests and metrics)
        self._loading: asyncio.Task | None = None

    @staticmethod
    def eligible(config: StoreConfig) -> bool:
        """Can the server process hold its own copy of this store?"""
        try:
            return isinstance(make_store(config.spec), OxigraphStore)
        except GrapheError:
            return False

    def key(self, query: guard.CheckedQuery, fmt: str | None, row_limit: int | None) -> tuple | None:
        """What an answer's cost depends on; None for texts too long to remember."""
        text = query.text
        if len(text) > self.max_text:
            return None
        return (self.version, text[: guard.comment_tail(text)], query.default_graphs, query.named_graphs,
                query.base, fmt, row_limit)

    def ready_for(self, key: tuple | None, timeout: float | None = None) -> bool:
        """Is ``key`` known to be fast (within ``timeout`` too), and the local store open?"""
        if key is None or self.store is None:
            return False
        seconds = self.known.get(key)
        if seconds is None or (timeout is not None and seconds >= timeout):
            return False  # a client's tighter limit is the worker's to enforce
        self.known.move_to_end(key)
        return True

    def learn(self, key: tuple | None, seconds: float) -> None:
        """A worker answered ``key`` in ``seconds``: remember it if under the limit."""
        if key is None or seconds > self.limit:
            return
        self.known[key] = seconds
        self.known.move_to_end(key)
        if len(self.known) > self.size:
            self.known.popitem(last=False)
        if self.store is None and self._loading is None:
            self._loading = asyncio.get_running_loop().create_task(self._open())

    def forget(self, key: tuple) -> None:
        self.known.pop(key, None)

    async def _open(self) -> None:
        """Open (on disk) or load (in memory) the server's own copy, off the event loop."""
        config = self.config

        def load() -> Store:
            return make_store(config.spec, prefixes=config.prefixes, limits=config.limits).load(config.nquads)

        try:
            self.store = await asyncio.get_running_loop().run_in_executor(None, load)
        except (GrapheError, OSError, MemoryError) as exc:
            log.warning("pas de réponse dans le processus serveur : magasin illisible (%s).", exc)

    def run(self, key: tuple, query: guard.CheckedQuery, fmt: str | None, row_limit: int | None) -> Result:
        """Evaluate ``query`` here, as the worker would (same call, same bytes)."""
        assert self.store is not None
        start = time.perf_counter()
        try:
            result = None
            if fmt == "json" and query.form == "SELECT" and query.default_graphs is None:
                result = self._select_json(query, row_limit)
            if result is None:
                result = self.store.query(query, format=fmt, row_limit=row_limit)
        except GrapheError:
            self.forget(key)
            raise
        except (SystemExit, KeyboardInterrupt, asyncio.CancelledError):
            raise
        except BaseException as exc:  # noqa: BLE001 - as in the worker: a Rust panic is a BaseException
            self.forget(key)
            raise QueryFailed(f"erreur du moteur : {type(exc).__name__}: {exc}") from None
        elapsed = time.perf_counter() - start
        if elapsed > OVERRUN * self.limit:
            self.forget(key)
            log.warning("requête plus lente que prévu dans le processus serveur (%.1f ms) : "
                        "elle retourne aux processus de requêtes.", elapsed * 1000)
        self.answered += 1
        return result

    def _select_json(self, query: guard.CheckedQuery, row_limit: int | None) -> Result | None:
        """A SELECT in SPARQL JSON as OxigraphStore.query writes it, without its general steps
        (the answer's variables and rows made Python objects, never read on this path: ~8 µs of
        a ~90 µs request); None past what Oxigraph writes at once (the store's path then)."""
        engine = self.store.engine  # the OxigraphStore this class opened (eligible())
        try:
            solutions = engine.query(query.text, prefixes=query.prefixes or None, base_iri=query.base,
                                     use_default_graph_as_union=True)
        except SyntaxError as exc:  # as OxigraphStore._evaluate maps them
            raise BadRequest(f"requête SPARQL invalide : {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise engine_error(exc) from None
        if not isinstance(solutions, ox.QuerySolutions):
            return None
        written = results.engine_json(solutions, row_limit if row_limit is not None and row_limit >= 0 else None)
        return None if written is None else Result(written[0], "json", "SELECT", written[1], written[2])

    def close(self) -> None:
        if self._loading is not None:
            self._loading.cancel()
        self.store = None
