"""``GET /queries/{name}`` answered before FastAPI when the answer comes from this process at once.

A named query's answer through FastAPI costs ~0.13 ms more than the same query sent to
``/sparql`` (routing, the middleware stack, a Request and a Response object per layer).
:class:`NamedLane` takes the requests that need none of that: a known name, parameters given at
most once and bound as they are (no resource name to look up), a data format (not the page, not
``csv=``, no ``timeout=``), no ``Origin`` (CORS), no gzip, no condition, and a text the
server's own engine is known to answer quickly (graphe.inline) or whose answer the build wrote
(graphe.precomputed). It writes what the FastAPI
route and its middleware would write: the route's reply (:func:`graphe.api.execution.execute`),
Starlette's headers (``content-length`` then ``content-type``), ``Vary`` as GZip (a large
body) and CORS leave it, the request counted under ``/queries``. Any other request,
or any error, goes to FastAPI untouched (an engine error is raised again there, by a worker).
tests/endpoint/test_quick_named.py compares both, request by request.
"""

from __future__ import annotations

import time

from graphe import paging, precomputed
from graphe.api.exchange import Req
from graphe.api.execution import execute
from graphe.api.form import parse_form
from graphe.api.named import RESERVED, offers_for
from graphe.errors import GrapheError
from graphe.namespaces import SERVICE_IRI
from graphe.negotiation import Negotiated
from graphe.web.questions import CHOICE_KINDS

PREFIX = "/queries/"
#: headers that make FastAPI's middleware do something this lane does not
_PLAIN_HEADERS = frozenset({"origin", "if-none-match", "content-length", "transfer-encoding"})


class NamedLane:
    """In front of FastAPI for ``/queries/{name}``; ``general`` answers everything else."""

    def __init__(self, runtime, general):
        self.rt = runtime
        self.general = general
        self.settings = runtime.settings
        self.base = self.settings.base_iri or SERVICE_IRI
        self.taken = 0  # requests answered here (for tests)

    async def __call__(self, scope, receive, send) -> None:
        taken = await self._answer(scope)
        if taken is None:
            return await self.general(scope, receive, send)
        status, raw, body, start = taken
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
        m = self.rt.metrics  # as MetricsMiddleware counts it
        m.child(m.requests, "/queries", "GET", str(status)).inc()
        m.child(m.latency, "/queries").observe(time.perf_counter() - start)

    async def _answer(self, scope) -> tuple[int, list, bytes, float] | None:
        start = time.perf_counter()
        rt, settings = self.rt, self.settings
        path = scope["path"]
        query_string = scope.get("query_string", b"")
        query = rt.catalogue.get(path[len(PREFIX):])
        if scope["method"] != "GET" or query is None or rt.executor is None \
                or len(scope.get("raw_path") or path.encode()) + len(query_string) > settings.max_url:
            return None
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if len(headers) < len(scope["headers"]) or scope.get("root_path") or not _PLAIN_HEADERS.isdisjoint(headers) \
                or "gzip" in headers.get("accept-encoding", ""):
            return None  # a repeated header (Starlette reads the first or the last), CORS, gzip, a condition, a body
        params = parse_form(query_string.decode("latin-1"))
        values: dict[str, str] = {}
        fmt_param = None
        for key, value in params:
            if key == "format" and fmt_param is None:
                fmt_param = value
            elif key in RESERVED or key in values:
                return None  # csv=, timeout=, a repeated name: the route's
            else:
                values[key] = value
        if any(p.type == "iri" and values.get(p.name) and p.name in CHOICE_KINDS for p in query.params):
            return None  # a resource's name to look up (graphe.web.questions.resolve)
        try:
            text, page = paging.page_of(query.bind(values), None, settings.page_size)  # the first page, as the route
            if len(text) >= 8192:
                return None
            checked = rt.verdicts.check(text, graphs=rt.graphs, prefixes=rt.prefixes, limits=rt.limits, base=self.base)
        except GrapheError:
            return None
        negotiated = Negotiated(headers.get("accept"), fmt_param)
        fmt = negotiated.choice(offers_for(checked.form))
        if fmt is None or fmt.name == "html":
            return None
        ready = precomputed.lookup(rt, checked, fmt.name)  # the defaults' answer, written by the build
        inline = rt.executor.inline
        if ready is None and (inline is None or not inline.ready_for(inline.key(checked, fmt.name, settings.row_limit),
                                                                       settings.timeout)):
            return None
        req = Req("GET", path, params, headers, "", negotiated=negotiated)
        try:
            reply = await execute(rt, req, checked, fmt, None, start, text, ready=ready)
        except GrapheError:  # the general path runs it again and answers the error its way
            return None
        self.taken += 1
        link = paging.link_header(path, params, page, int(reply.headers.get("X-Rows", 0)), settings.page_size)
        if link and reply.status == 200:
            reply.headers["Link"] = link
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
        body = reply.body
        if reply.status not in (204, 304):
            raw.append((b"content-length", str(len(body)).encode("latin-1")))
        if reply.media_type is not None:
            raw.append((b"content-type", reply.media_type.encode("latin-1")))
        # GZipMiddleware's identity answer says a large body could vary by encoding; CORS, by origin
        vary = b", Accept-Encoding, Origin" if len(body) >= settings.gzip_min and reply.media_type else b", Origin"
        return reply.status, [(k, v + vary if k == b"vary" else v) for k, v in raw], body, start
