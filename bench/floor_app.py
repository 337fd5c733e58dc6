"""The floor of a Python server: what uvicorn and pyoxigraph cost with nothing of graphe's around.

One in-memory pyoxigraph store (``FLOOR_NQUADS``), and for every request to ``/sparql`` the
query read from the form body, evaluated and written by Oxigraph (SPARQL JSON, or N-Triples for
graphs). No guard, no limits, no log line, no metrics, no cache, no time limit, no isolation:
not a server anyone should run, but the least work a Python server on the same engine and the
same HTTP stack as graphe (uvicorn, httptools, uvloop) can do per request. ``targets.py``
measures it beside graphe and Oxigraph server, so that a figure graphe misses can be read
against what its stack allows.

:func:`rsgi` is the same under Granian (HTTP in Rust, the app called through its RSGI
interface) with two worker processes: the floor of a Python server that would leave uvicorn,
using both cores.

    FLOOR_NQUADS=dist/dataset.nq uvicorn --app-dir bench floor_app:app --http httptools --loop uvloop
    FLOOR_NQUADS=dist/dataset.nq granian --interface rsgi --workers 2 --working-dir bench floor_app:rsgi
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl

import pyoxigraph as ox

STORE = ox.Store()
STORE.bulk_load(path=os.environ["FLOOR_NQUADS"], format=ox.RdfFormat.N_QUADS)


def evaluate(body: bytes) -> tuple[bytes, bytes]:
    """``(media type, answer)`` for a form body ``query=…``."""
    answer = STORE.query(dict(parse_qsl(body.decode()))["query"], use_default_graph_as_union=True)
    if isinstance(answer, ox.QueryTriples):
        return b"application/n-triples", answer.serialize(format=ox.RdfFormat.N_TRIPLES)
    return b"application/sparql-results+json", answer.serialize(format=ox.QueryResultsFormat.JSON)


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    media_type, answer = evaluate(body)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", media_type), (b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})


async def rsgi(scope, protocol) -> None:
    media_type, answer = evaluate(await protocol())
    protocol.response_bytes(200, [("content-type", media_type.decode())], answer)
