"""``GET /queries/{name}`` answered by graphe.api.quick_named exactly as by the FastAPI route.

Each request goes, on the live server's loop, once through FastAPI (the route and its
middleware) and once to the lane: same status, headers (``Server-Timing`` aside), bytes, log
line and metrics; for every named query, in every format it offers, with its parameters, and
for the requests the lane must hand over (the page, CORS, gzip, errors…).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from fastapi import FastAPI

from graphe import formats
from graphe.project import current, using
from graphe.queries import NamedQuery

from .test_quick import _call, counts, moved

NAMED = [NamedQuery.from_file(p) for p in sorted(current().queries.glob("*.rq"))]
ACCEPTS = [None, "*/*", *[f.media_type for f in formats.SOLUTIONS], "application/json"]


def get(name: str, query: str = "", **headers: str) -> tuple[dict, bytes]:
    path = f"/queries/{name}"
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode("latin-1"), "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"cache-control", b"no-cache"),
                    *[(k.replace("_", "-").encode(), v.encode("latin-1")) for k, v in headers.items()]],
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000),
    }
    return scope, b""


def both(live, lines, scope: dict, body: bytes) -> tuple[bool, tuple]:
    """(was it taken by the lane, the answer); both ways' answers, log lines and metrics equal."""
    app = live.app

    async def general(s, r, se):  # FastAPI's own stack, in the served project's terms as the app sets them
        with using(live.settings.project):
            await FastAPI.__call__(app, s, r, se)

    async def lane(s, r, se):
        with using(live.settings.project):
            await app.named(s, r, se)

    before_lines, before = len(lines.lines), counts(live)
    expected = live.call(_call(general, dict(scope), body))
    general_lines, after_general = lines.lines[before_lines:], counts(live)
    taken = app.named.taken
    got = live.call(_call(lane, dict(scope), body))
    if app.named.taken == taken:  # handed over: FastAPI answered both (a page may order its headers either way)
        assert (got[0], sorted(got[1]), got[2]) == (expected[0], sorted(expected[1]), expected[2]), scope
    else:
        assert got == expected, scope
    assert lines.lines[before_lines + len(general_lines):] == general_lines
    assert moved(after_general, counts(live)) == moved(before, after_general)
    return app.named.taken > taken, got


@pytest.mark.parametrize("query", NAMED, ids=[q.name for q in NAMED])
def test_every_named_query_in_every_format(live, lines, query):
    taken = 0
    for accept in ACCEPTS:
        was_taken, (status, _, _) = both(live, lines, *get(query.name, **({"accept": accept} if accept else {})))
        taken += was_taken
        assert status == 200
    for fmt in ("json", "csv", "xml", "tsv", "html", "application/sparql-results+json"):
        was_taken, (status, _, _) = both(live, lines, *get(query.name, urlencode({"format": fmt})))
        taken += was_taken
        assert status == 200
        assert not (was_taken and fmt == "html")  # the page is FastAPI's
    defaults = {p.name: p.default for p in query.params if p.default}
    if defaults:  # given explicitly, as a link would
        was_taken, (status, _, _) = both(live, lines, *get(query.name, urlencode(defaults)))
        assert status == 200
    assert taken or query.name == "recherche"  # answered here once the engine is known fast (recherche: slower)


HANDED_OVER = [
    ("quartiers-par-commune", "", {"accept": "text/html"}),
    ("quartiers-par-commune", "", {"origin": "https://exemple.org"}),
    ("quartiers-par-commune", "", {"accept_encoding": "gzip, br"}),
    ("quartiers-par-commune", "csv=1", {}),
    ("quartiers-par-commune", "timeout=1", {}),
    ("quartiers-par-commune", "format=json&format=csv", {}),
    ("quartiers-par-commune", "format=inconnu", {}),
    ("quartiers-par-commune", "", {"accept": "image/png"}),
    ("quartiers-par-commune", "inconnu=1", {}),
    ("inconnue", "", {}),
    ("objectifs-d-un-partenaire", "partenaire=Pas+un+partenaire", {}),
    ("objectifs-d-un-partenaire", "partenaire=a&partenaire=b", {}),
]


@pytest.mark.parametrize("case", range(len(HANDED_OVER)))
def test_other_requests_are_answered_the_same(live, lines, case):
    name, query, headers = HANDED_OVER[case]
    both(live, lines, *get(name, query, **headers))
