"""``/sparql``: the SPARQL 1.1 Protocol query operation, and the service description.

- GET ``?query=``, POST ``application/x-www-form-urlencoded`` and POST
  ``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` select among the
  dataset's graphs and override the query's FROM clauses.
- The answer's format comes from ``format=`` (for links) or the ``Accept`` header; 406 when
  nothing acceptable fits the query form.
- Without a query: the service description as RDF, or the query page for a browser (also for
  a browser following a permalink ``/sparql?query=…``: the page runs it).
- Updates are refused whatever way they come (``update=``, ``application/sparql-update``,
  an Update in ``query=``): the service is read-only.

This is the hot path, so it is a plain ASGI app (:class:`SparqlEndpoint`) that the app calls
before FastAPI's routing and middleware stack: it does its own CORS, gzip, size limits,
metrics and error bodies, with the same helpers as the rest of the API. The protocol logic
itself works on a small :class:`Req` and returns a :class:`Reply`, so the named queries
(a FastAPI route) share it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from graphe import formats, guard, results
from graphe.api import service
from graphe.api.form import parse_form
from graphe.api.http import Cached, error_body, etag_for, not_modified, request_headers, validators
from graphe.api.observe import log_answer, log_query, query_hash
from graphe.api.transfer import gzip_body as _gzip
from graphe.api.transfer import read_body as _read_body
from graphe.errors import (
    BadRequest,
    EngineCrashed,
    GrapheError,
    MethodNotAllowed,
    PayloadTooLarge,
    QueryTimeout,
    Refused,
    UnsupportedMediaType,
    UriTooLong,
)
from graphe.negotiation import Negotiated

log = logging.getLogger("graphe.api")

_UPDATE_REFUSED = "SPARQL Update est refusé : ce service est en lecture seule."
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
#: Response headers a browser script may read (CORS).
EXPOSED_HEADERS = "ETag, X-Rows, X-Row-Limit, X-Truncated, Server-Timing"
_COMPRESSIBLE = ("text/", "application/sparql-results", "application/json", "application/ld+json",
                 "application/n-triples", "application/rdf+xml", "application/xml")


@dataclass
class Req:
    """What the protocol needs of an HTTP request."""

    method: str
    path: str
    params: list[tuple[str, str]]  # the query string, in order, repeated names kept
    headers: dict[str, str]  # lower-case names
    url: str  # scheme://host/path, for the service description
    body: bytes = b""
    #: The answer's format, decided once for the request (a form POST renews it with its body's format=).
    negotiated: Negotiated = field(default=None)

    def __post_init__(self) -> None:
        if self.negotiated is None:
            self.negotiated = Negotiated(self.headers.get("accept"), self.get("format"), pages=False)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.params if k == name]

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.params)


@dataclass
class Reply:
    status: int
    body: bytes = b""
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    gzipped: bytes | None = None  # the body already compressed (from the cache)


# --- the protocol ----------------------------------------------------------------------------


async def handle(rt, req: Req) -> Reply:
    """One request to ``/sparql`` (GET, HEAD or POST)."""
    if req.method in ("GET", "HEAD"):
        if req.has("update"):
            raise Refused(_UPDATE_REFUSED)
        texts = req.all("query")
        if len(texts) > 1:
            raise BadRequest("deux paramètres « query » : un seul est permis.")
        if not texts:
            if req.has("default-graph-uri") or req.has("named-graph-uri"):
                raise BadRequest("paramètre « query » manquant : un jeu de données est donné sans requête.")
            return describe(rt, req)
        return await answer(
            rt, req, texts[0], req.all("default-graph-uri"), req.all("named-graph-uri"),
            req.get("timeout"), page_for_browsers=True,
        )
    media_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/sparql-update":
        raise Refused(_UPDATE_REFUSED)
    if media_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        raise UnsupportedMediaType(
            f"type de contenu non pris en charge : {media_type or 'absent'} ; envoyez "
            "application/x-www-form-urlencoded (query=…) ou application/sparql-query."
        )
    try:
        text = req.body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("le corps de la requête n'est pas en UTF-8.") from None
    if req.has("update"):
        raise Refused(_UPDATE_REFUSED)
    if media_type == "application/sparql-query":
        if req.has("query"):
            raise BadRequest("deux requêtes : dans le corps et dans le paramètre « query ».")
        params = req.params
    else:
        params = parse_form(text) + req.params
        if any(k == "update" for k, _ in params):
            raise Refused(_UPDATE_REFUSED)
        texts = [v for k, v in params if k == "query"]
        if len(texts) > 1:
            raise BadRequest("deux paramètres « query » : un seul est permis.")
        if not texts:
            raise BadRequest("paramètre « query » manquant.")
        text = texts[0]

    def values(name: str) -> list[str]:
        return [v for k, v in params if k == name]

    req.negotiated = Negotiated(req.headers.get("accept"), next(iter(values("format")), None), pages=False)
    return await answer(
        rt, req, text, values("default-graph-uri"), values("named-graph-uri"),
        next(iter(values("timeout")), None),
        page_for_browsers=False,
    )


#: Every answer format /sparql offers (the query page competes with them).
_ANSWERS = [*formats.SOLUTIONS, *formats.GRAPH]


async def answer(
    rt, req: Req, text: str, default_graph_uris: list[str], named_graph_uris: list[str],
    timeout_param: str | None, *, page_for_browsers: bool,
) -> Reply:
    """Check, negotiate, then run one query (or answer from the cache, or 304)."""
    start = time.perf_counter()
    form = None
    # A browser following a permalink gets the page, which runs the query and shows its answer,
    # or its error in place: decided before the check, so a refused query is shown there too.
    if page_for_browsers and req.negotiated.page(_ANSWERS):
        return query_page(rt, req)
    try:
        checked = await rt.check(text, default_graph_uris, named_graph_uris)
        form = checked.form
        fmt = req.negotiated.answer(formats.offers_for(form))
        return await execute(rt, req, checked, fmt, timeout_param, start, text)
    except GrapheError as exc:
        count_failure(rt, exc, form, text, start)
        raise


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
    row_limit = rt.settings.row_limit
    etag = etag_for(
        rt.version, checked.text, checked.default_graphs, checked.named_graphs, fmt.name, row_limit, req.path,
    )
    headers = validators(etag, rt.settings.max_age)
    if req.method in ("GET", "HEAD") and not_modified(req.headers, etag):
        rt.metrics.not_modified.inc()
        _log(rt, text, checked.form, fmt.name, 304, None, None, start, "304")
        return Reply(304, headers=headers)
    bypass = no_cache(req)
    use_cache = rt.cache.max_bytes > 0
    cached = None if bypass or not use_cache else rt.cache.get(etag)
    if cached is not None:
        rt.metrics.cache_hits.inc()
        headers.update(cached.headers)
        _log(rt, text, checked.form, fmt.name, 200, headers.get("X-Rows"), "X-Truncated" in headers, start, "hit")
        return Reply(200, cached.body, cached.media_type, headers, cached.gzipped)
    result = ready or await rt.executor.run(checked, format=fmt.name, timeout=timeout, row_limit=row_limit)
    elapsed = time.perf_counter() - start
    out = {"X-Rows": str(result.rows)}
    if result.truncated:
        out["X-Row-Limit"] = str(row_limit)
        out["X-Truncated"] = "true"
        rt.metrics.truncated.inc()
    actual = format_named(result.format, fmt)
    body = wrap(result) if wrap else result.body
    media_type = "text/html; charset=utf-8" if wrap and actual.name == "html" else actual.content_type
    headers.update(out)
    headers["Server-Timing"] = f"requete;dur={elapsed * 1000:.1f}" + (", precalcul" if ready is not None else "")
    if use_cache and not bypass and ready is None:  # a precomputed answer is read from its file
        rt.cache.put(etag, Cached(body, media_type, tuple(out.items())))
    rt.metrics.child(rt.metrics.queries, result.form, "ok").inc()
    if ready is None:  # the engine's latency, not a file's
        rt.metrics.child(rt.metrics.query_latency).observe(elapsed)
    how = "precalcul" if ready is not None else "bypass" if bypass else "miss"
    _log(rt, text, result.form, actual.name, 200, result.rows, result.truncated, start, how)
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
    _log(rt, text, form, None, exc.status, None, None, start, None, error=str(exc)[:200])


def _log(rt, text, form, fmt, status, rows, truncated, start, cache, **extra) -> None:
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


# --- without a query: the service description or the page ---------------------------------


def query_page(rt, req: Req) -> Reply:
    """The query page (``static/query.html``), or a minimal one while it does not exist."""
    page = rt.settings.static_dir / "query.html"
    if not page.is_file():
        page = rt.settings.templates_dir / "requete-minimale.html"
    stat = page.stat()
    etag = etag_for(rt.version, "page", str(page), stat.st_mtime_ns, stat.st_size)
    headers = validators(etag, None)
    if not_modified(req.headers, etag):
        return Reply(304, headers=headers)
    return Reply(200, page.read_bytes(), "text/html; charset=utf-8", headers)


def describe(rt, req: Req) -> Reply:
    if req.negotiated.page(formats.GRAPH):
        return query_page(rt, req)
    fmt = req.negotiated.answer(formats.GRAPH)
    etag = etag_for(rt.version, "service", req.url, fmt.name)
    headers = validators(etag, rt.settings.max_age)
    if not_modified(req.headers, etag):
        return Reply(304, headers=headers)
    ex = rt.executor
    triples = service.description(req.url, ex.counts, ex.size_union, rt.version)
    return Reply(200, results.write_graph(triples, fmt.name, rt.prefixes), fmt.content_type, headers)


# --- the ASGI app ------------------------------------------------------------------------------


def _negotiated(req: Req | None, headers: dict[str, str]) -> Negotiated:
    """The request's decision; before its parameters are read (a 414, a 405), the Accept header's."""
    return req.negotiated if req is not None else Negotiated(headers.get("accept"), pages=False)


class SparqlEndpoint:
    """``/sparql`` as a plain ASGI app: limits, CORS, gzip, metrics and errors done here."""

    def __init__(self, runtime):
        self.rt = runtime

    async def __call__(self, scope, receive, send) -> None:
        start = time.perf_counter()
        headers = request_headers(scope)
        read: list[Req | None] = [None]
        await self.respond(scope, send, headers, start, read, self._reply(scope, receive, headers, read))

    async def _reply(self, scope, receive, headers: dict[str, str], read: list[Req | None]) -> Reply:
        req = read[0] = await self._request(scope, receive, scope["method"], headers)
        return await handle(self.rt, req) if req is not None else self._options(headers)

    async def respond(self, scope, send, headers: dict[str, str], start: float, read: list[Req | None], work) -> None:
        """Await ``work`` (the reply; ``read[0]`` is the request once read), an error turned into
        its reply; send the reply and count it. :mod:`graphe.api.quick` ends its requests here too."""
        method = scope["method"]
        try:
            reply = await work
        except GrapheError as exc:
            body, media_type = error_body(exc.status, str(exc), _negotiated(read[0], headers))
            reply = Reply(exc.status, body, media_type)
            if exc.status == 405:
                reply.headers["Allow"] = ALLOWED_METHODS
            if exc.status in (413, 414):
                reply.headers["Connection"] = "close"
        except Exception:  # a bug: a short message for the client, the traceback in the log
            log.exception("erreur interne sur /sparql")
            body, media_type = error_body(500, "erreur interne du serveur.", _negotiated(read[0], headers))
            reply = Reply(500, body, media_type)
        await self._send(scope, send, method, headers, reply)
        m = self.rt.metrics
        m.child(m.requests, "/sparql", method, str(reply.status)).inc()
        m.child(m.latency, "/sparql").observe(time.perf_counter() - start)

    async def _request(self, scope, receive, method: str, headers: dict[str, str]) -> Req | None:
        """The request as the protocol sees it (None for OPTIONS), after the size and method checks."""
        rt = self.rt
        settings = rt.settings
        query_string = scope.get("query_string", b"")
        url_size = len(scope.get("raw_path") or scope["path"].encode()) + len(query_string)
        if url_size > settings.max_url:
            raise UriTooLong(
                f"adresse trop longue : {url_size} octets (maximum {settings.max_url}) ; envoyez la requête par POST."
            )
        if method == "OPTIONS":
            return None
        if method not in ("GET", "HEAD", "POST"):
            raise MethodNotAllowed(f"méthode {method} non permise sur /sparql ({ALLOWED_METHODS}).")
        body = b""
        if method == "POST":
            declared = headers.get("content-length")
            if declared is not None:
                try:
                    size = int(declared)
                except ValueError:
                    raise BadRequest("en-tête Content-Length invalide.") from None
                if size > settings.max_body:
                    raise PayloadTooLarge(f"corps de requête trop gros : {size} octets (maximum {settings.max_body}).")
            body = await _read_body(receive, settings.max_body)
        try:
            params = parse_form(query_string.decode("latin-1"))
        except UnicodeDecodeError:
            raise BadRequest("adresse mal encodée.") from None
        server = scope.get("server") or ("localhost", 80)
        host = headers.get("host") or f"{server[0]}:{server[1]}"
        root = scope.get("root_path", "")
        return Req(method, scope["path"], params, headers, f"{scope.get('scheme', 'http')}://{host}{root}{scope['path']}", body)

    def _options(self, headers: dict[str, str]) -> Reply:
        reply = Reply(204, headers={"Allow": ALLOWED_METHODS})
        if "origin" in headers and "access-control-request-method" in headers:
            reply.headers.update({
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": headers.get("access-control-request-headers", "*") or "*",
                "Access-Control-Max-Age": "86400",
            })
        return reply

    async def _send(self, scope, send, method: str, headers: dict[str, str], reply: Reply) -> None:
        out = reply.headers
        if "origin" in headers:
            out["Access-Control-Allow-Origin"] = "*"
            out["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        body = reply.body
        if reply.status == 200 and "gzip" in headers.get("accept-encoding", "") and len(body) >= self.rt.settings.gzip_min \
                and reply.media_type and reply.media_type.startswith(_COMPRESSIBLE):
            body = reply.gzipped or await _gzip(body)
            out["Content-Encoding"] = "gzip"
            out["Vary"] = out.get("Vary", "Accept") + ", Accept-Encoding"
            if reply.gzipped is None and "ETag" in out:
                self.rt.cache.add_gzip(out["ETag"], body)
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in out.items()]
        if reply.media_type:
            raw.append((b"content-type", reply.media_type.encode("latin-1")))
        if reply.status != 304 and reply.status != 204:
            raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": raw})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" or reply.status == 304 else body})
