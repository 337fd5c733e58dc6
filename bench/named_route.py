"""The named questions as a user calls them: ``GET /queries/{name}``, JSON, first page.

run.py times every named question as plain SPARQL on ``/sparql`` (the engine, on every
server). A user calls ``/queries/{name}`` instead, and there graphe answers a question with its
default values from the answer the build wrote (graphe.precomputed), not from the engine: those
figures are reported on their own rows and labelled by what answered them (the answer's
``Server-Timing`` says ``precalcul``). So that they do not hide a slow question, each question
with parameters is also called with other values than its defaults — another resource of the
same class taken from the data, another word — which only the engine can answer: on graphe's
route, and as plain SPARQL on every server.
"""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlencode

#: the word searched for instead of the default one (a text parameter)
OTHER_TEXT = "emploi"
JSON = "application/sparql-results+json"


def other_values(port: int, sparql_path: str, query) -> dict[str, str]:
    """Values other than ``query``'s defaults, found in the served data (empty: no parameter)."""
    from graphe.namespaces import NAMESPACES
    from graphe.queries import expand_iri

    values = {}
    for p in query.params:
        if p.type == "string":
            values[p.name] = OTHER_TEXT if (p.default or "") != OTHER_TEXT else "quartier"
        elif p.type == "iri" and p.default:
            default = expand_iri(p.default, p.name)
            text = (f"SELECT ?x WHERE {{ <{default}> a ?t . FILTER(STRSTARTS(STR(?t), \"{NAMESPACES['cdv']}\")) "
                    f"?x a ?t . FILTER(?x != <{default}>) }} ORDER BY ?x LIMIT 1")
            rows = _select(port, sparql_path, text)
            if rows:
                values[p.name] = rows[0]["x"]["value"]
    return values


def _select(port: int, path: str, text: str) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", path, urlencode({"query": text}),
                     {"Content-Type": "application/x-www-form-urlencoded", "Accept": JSON})
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 200:
        raise RuntimeError(f"recherche d'une autre valeur : HTTP {resp.status} {body[:200]!r}")
    return json.loads(body)["results"]["bindings"]


def time_route(port: int, route: str, iterations: int, budget: float, timeout: float, timing):
    """``GET route`` (JSON, first page) over one keep-alive connection, like run.time_query; the
    note says what answered: ``réponse précalculée`` or ``moteur``. ``Cache-Control: no-cache``
    keeps graphe's answer cache out of it (the build's files are not a cache: they are read each time)."""
    from run import answer_size

    t = timing
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Accept": JSON, "Cache-Control": "no-cache"}
    start = time.perf_counter()
    for i in range(iterations + 1):  # the first request warms up and is not counted
        t0 = time.perf_counter()
        try:
            conn.request("GET", route, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            t.errors += 1
            t.note = f"{type(exc).__name__}: {exc}"[:120]
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            if isinstance(exc, TimeoutError):
                break
            continue
        elapsed = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            t.errors += 1
            t.note = f"HTTP {resp.status}: {payload[:100].decode('utf-8', 'replace')}"
        else:
            if t.size is None:
                t.size = answer_size(payload, "table")
                t.note = "réponse précalculée" if "precalcul" in (resp.getheader("Server-Timing") or "") else "moteur"
            if i > 0:
                t.samples_ms.append(elapsed)
        if i > 0 and time.perf_counter() - start > budget:
            break
    conn.close()
    return t


def route_of(name: str, values: dict[str, str] | None = None) -> str:
    """The address a user calls for question ``name`` (its defaults when ``values`` is empty)."""
    return f"/queries/{name}" + (f"?{urlencode(values)}" if values else "")
