"""``/sparql``'s common requests, recognised from their head and answered with the least work.

Nearly every request to ``/sparql`` has one of three shapes: a form POST whose body is
``query=…`` and nothing else, a POST of ``application/sparql-query`` text, or a script's
``GET ?query=…``. :class:`QuickLane` recognises them (method, query string, content type and
length within the limits) and goes straight to the protocol's :func:`graphe.api.sparql.answer`,
skipping the general reading of parameters that other requests need (``update``, ``format``,
graphs, ``timeout``, two queries, a browser asking for the page, a body without a length).
Anything else, or anything doubtful, is handed to :class:`~graphe.api.sparql.SparqlEndpoint`
as it came (a body already read is given again), which answers it, errors included, as before.
Both end in the same place (:meth:`SparqlEndpoint.respond`): same bytes, headers, log line
and metrics, which tests/endpoint/test_quick.py compares request by request.

:meth:`QuickLane.at_once` goes one step further, for the HTTP protocol itself
(:mod:`graphe.api.protocol`): a common request read in full whose answer needs no waiting (see
:func:`graphe.api.sparql.answer_at_once`) is answered there, without the ASGI request cycle,
its task and its messages (1–24 µs of CPU of a ~190 µs request, measured). Same bytes again, compared in
tests/endpoint/test_at_once.py.
"""

from __future__ import annotations

import time

from graphe.api.exchange import Req
from graphe.api.form import parse_form
from graphe.api.http import request_headers
from graphe.api.sparql import _ANSWERS, SparqlEndpoint, answer, answer_at_once
from graphe.api.transfer import GZIP_IN_THREAD, gzip_body, gzip_now, read_body
from graphe.negotiation import Negotiated
from graphe.project import using

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"


class QuickLane:
    """In front of a :class:`SparqlEndpoint`: the common requests here, the others there."""

    def __init__(self, endpoint: SparqlEndpoint):
        self.endpoint = endpoint
        self.settings = endpoint.rt.settings
        self.max_body = self.settings.max_body
        self.taken = 0  # requests answered here (for tests)
        self.at_once_taken = 0  # of which by the protocol itself (for tests)

    async def __call__(self, scope, receive, send) -> None:
        start = time.perf_counter()
        method = scope["method"]
        query_string = scope.get("query_string", b"")
        headers = request_headers(scope)
        way = self._way(method, len(scope.get("raw_path") or b"/sparql") + len(query_string), query_string, headers)
        if way is None:
            return await self.endpoint(scope, receive, send)
        body = await read_body(receive, self.max_body) if method == "POST" else b""  # within the declared length
        found = self._request(method, scope["path"], query_string, headers, body, scope.get("scheme", "http"),
                              scope.get("server"), scope.get("root_path", ""))
        if found is None:
            return await self.endpoint(scope, _again(body) if method == "POST" else receive, send)
        req, text = found
        self.taken += 1
        work = answer(self.endpoint.rt, req, text, [], [], None, page_for_browsers=method == "GET")
        await self.endpoint.respond(scope, send, headers, start, [req], work)

    def at_once(self, method: str, url: bytes, raw_headers: list[tuple[bytes, bytes]], body: bytes,
                scheme: str, server):
        """The answer to a request to ``/sparql`` read in full by the HTTP protocol, when it needs no
        waiting: ``(status, headers, body)``, or a coroutine giving them (a large body to gzip off
        the loop); None when the request must go through the app as usual (nothing counted then).

        Never raises: an error is the reply :meth:`SparqlEndpoint.respond` would give.
        """
        start = time.perf_counter()
        path, _, query_string = url.partition(b"?")
        headers = {}
        for name, value in raw_headers:
            key, text = name.decode("latin-1"), value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        if self._way(method, len(path) + len(query_string), query_string, headers) is None:
            return None
        found = self._request(method, path.decode("latin-1"), query_string, headers, body, scheme, server, "")
        if found is None:
            return None
        req, text = found
        endpoint = self.endpoint
        with using(self.settings.project):
            try:
                reply = answer_at_once(endpoint.rt, req, text)
            except Exception as exc:  # noqa: BLE001 - its reply, as respond() gives it
                reply = endpoint.refusal(exc, req, headers)
        if reply is None:
            return None
        self.taken += 1
        self.at_once_taken += 1
        gzipped = None
        if endpoint.gzips(headers, reply):
            gzipped = reply.gzipped
            if gzipped is None and len(reply.body) >= GZIP_IN_THREAD:
                return self._gzipped_later(method, headers, reply, start)
            gzipped = gzipped or gzip_now(reply.body)
        wired = endpoint.wire(method, headers, reply, gzipped)
        endpoint.count(method, wired[0], start)
        return wired

    async def _gzipped_later(self, method: str, headers: dict[str, str], reply, start: float):
        wired = self.endpoint.wire(method, headers, reply, await gzip_body(reply.body))
        self.endpoint.count(method, wired[0], start)
        return wired

    def _way(self, method: str, url_size: int, query_string: bytes, headers: dict[str, str]) -> str | None:
        """Is this one of the common requests (None: the general path)? Its head only."""
        settings = self.settings
        if url_size > settings.max_url:
            return None
        if method == "POST" and not query_string:
            media_type = headers.get("content-type", "").split(";")[0].strip().lower()
            declared = headers.get("content-length", "")
            if media_type not in (_FORM, _QUERY) or not (declared.isascii() and declared.isdigit()) \
                    or int(declared) > settings.max_body:
                return None
            return "body"
        if method == "GET" and query_string:
            return "url"
        return None

    def _request(self, method: str, path: str, query_string: bytes, headers: dict[str, str], body: bytes,
                 scheme: str, server, root_path: str) -> tuple[Req, str] | None:
        """The request and its query text, when it holds a query and nothing else (None: the general path)."""
        if method == "POST":
            text = _query_of(body, headers.get("content-type", "").split(";")[0].strip().lower())
            if text is None:  # not UTF-8, or more than a query: the general path says what is wrong
                return None
            params = []
        else:
            params = parse_form(query_string.decode("latin-1"))
            if len(params) != 1 or params[0][0] != "query":
                return None
            text = params[0][1]
        negotiated = Negotiated(headers.get("accept"), None, pages=False)
        if method == "GET" and negotiated.page(_ANSWERS):  # a browser's permalink: the page, there
            return None
        server = server or ("localhost", 80)
        host = headers.get("host") or f"{server[0]}:{server[1]}"
        url = f"{scheme or 'http'}://{host}{root_path}{path}"
        return Req(method, path, params, headers, url, body, negotiated), text


def _query_of(body: bytes, media_type: str) -> str | None:
    """The query a POST body holds when it holds nothing else (None: the general path decides)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if media_type == _QUERY:
        return text
    fields = parse_form(text)
    if len(fields) != 1 or fields[0][0] != "query":
        return None
    return fields[0][1]


def _again(body: bytes):
    """A ``receive`` that gives the body read here to the general path."""
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
