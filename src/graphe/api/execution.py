"""A checked query made a reply: ETag and 304, the answer cache, evaluation, headers, the log
line and the metrics — the same steps for ``/sparql`` (graphe.api.sparql), its lanes
(graphe.api.quick) and the named questions (graphe.api.named).

:func:`execute` awaits the evaluation; :func:`revalidate` and :func:`answered`, the steps
before and after it, are also what :func:`graphe.api.sparql.answer_at_once` runs when the
evaluation needs no waiting.
"""

from __future__ import annotations

import time

from graphe import formats, guard
from graphe.api.exchange import Reply, Req
from graphe.api.http import Cached, etag_for, not_modified, validators
from graphe.api.observe import log_answer, log_query, query_hash
from graphe.errors import EngineCrashed, GrapheError, QueryTimeout


def no_cache(req: Req) -> bool:
    """The client asked that no cache answer for the origin (``Cache-Control: no-cache``)."""
    value = req.headers.get("cache-control", "") + req.headers.get("pragma", "")
    return "no-cache" in value or "no-store" in value


async def execute(
    rt, req: Req, checked: guard.CheckedQuery, fmt: formats.Format, timeout_param: str | None,
    start: float, text: str, *, wrap=None, ready=None,
) -> Reply:
    """Run a checked query in ``fmt`` with ETag, cache, headers, log line and metrics.

    ``wrap`` (named queries' HTML) makes the final body; ``ready``: the build's answer (graphe.precomputed).
    """
    timeout = rt.timeout_for(timeout_param)
    early, headers, bypass = revalidate(rt, req, checked, fmt, start, text)
    if early is not None:
        return early
    result = ready or await rt.executor.run(checked, format=fmt.name, timeout=timeout, row_limit=rt.settings.row_limit)
    return answered(rt, checked, fmt, start, text, result, headers, bypass, wrap, ready)


def revalidate(rt, req: Req, checked: guard.CheckedQuery, fmt: formats.Format, start: float, text: str):
    """``(reply, headers, bypass)``: the reply when the client or the answer cache already holds the
    answer (304, a hit); otherwise None, the validators the answer will carry, and whether the
    client asked that no cache answer."""
    etag = etag_for(
        rt.version, checked.text, checked.default_graphs, checked.named_graphs, fmt.name, rt.settings.row_limit,
        req.path,
    )
    headers = validators(etag, rt.settings.max_age)
    if req.method in ("GET", "HEAD") and not_modified(req.headers, etag):
        rt.metrics.not_modified.inc()
        log_line(rt, text, checked.form, fmt.name, 304, None, None, start, "304")
        return Reply(304, headers=headers), headers, False
    bypass = no_cache(req)
    cached = None if bypass or rt.cache.max_bytes <= 0 else rt.cache.get(etag)
    if cached is not None:
        rt.metrics.cache_hits.inc()
        headers.update(cached.headers)
        log_line(rt, text, checked.form, fmt.name, 200, headers.get("X-Rows"), "X-Truncated" in headers, start, "hit")
        return Reply(200, cached.body, cached.media_type, headers, cached.gzipped), headers, bypass
    return None, headers, bypass


def answered(rt, checked: guard.CheckedQuery, fmt: formats.Format, start: float, text: str, result,
              headers: dict[str, str], bypass: bool, wrap, ready) -> Reply:
    """The reply for an evaluated query: its headers, the answer cache fed, the log line and metrics."""
    elapsed = time.perf_counter() - start
    out = {"X-Rows": str(result.rows)}
    if result.truncated:
        out["X-Row-Limit"] = str(rt.settings.row_limit)
        out["X-Truncated"] = "true"
        rt.metrics.truncated.inc()
    actual = format_named(result.format, fmt)
    body = wrap(result) if wrap else result.body
    media_type = "text/html; charset=utf-8" if wrap and actual.name == "html" else actual.content_type
    headers.update(out)
    headers["Server-Timing"] = f"requete;dur={elapsed * 1000:.1f}" + (", precalcul" if ready is not None else "")
    if rt.cache.max_bytes > 0 and not bypass and ready is None:  # a precomputed answer is read from its file
        rt.cache.put(headers["ETag"], Cached(body, media_type, tuple(out.items())))
    rt.metrics.child(rt.metrics.queries, result.form, "ok").inc()
    if ready is None:  # the engine's latency, not a file's
        rt.metrics.child(rt.metrics.query_latency).observe(elapsed)
    how = "precalcul" if ready is not None else "bypass" if bypass else "miss"
    log_line(rt, text, result.form, actual.name, 200, result.rows, result.truncated, start, how)
    return Reply(200, body, media_type, headers)


def format_named(name: str, asked: formats.Format) -> formats.Format:
    if name == asked.name:
        return asked
    for fmt in formats.SOLUTIONS + formats.GRAPH + [formats.HTML]:
        if fmt.name == name:
            return fmt
    return asked


def count_failure(rt, exc: GrapheError, form, text: str, start: float) -> None:
    rt.metrics.queries.labels(form or "?", type(exc).__name__).inc()
    rt.metrics.errors.labels(str(exc.status)).inc()
    if isinstance(exc, QueryTimeout):
        rt.metrics.timeouts.inc()
    if isinstance(exc, EngineCrashed):
        rt.metrics.crashes.inc()
    log_line(rt, text, form, None, exc.status, None, None, start, None, error=str(exc)[:200])


def log_line(rt, text, form, fmt, status, rows, truncated, start, cache, **extra) -> None:
    if not extra:
        log_answer(query_hash(text), form, fmt, status, int(rows) if rows is not None else None, truncated,
                   round((time.perf_counter() - start) * 1000, 2), cache, rt.settings.store)
        return
    log_query(
        hash=query_hash(text), form=form, format=fmt, status=status,
        rows=int(rows) if rows is not None else None, truncated=truncated,
        ms=round((time.perf_counter() - start) * 1000, 2), cache=cache, store=rt.settings.store,
        **extra,
    )
