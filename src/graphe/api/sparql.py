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

from graphe import formats, results
from graphe.api import service
from graphe.api.exchange import Reply, Req
from graphe.api.execution import answered, count_failure, execute, revalidate
from graphe.api.form import parse_form
from graphe.api.http import error_body, etag_for, not_modified, request_headers, validators
from graphe.api.transfer import gzip_body as _gzip
from graphe.api.transfer import read_body as _read_body
from graphe.errors import (
    BadRequest,
    GrapheError,
    MethodNotAllowed,
    PayloadTooLarge,
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


def answer_at_once(rt, req: Req, text: str) -> Reply | None:
    """:func:`answer` for a request whose reply needs no waiting: a verdict that needs no thread,
    an answer from the cache, or a query the server process evaluates itself (graphe.inline).
    None, with nothing counted or logged, when it needs waiting: :func:`answer` then.

    No dataset selection, no client timeout, no page for browsers: :mod:`graphe.api.quick`
    sends only such requests here. Errors are raised as :func:`answer` raises them.
    """
    if len(text) >= rt.THREADED_TEXT:  # lexed in a thread: answer() awaits it
        return None
    start = time.perf_counter()
    form = None
    try:
        checked = rt.verdict(text)
        form = checked.form
        fmt = req.negotiated.answer(formats.offers_for(form))
        early, headers, bypass = revalidate(rt, req, checked, fmt, start, text)
        if early is not None:
            return early
        _, result = rt.executor.run_at_once(checked, fmt.name, rt.settings.timeout, rt.settings.row_limit)
        if result is None:
            return None
        return answered(rt, checked, fmt, start, text, result, headers, bypass, None, None)
    except GrapheError as exc:
        count_failure(rt, exc, form, text, start)
        raise


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
        except Exception as exc:  # noqa: BLE001 - its reply
            reply = self.refusal(exc, read[0], headers)
        gzipped = None
        if self.gzips(headers, reply):
            gzipped = reply.gzipped or await _gzip(reply.body)
        status, raw, body = self.wire(method, headers, reply, gzipped)
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
        self.count(method, status, start)

    def refusal(self, exc: Exception, req: Req | None, headers: dict[str, str]) -> Reply:
        """The reply for a request refused with ``exc``; any other exception is a bug: a short
        message for the client (500), the traceback in the log."""
        if not isinstance(exc, GrapheError):
            log.error("erreur interne sur /sparql", exc_info=exc)
            body, media_type = error_body(500, "erreur interne du serveur.", _negotiated(req, headers))
            return Reply(500, body, media_type)
        body, media_type = error_body(exc.status, str(exc), _negotiated(req, headers))
        reply = Reply(exc.status, body, media_type)
        if exc.status == 405:
            reply.headers["Allow"] = ALLOWED_METHODS
        if exc.status in (413, 414):
            reply.headers["Connection"] = "close"
        return reply

    def count(self, method: str, status: int, start: float) -> None:
        m = self.rt.metrics
        m.child(m.requests, "/sparql", method, str(status)).inc()
        m.child(m.latency, "/sparql").observe(time.perf_counter() - start)

    def gzips(self, headers: dict[str, str], reply: Reply) -> bool:
        """Is ``reply`` sent gzipped (the client accepts it, and it is worth it)?"""
        return reply.status == 200 and "gzip" in headers.get("accept-encoding", "") \
            and len(reply.body) >= self.rt.settings.gzip_min and bool(reply.media_type) \
            and reply.media_type.startswith(_COMPRESSIBLE)

    def wire(self, method: str, headers: dict[str, str], reply: Reply, gzipped: bytes | None) -> tuple[int, list, bytes]:
        """``(status, headers, body)`` as they go out: CORS, the body gzipped when
        :meth:`gzips` says so (``gzipped``: its compressed bytes), type and length."""
        out = reply.headers
        if "origin" in headers:
            out["Access-Control-Allow-Origin"] = "*"
            out["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        body = reply.body
        if gzipped is not None:
            body = gzipped
            out["Content-Encoding"] = "gzip"
            out["Vary"] = out.get("Vary", "Accept") + ", Accept-Encoding"
            if reply.gzipped is None and "ETag" in out:
                self.rt.cache.add_gzip(out["ETag"], body)
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in out.items()]
        if reply.media_type:
            raw.append((b"content-type", reply.media_type.encode("latin-1")))
        if reply.status != 304 and reply.status != 204:
            raw.append((b"content-length", str(len(body)).encode()))
        return reply.status, raw, b"" if method == "HEAD" or reply.status == 304 else body

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
