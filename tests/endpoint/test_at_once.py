"""/sparql's requests answered by the HTTP protocol itself (graphe.api.protocol, QuickLane.at_once).

Each request goes over a real socket to the live server, whose protocol answers it at once
when the server process knows the query to be fast (graphe.inline), and is compared with the
app's general path given the same request (``app.sparql``): same status, same headers (the
date and the measured ``Server-Timing`` aside), same bytes, same log line, same metrics. Then
what the protocol must keep doing around such answers: the order of pipelined requests, a
large answer gzipped off the loop, ``Connection: close`` and HTTP/1.0, a request it declines,
and a fault in the lane that must cost only its own connection.
"""

from __future__ import annotations

import socket
from urllib.parse import quote, urlencode

import pytest

from graphe import formats

from .test_inline import every_query
from .test_quick import BAD, FORM, _call, counts, moved, request

ASK = "ASK { ?s ?p ?o }"


def raw_request(method: str, target: str, headers: dict[str, str], body: bytes = b"", version: str = "1.1") -> bytes:
    head = [f"{method} {target} HTTP/{version}", *[f"{k}: {v}" for k, v in headers.items()]]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def read_response(sock: socket.socket, buffer: bytearray) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One response from ``sock`` (``buffer``: bytes already received and not yet used)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, "connexion fermée avant la fin des en-têtes"
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    status_line, *lines_ = head.split(b"\r\n")
    headers = [(name.lower(), value) for name, _, value in (line.partition(b": ") for line in lines_)]
    length = int(dict(headers).get(b"content-length", b"0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connexion fermée avant la fin du corps"
        rest += chunk
    buffer[:] = rest[length:]
    return int(status_line.split()[1]), headers, rest[:length]


def exchange(live, *requests: bytes) -> list[tuple[int, list, bytes]]:
    """Send ``requests`` in one write (pipelined) and read their responses in order."""
    port = int(live.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"".join(requests))
        buffer = bytearray()
        return [read_response(sock, buffer) for _ in requests]


def comparable(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers but the date (uvicorn's) and the measured time, which differ between two answers."""
    return [(k, b"*" if k == b"server-timing" else v) for k, v in headers if k != b"date"]


def ways(text: str, accept: str | None, extra: dict[str, str] | None = None):
    """The three common ways to send ``text``, as ``(scope, body, raw request)``."""
    headers = {"host": "127.0.0.1:8000", "cache-control": "no-cache", **(extra or {})}
    if accept:
        headers["accept"] = accept
    form = urlencode({"query": text}).encode()
    for content_type, body in ((FORM, form), ("application/sparql-query", text.encode())):
        sent = {**headers, "content-type": content_type, "content-length": str(len(body))}
        scope, _ = request("POST", sent, body)
        yield scope, body, raw_request("POST", "/sparql", sent, body)
    query_string = "query=" + quote(text, safe="")
    scope, _ = request("GET", headers, query_string=query_string)
    yield scope, b"", raw_request("GET", "/sparql?" + query_string, headers)


def both(live, lines, scope: dict, body: bytes, raw: bytes) -> tuple[int, list, bytes, bool]:
    """The app's answer and the socket's (asserted equal, log lines and metrics too), and
    whether the protocol answered at once."""
    app = live.app
    before_lines, before = len(lines.lines), counts(live)
    status, headers, payload = live.call(_call(app.sparql, dict(scope), body))
    general_lines, after_general = lines.lines[before_lines:], counts(live)
    taken = app.quick.at_once_taken
    [(status2, headers2, payload2)] = exchange(live, raw)
    assert (status2, comparable(headers2), payload2) == (status, comparable(headers), payload)
    assert lines.lines[before_lines + len(general_lines):] == general_lines
    assert moved(after_general, counts(live)) == moved(before, after_general)
    return status, headers, payload, app.quick.at_once_taken > taken


def teach(live, text: str) -> None:
    """Have a worker answer ``text`` once, so that the server process knows it (graphe.inline)."""
    for scope, body, _ in ways(text, None):
        live.call(_call(live.app.sparql, dict(scope), body))
    inline = live.runtime.executor.inline
    for _ in range(200):
        if inline.store is not None:
            return
        live.call(_sleep(0.025))
    raise AssertionError("le magasin du processus serveur ne s'est pas ouvert")


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


ACCEPTS = [None, formats.JSON.media_type, "text/csv", "application/sparql-results+xml", "application/n-triples"]


@pytest.mark.parametrize("name,text", every_query())
def test_every_query_answered_at_once_as_the_app_answers_it(live, lines, name, text):
    teach(live, text)
    at_once = 0
    for accept in ACCEPTS:
        for scope, body, raw in ways(text, accept):
            *_, taken = both(live, lines, scope, body, raw)
            at_once += taken
    known = live.runtime.executor.inline.known
    if any(key[1] == text for key in known):  # known to be fast: the protocol answered some at once
        assert at_once > 0, name


def test_a_fast_query_is_answered_at_once_in_each_way_with_gzip_and_cors(live, lines):
    teach(live, ASK)
    extra = {"accept-encoding": "gzip", "origin": "https://exemple.org"}
    for scope, body, raw in ways(ASK, formats.JSON.media_type, extra):
        status, headers, _, taken = both(live, lines, scope, body, raw)
        assert (status, taken) == (200, True)
        assert dict(headers)[b"access-control-allow-origin"] == b"*"


@pytest.mark.parametrize("text", BAD)
def test_a_bad_query_gets_the_same_reply_as_from_the_app(live, lines, text):
    """test_quick's bad queries (refusals, engine errors, a comment), each way, in several formats."""
    statuses = set()
    for accept in (None, "application/json", "image/png"):
        for scope, body, raw in ways(text, accept):
            status, *_ = both(live, lines, scope, body, raw)
            statuses.add(status)
    assert statuses != {200} or "# un commentaire" in text


def test_a_query_not_yet_known_goes_through_the_app(live):
    """Its first time: a worker answers (through the app); once known fast, the protocol does."""
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } # jamais vue : " + str(id(live))
    scope, body, raw = next(ways(text, None))
    taken = live.app.quick.at_once_taken
    [first] = exchange(live, raw)
    assert first[0] == 200 and live.app.quick.at_once_taken == taken
    teach(live, text)
    [again] = exchange(live, raw)
    assert again[2] == first[2] and live.app.quick.at_once_taken == taken + 1


def test_pipelined_requests_are_answered_in_order(live):
    """An answer at once, one through the app (format= is not common), one at once again:
    three answers, in the order asked, on one connection."""
    teach(live, ASK)
    headers = {"host": "x", "cache-control": "no-cache", "accept": "application/sparql-results+json"}
    fast = raw_request("GET", "/sparql?query=" + quote(ASK), headers)
    slow = raw_request("GET", "/sparql?query=" + quote("SELECT ?s WHERE { ?s ?p ?o } LIMIT 2") + "&format=csv", headers)
    answers = exchange(live, fast, slow, fast)
    assert [a[0] for a in answers] == [200, 200, 200]
    assert answers[0][2] == answers[2][2] == b'{"head":{},"boolean":true}'
    assert answers[1][2].startswith(b"s\r\n")


def test_a_large_answer_is_gzipped_off_the_loop_and_the_next_request_waits_for_it(live, lines, monkeypatch):
    import graphe.api.quick as quick

    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 300"
    teach(live, text)
    monkeypatch.setattr(quick, "GZIP_IN_THREAD", 1000)  # this answer counts as large
    extra = {"accept-encoding": "gzip"}
    for scope, body, raw in ways(text, formats.JSON.media_type, extra):
        status, headers, _, taken = both(live, lines, scope, body, raw)
        assert (status, taken, dict(headers)[b"content-encoding"]) == (200, True, b"gzip")
    *_, raw = next(ways(text, formats.JSON.media_type, extra))
    *_, after = next(ways(ASK, formats.JSON.media_type))
    first, second = exchange(live, raw, after)
    assert dict(first[1])[b"content-encoding"] == b"gzip" and second[2] == b'{"head":{},"boolean":true}'


@pytest.mark.parametrize("version,connection", [("1.1", "close"), ("1.0", None), ("1.0", "keep-alive"), ("1.1", None)])
def test_an_answer_at_once_ends_the_connection_as_uvicorn_does(live, version, connection):
    """Closed after the answer, with ``Connection: close``, for HTTP/1.1 asking it and for HTTP/1.0
    (uvicorn keeps no HTTP/1.0 connection); kept open for HTTP/1.1 otherwise."""
    teach(live, ASK)
    headers = {"host": "x", "cache-control": "no-cache"}
    if connection:
        headers["connection"] = connection
    port = int(live.url.rsplit(":", 1)[1])
    taken = live.app.quick.at_once_taken
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw_request("GET", "/sparql?query=" + quote(ASK), headers, version=version))
        status, answer_headers, _ = read_response(sock, bytearray())
        assert status == 200 and live.app.quick.at_once_taken == taken + 1
        if version == "1.0" or connection == "close":
            assert dict(answer_headers)[b"connection"] == b"close"
            assert sock.recv(1) == b""  # closed by the server
        else:
            assert b"connection" not in dict(answer_headers)
            sock.sendall(raw_request("GET", "/sparql?query=" + quote(ASK), headers, version=version))
            assert read_response(sock, bytearray())[0] == 200


def test_a_fault_in_the_lane_costs_only_its_connection(live, monkeypatch):
    """A bug in the lane: a 500 in French and that connection closed; the next one is served."""
    teach(live, ASK)

    def broken(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(live.app.quick, "at_once", broken)
    [(status, _, body)] = exchange(live, raw_request("GET", "/sparql?query=" + quote(ASK), {"host": "x"}))
    assert (status, body) == (500, b"erreur interne du serveur.\n")
    monkeypatch.undo()
    [(status, _, _)] = exchange(live, raw_request("GET", "/sparql?query=" + quote(ASK), {"host": "x"}))
    assert status == 200


def test_with_the_access_log_on_uvicorn_answers_and_writes_its_line(live, caplog):
    """The access log (uvicorn's, ``graphe serve --access-log``) is written by uvicorn: while its
    lines are shown, the protocol leaves every request to it."""
    import logging

    teach(live, ASK)
    taken = live.app.quick.at_once_taken
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        [(status, _, _)] = exchange(live, raw_request("GET", "/sparql?query=" + quote(ASK), {"host": "x"}))
    assert status == 200 and live.app.quick.at_once_taken == taken
    assert any("GET /sparql?query=" in r.getMessage() for r in caplog.records if r.name == "uvicorn.access")


def test_a_client_that_does_not_read_does_not_fill_the_server_memory(live):
    """Hundreds of requests pipelined by a client that reads none of the answers: the protocol
    stops answering at once when the connection's send buffer is full, and uvicorn then waits for
    the client before reading more, so the answers held for it stay within its buffer's limits."""
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 300"
    teach(live, text)
    port = int(live.url.rsplit(":", 1)[1])
    one = raw_request("GET", "/sparql?query=" + quote(text), {"host": "x", "cache-control": "no-cache"})
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(2)
        try:
            sock.sendall(one * 400)
        except TimeoutError:
            pass  # the server stopped reading: what this test wants
        live.call(_sleep(0.5))
        held = live.call(_write_buffers(live))
        assert max(held) < 2_000_000, held  # one answer is ~45 kB: 400 would be ~18 MB


async def _write_buffers(live) -> list[int]:
    return [p.transport.get_write_buffer_size() for p in live.server.server_state.connections
            if p.transport is not None and not p.transport.is_closing()] or [0]
