"""What the endpoint tells its operators: Prometheus metrics and one log line per query.

Each app has its own metrics registry (two apps in one process, as in tests, do not share
counters). The log line is JSON, so that it can be grepped and parsed alike::

    {"event": "query", "hash": "3f1c…", "form": "SELECT", "format": "json", "status": 200,
     "rows": 12, "truncated": false, "ms": 3.1, "cache": "miss", "store": "oxigraph"}
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from bisect import bisect_left

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphe.journal import batch_of

query_log = logging.getLogger("graphe.query")

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_ROUTES = ("/sparql", "/queries", "/id", "/health", "/metrics", "/static", "/prefixes",
           "/ontologie", "/formes", "/graphe", "/void", "/dumps", "/.well-known")


def multiprocess_dir() -> str | None:
    """Set by ``graphe serve --processes N``: the metrics of all server processes are summed."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    """The counters, histograms and gauges of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        live = {"multiprocess_mode": "livesum"}
        self.requests = Counter(
            "graphe_http_requests", "Requêtes HTTP reçues, par route, méthode et statut",
            ["route", "method", "status"], registry=r,
        )
        self.latency = Histogram(
            "graphe_http_request_duration_seconds", "Durée des réponses HTTP, par route",
            ["route"], buckets=_BUCKETS, registry=r,
        )
        self.queries = Counter(
            "graphe_queries", "Requêtes SPARQL traitées, par forme et issue",
            ["form", "outcome"], registry=r,
        )
        self.query_latency = Histogram(
            "graphe_query_duration_seconds", "Durée des requêtes SPARQL (évaluation et écriture)",
            buckets=_BUCKETS, registry=r,
        )
        self.timeouts = Counter("graphe_query_timeouts", "Requêtes arrêtées au délai", registry=r)
        self.errors = Counter(
            "graphe_query_errors", "Requêtes SPARQL en erreur, par statut HTTP", ["status"], registry=r
        )
        self.crashes = Counter("graphe_engine_crashes", "Processus de requêtes morts en cours de requête", registry=r)
        self.truncated = Counter("graphe_results_truncated", "Réponses coupées au plafond de lignes", registry=r)
        self.cache_hits = Counter("graphe_cache_hits", "Réponses servies par le cache", registry=r)
        self.not_modified = Counter("graphe_not_modified", "Réponses 304 (If-None-Match)", registry=r)
        self.workers_busy = Gauge("graphe_workers_busy", "Processus de requêtes occupés", registry=r, **live)
        self.workers = Gauge("graphe_workers", "Processus de requêtes", registry=r, **live)
        self._children: dict = {}

    def exposition(self) -> bytes:
        """The Prometheus text of this app, or of every server process in multiprocess mode."""
        self.flush()
        if multiprocess_dir():
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)

    def child(self, metric, *labels):
        """``metric.labels(*labels)`` (the metric itself without labels), kept: labelling costs
        more than counting. In one server process, a :class:`Tally` in front of it."""
        key = (id(metric), labels)
        found = self._children.get(key)
        if found is None:
            found = metric.labels(*labels) if labels else metric
            if not multiprocess_dir() and (isinstance(found, Counter) or hasattr(found, "_buckets")):
                found = Tally(found)
            self._children[key] = found
        return found

    def flush(self) -> None:
        """Add what the tallies counted to the metrics (before they are read)."""
        for found in list(self._children.values()):
            if isinstance(found, Tally):
                found.flush()


class Tally:
    """A metric's counts kept in plain numbers on the request's path, added to it when the metrics
    are read (:meth:`Metrics.flush`): a Prometheus ``inc`` or ``observe`` takes a lock and checks
    its arguments, a few µs per request for four of them. Not with several server processes,
    whose metrics are summed from files that must be up to date (``multiprocess_dir``)."""

    __slots__ = ("metric", "count", "total", "buckets", "bounds")

    def __init__(self, metric):
        self.metric = metric
        self.count = 0
        self.total = 0.0
        self.bounds = getattr(metric, "_upper_bounds", None)  # a histogram's (+Inf last)
        self.buckets = [0] * len(self.bounds) if self.bounds is not None else None

    def inc(self, amount: float = 1) -> None:
        self.count += amount

    def observe(self, amount: float) -> None:
        self.buckets[bisect_left(self.bounds, amount)] += 1  # the first bucket whose bound holds it
        self.total += amount

    def flush(self) -> None:
        if self.buckets is None:
            count, self.count = self.count, 0
            if count:
                self.metric.inc(count)
            return
        buckets, self.buckets = self.buckets, [0] * len(self.bounds)
        total, self.total = self.total, 0.0
        if any(buckets):
            self.metric._sum.inc(total)
            for value, n in zip(self.metric._buckets, buckets):
                if n:
                    value.inc(n)


def route_of(path: str) -> str:
    for route in _ROUTES:
        if path == route or path.startswith(route + "/"):
            return route
    return "autre"


class MetricsMiddleware:
    """Counts every HTTP request and its duration (pure ASGI: no per-request task)."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = route_of(scope["path"])
            m = self.metrics
            m.child(m.requests, route, scope["method"], str(status[0])).inc()
            m.child(m.latency, route).observe(time.perf_counter() - start)


def query_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def log_query(**fields) -> None:
    """One JSON line for one query (handed straight to graphe serve's batch, graphe.journal)."""
    if query_log.isEnabledFor(logging.INFO):
        line = json_line(fields)
        batch = batch_of(query_log)
        if batch is not None:
            batch.add(line)
        else:
            query_log.info(line)


def log_answer(hash: str, form, fmt, status: int, rows, truncated, ms: float, cache, store: str) -> None:
    """:func:`log_query` for a query that was answered (no error): the very same line, its
    fields written at once in their order (the hot path logs every query)."""
    if query_log.isEnabledFor(logging.INFO):
        line = (f'{{"event": "query", "hash": {_value(hash)}, "form": {_value(form)}, "format": {_value(fmt)}, '
                f'"status": {_value(status)}, "rows": {_value(rows)}, "truncated": {_value(truncated)}, '
                f'"ms": {_value(ms)}, "cache": {_value(cache)}, "store": {_value(store)}}}')
        batch = batch_of(query_log)
        if batch is not None:
            batch.add(line)
        else:
            query_log.info(line)


def json_line(fields: dict) -> str:
    """``json.dumps({"event": "query", **fields}, ensure_ascii=False)``, the same text, written
    value by value: the log's values are plain (names, numbers, hashes), and json's general
    encoder cost more than the rest of the line's work.

    >>> json_line({"hash": "ab", "rows": 3, "ms": 0.5, "truncated": False, "cache": None, "error": 'a "b"'})
    '{"event": "query", "hash": "ab", "rows": 3, "ms": 0.5, "truncated": false, "cache": null, "error": "a \\\\"b\\\\""}'
    """
    return "".join(['{"event": "query"', *[f', "{key}": {_value(value)}' for key, value in fields.items()], "}"])


def _value(value) -> str:
    """One value as ``json.dumps(value, ensure_ascii=False)`` writes it."""
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is str and _PLAIN.search(value) is None:
        return f'"{value}"'
    if kind is int or (kind is float and abs(value) < _INFINITY):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


#: what json escapes in a string (ensure_ascii=False): quotes, backslashes, control characters
_PLAIN = re.compile(r'["\\\x00-\x1f]')
_INFINITY = float("inf")
