"""/sparql's quick lane (graphe.api.quick) answers exactly as the general path does.

Each request is given, on the live server's own event loop, once to the general path
(``app.sparql``) and once to the quick lane (``app.quick``): same status, same headers (the
measured ``Server-Timing`` aside), same bytes, same query log line (its time aside), same
metrics — for every query of the project and of the endpoint's set, in every format, sent in
each of the three common ways, and for the requests that are not common (the lane hands them
over) and for bad ones.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote, urlencode

import pytest

from graphe import formats

from .test_inline import every_query

FORM = "application/x-www-form-urlencoded"
ACCEPTS = [None, "*/*", *[f.media_type for f in formats.SOLUTIONS + formats.GRAPH]]


def request(method: str, headers: dict[str, str], body: bytes = b"", query_string: str = "") -> tuple[dict, bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": "/sparql", "raw_path": b"/sparql", "query_string": query_string.encode("latin-1"), "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000),
    }
    return scope, body


async def _call(app, scope: dict, body: bytes) -> tuple[int, list, bytes]:
    given = False

    async def receive():
        nonlocal given
        if given:
            await asyncio.sleep(3600)
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    sent = []

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start, *rest = sent
    headers = [(k, b"*" if k == b"server-timing" else v) for k, v in start["headers"]]
    return start["status"], headers, b"".join(m.get("body", b"") for m in rest)


def both(live, lines, scope: dict, body: bytes, *, quick: bool) -> tuple[int, list, bytes]:
    """The answer of each path (asserted equal, log lines and metrics too); the lane must have
    taken the request when ``quick``, and handed it over otherwise."""
    app = live.app
    before_lines, before = len(lines.lines), counts(live)
    general = live.call(_call(app.sparql, dict(scope), body))
    general_lines, after_general = lines.lines[before_lines:], counts(live)
    taken = app.quick.taken
    fast = live.call(_call(app.quick, dict(scope), body))
    assert app.quick.taken == taken + (1 if quick else 0), scope
    assert fast == general, scope
    assert lines.lines[before_lines + len(general_lines):] == general_lines
    assert moved(after_general, counts(live)) == moved(before, after_general)
    return fast


def counts(live) -> dict:
    """The counters and the histograms' counts (not their sums and buckets: times)."""
    live.call(_flushed(live.runtime.metrics))
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for m in live.runtime.metrics.registry.collect()
            for s in m.samples if s.name.endswith(("_total", "_count"))}


async def _flushed(metrics) -> None:
    metrics.flush()  # on the server's loop, where the tallies are counted


def moved(before: dict, after: dict) -> dict:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


def shapes(text: str, accept: str | None, extra: dict[str, str] | None = None):
    """The three common ways to send ``text``: form POST, sparql-query POST, GET."""
    headers = {"host": "127.0.0.1:8000", "cache-control": "no-cache", **(extra or {})}
    if accept:
        headers["accept"] = accept
    form = urlencode({"query": text}).encode()
    yield request("POST", {**headers, "content-type": FORM, "content-length": str(len(form))}, form)
    raw = text.encode()
    yield request("POST", {**headers, "content-type": "application/sparql-query", "content-length": str(len(raw))}, raw)
    yield request("GET", headers, query_string="query=" + quote(text, safe=""))


@pytest.mark.parametrize("name,text", every_query())
def test_every_query_in_every_format_and_way(live, lines, name, text):
    statuses = set()
    for accept in ACCEPTS:
        for scope, body in shapes(text, accept):
            status, _, _ = both(live, lines, scope, body, quick=True)
            statuses.add(status)
    assert 200 in statuses, name


@pytest.mark.parametrize("name,text", every_query()[:6])
def test_compressed_and_cross_origin_answers_and_cached_ones(live, lines, name, text):
    extra = {"accept-encoding": "gzip, deflate", "origin": "https://exemple.org"}
    for scope, body in shapes(text, formats.JSON.media_type, extra):
        both(live, lines, scope, body, quick=True)
    cached = {"accept-encoding": "gzip"}
    for scope, body in shapes(text, None, cached):
        scope["headers"] = [h for h in scope["headers"] if h[0] != b"cache-control"]
        live.call(_call(live.app.sparql, dict(scope), body))  # now in the answer cache
        both(live, lines, scope, body, quick=True)


BAD = [
    "SELECT * WHERE { ?s ?p }",  # the engine's syntax error
    "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",  # an update
    "SELECT * FROM <http://ailleurs.example/g> WHERE { ?s ?p ?o }",  # a graph the dataset does not have
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "   ",
    "SELECT * WHERE " + "{" * 200 + "}" * 200,
    "SELECT (xsd:byte(\"1e99999\") AS ?x) WHERE {}",
    "SELECT (<http://inconnue/f>(1) AS ?x) WHERE {}",
    "PREFIX x: <http://x/> SELECT * WHERE { ?s x:p ?o } # un commentaire",
]


@pytest.mark.parametrize("text", BAD)
def test_bad_queries_get_the_same_errors(live, lines, text):
    for accept in (None, "application/json", "text/csv", "image/png"):
        for scope, body in shapes(text, accept):
            both(live, lines, scope, body, quick=True)


def _head(method: str, content_type: str | None, body: bytes, query_string: str = "", **extra) -> tuple[dict, bytes]:
    headers = {"host": "127.0.0.1:8000", "cache-control": "no-cache", **extra}
    if content_type:
        headers["content-type"] = content_type
    if method == "POST":
        headers["content-length"] = str(len(body))
    return request(method, headers, body, query_string)


ASK = "ASK { ?s ?p ?o }"
HANDED_OVER = [
    _head("POST", FORM, urlencode({"query": ASK, "format": "csv"}).encode()),
    _head("POST", FORM, urlencode([("query", ASK), ("query", ASK)]).encode()),
    _head("POST", FORM, urlencode({"query": ASK, "timeout": "0.5"}).encode()),
    _head("POST", FORM, urlencode({"query": ASK, "default-graph-uri": "http://ailleurs.example/g"}).encode()),
    _head("POST", FORM, urlencode({"update": "CLEAR ALL"}).encode()),
    _head("POST", FORM, b"format=json"),
    _head("POST", FORM, "query=ASK {} é".encode("latin-1")),  # not UTF-8
    _head("POST", FORM, urlencode({"query": ASK}).encode(), "format=json"),
    _head("POST", "application/sparql-update", b"CLEAR ALL"),
    _head("POST", "text/plain", ASK.encode()),
    _head("POST", None, ASK.encode()),
    _head("POST", "application/sparql-query; charset=utf-8", ASK.encode(), "default-graph-uri=http%3A%2F%2Fx%2Fg"),
    _head("GET", None, b"", "query=" + quote(ASK) + "&format=tsv"),
    _head("GET", None, b"", "update=CLEAR+ALL"),
    _head("GET", None, b"", ""),
    _head("GET", None, b"", "query=" + quote(ASK), accept="text/html,application/xhtml+xml"),
    _head("HEAD", None, b"", "query=" + quote(ASK)),
    _head("OPTIONS", None, b"", "", origin="https://exemple.org", **{"access-control-request-method": "POST"}),
    _head("PUT", FORM, urlencode({"query": ASK}).encode()),
    _head("GET", None, b"", "query=" + "x" * 9000),  # past the URL limit (414)
]


@pytest.mark.parametrize("case", range(len(HANDED_OVER)))
def test_other_requests_are_handed_over_and_answered_the_same(live, lines, case):
    scope, body = HANDED_OVER[case]
    both(live, lines, scope, body, quick=False)


def test_a_body_past_the_limit_is_handed_over_unread(live, lines):
    scope, body = _head("POST", FORM, urlencode({"query": ASK}).encode())
    scope["headers"] = [(k, str(live.settings.max_body + 1).encode() if k == b"content-length" else v)
                        for k, v in scope["headers"]]
    status, _, _ = both(live, lines, scope, body, quick=False)
    assert status == 413


def test_a_conditional_get_is_answered_304_by_both(live, lines):
    scope, body = _head("GET", None, b"", "query=" + quote(ASK))
    scope["headers"] = [h for h in scope["headers"] if h[0] != b"cache-control"]
    _, headers, _ = live.call(_call(live.app.sparql, dict(scope), body))
    etag = dict(headers)[b"etag"]
    scope["headers"] = scope["headers"] + [(b"if-none-match", etag)]
    status, _, _ = both(live, lines, scope, body, quick=True)
    assert status == 304
