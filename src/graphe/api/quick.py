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
"""

from __future__ import annotations

import time

from graphe.api.form import parse_form
from graphe.api.http import request_headers
from graphe.api.sparql import _ANSWERS, Req, SparqlEndpoint, answer
from graphe.api.transfer import read_body
from graphe.negotiation import Negotiated

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"


class QuickLane:
    """In front of a :class:`SparqlEndpoint`: the common requests here, the others there."""

    def __init__(self, endpoint: SparqlEndpoint):
        self.endpoint = endpoint
        self.settings = endpoint.rt.settings
        self.taken = 0  # requests answered here (for tests)

    async def __call__(self, scope, receive, send) -> None:
        start = time.perf_counter()
        method = scope["method"]
        settings = self.settings
        query_string = scope.get("query_string", b"")
        if len(scope.get("raw_path") or b"/sparql") + len(query_string) > settings.max_url:
            return await self.endpoint(scope, receive, send)
        headers = request_headers(scope)
        if method == "POST" and not query_string:
            media_type = headers.get("content-type", "").split(";")[0].strip().lower()
            declared = headers.get("content-length", "")
            if media_type not in (_FORM, _QUERY) or not (declared.isascii() and declared.isdigit()) \
                    or int(declared) > settings.max_body:
                return await self.endpoint(scope, receive, send)
            body = await read_body(receive, settings.max_body)  # within the declared length: no error
            text = _query_of(body, media_type)
            if text is None:
                return await self.endpoint(scope, _again(body), send)
            params = []
        elif method == "GET" and query_string:
            body = b""
            params = parse_form(query_string.decode("latin-1"))
            if len(params) != 1 or params[0][0] != "query":
                return await self.endpoint(scope, receive, send)
            text = params[0][1]
        else:
            return await self.endpoint(scope, receive, send)
        negotiated = Negotiated(headers.get("accept"), None, pages=False)
        page = method == "GET"
        if page and negotiated.page(_ANSWERS):  # a browser's permalink: the page, there
            return await self.endpoint(scope, receive, send)
        server = scope.get("server") or ("localhost", 80)
        host = headers.get("host") or f"{server[0]}:{server[1]}"
        path = scope["path"]
        url = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{path}"
        req = Req(method, path, params, headers, url, body, negotiated)
        self.taken += 1
        work = answer(self.endpoint.rt, req, text, [], [], None, page_for_browsers=page)
        await self.endpoint.respond(scope, send, headers, start, [req], work)


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
