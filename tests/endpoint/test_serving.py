"""Serving well: ETag/304, Cache-Control, gzip, CORS, /health, /metrics, the log line, the cache."""

from __future__ import annotations

import gzip
import json
import logging

import httpx
import pytest

QUERY = "SELECT ?c ?nom WHERE { ?c a cdv:Commune ; rdfs:label ?nom } ORDER BY ?c"
BIG = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 300"


def test_etag_and_304(client, live):
    first = client.get("/sparql", params={"query": QUERY})
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and "max-age=" in first.headers["cache-control"]
    again = client.get("/sparql", params={"query": QUERY}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    listed = client.get("/sparql", params={"query": QUERY}, headers={"If-None-Match": f'"autre", {etag}'})
    assert listed.status_code == 304
    # another representation, another tag
    csv = client.get("/sparql", params={"query": QUERY}, headers={"Accept": "text/csv"})
    assert csv.headers["etag"] != etag
    assert client.get("/sparql", params={"query": QUERY}, headers={"Accept": "text/csv", "If-None-Match": etag}).status_code == 200
    # another query, another tag; the same query by POST has the same tag but POST is never 304
    assert client.get("/sparql", params={"query": QUERY + " LIMIT 1"}).headers["etag"] != etag
    post = client.post("/sparql", data={"query": QUERY}, headers={"If-None-Match": etag})
    assert post.status_code == 200 and post.headers["etag"] == etag


def test_the_etag_names_the_dataset_version(live):
    from graphe.api.http import etag_for

    a = etag_for("v1", "SELECT", "json")
    assert a == etag_for("v1", "SELECT", "json") != etag_for("v2", "SELECT", "json")
    assert len(live.runtime.version) == 64


def test_service_description_and_lists_have_etags_too(client):
    for path, headers in (("/sparql", {"Accept": "text/turtle"}), ("/queries", {})):
        first = client.get(path, headers=headers)
        assert first.status_code == 200
        assert client.get(path, headers={**headers, "If-None-Match": first.headers["etag"]}).status_code == 304


def test_gzip_for_large_answers(live):
    with httpx.Client(base_url=live.url, timeout=30) as c:
        raw = c.get("/sparql", params={"query": BIG}, headers={"Accept-Encoding": "gzip"})
        # httpx decodes: look at the headers, then compare with an identity answer
        assert raw.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in raw.headers["vary"]
        plain = c.get("/sparql", params={"query": BIG}, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert raw.content == plain.content
        small = c.get("/sparql", params={"query": "ASK {}"}, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in small.headers
    with httpx.stream("GET", live.sparql, params={"query": BIG}, headers={"Accept-Encoding": "gzip"}) as r:
        body = b"".join(r.iter_raw())
    assert gzip.decompress(body) == plain.content
    assert len(body) < len(plain.content) / 3


def test_gzip_on_other_routes(client):
    response = client.get("/queries", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"


@pytest.mark.parametrize("path", ["/sparql?query=ASK%20%7B%7D", "/queries", "/health", "/sparql"])
def test_cors_everyone_without_credentials(client, path):
    response = client.get(path, headers={"Origin": "https://exemple.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_cors_exposes_the_row_headers(client):
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://exemple.org"})
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "x-rows", "x-row-limit", "x-truncated"} <= exposed


@pytest.mark.parametrize("path", ["/sparql", "/queries"])
def test_cors_preflight(client, path):
    response = client.options(path, headers={
        "Origin": "https://exemple.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


def test_health(client, live):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["version"] == live.runtime.version
    assert body["workers_alive"] == live.settings.workers
    assert body["triples"] > 1000
    assert set(body["graphs"]) == set(live.runtime.executor.graphs)
    assert body["named_queries"] == len(live.runtime.catalogue)


def _metric(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            if key.split("{")[0] == name and all(f'{k}="{v}"' in key for k, v in labels.items()):
                total += float(value)
    return total


def test_metrics(client):
    before = client.get("/metrics").text
    client.get("/sparql", params={"query": QUERY + " # métriques"})
    client.get("/sparql", params={"query": "SELECT ?x WHERE {"})
    client.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "timeout": "0.3"})
    after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    assert _metric(text, "graphe_http_requests_total", route="/sparql", status="200") > _metric(before, "graphe_http_requests_total", route="/sparql", status="200")
    assert _metric(text, "graphe_http_request_duration_seconds_count", route="/sparql") >= 3
    assert _metric(text, "graphe_http_request_duration_seconds_bucket", route="/sparql", le="+Inf") >= 3
    assert _metric(text, "graphe_query_timeouts_total") >= _metric(before, "graphe_query_timeouts_total") + 1
    assert _metric(text, "graphe_query_errors_total", status="400") >= _metric(before, "graphe_query_errors_total", status="400") + 1
    assert _metric(text, "graphe_query_errors_total", status="503") >= 1
    assert _metric(text, "graphe_query_duration_seconds_count") >= 1
    assert _metric(text, "graphe_http_requests_total", route="/metrics") >= 1
    assert "graphe_workers " in text


def test_one_structured_log_line_per_query(client, caplog, communes):
    with caplog.at_level(logging.INFO, logger="graphe.query"):
        client.get("/sparql", params={"query": QUERY + " # journal"}, headers={"Cache-Control": "no-cache"})
        client.get("/sparql", params={"query": "SELECT ?x WHERE {"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "graphe.query"]
    assert len(lines) == 2
    ok, bad = lines
    assert ok["event"] == "query" and ok["status"] == 200 and ok["rows"] == len(communes)
    assert len(ok["hash"]) == 16 and ok["ms"] >= 0 and ok["form"] == "SELECT" and ok["cache"] == "bypass"
    assert bad["status"] == 400 and "invalide" in bad["error"]


def test_the_answer_cache(client, live):
    text = QUERY + " # cache"
    first = client.get("/sparql", params={"query": text})
    hits = live.runtime.cache.hits
    second = client.get("/sparql", params={"query": text})
    assert live.runtime.cache.hits == hits + 1
    assert second.content == first.content and second.headers["x-rows"] == first.headers["x-rows"]
    client.get("/sparql", params={"query": text}, headers={"Cache-Control": "no-cache"})
    assert live.runtime.cache.hits == hits + 1


def test_answer_cache_is_bounded():
    from graphe.api.http import AnswerCache, Cached

    cache = AnswerCache(8_000)
    for i in range(100):
        cache.put(str(i), Cached(b"x" * 500, "text/plain", ()))
    assert cache.size <= 8_000 and cache.get("0") is None and cache.get("99") is not None
    cache.put("gros", Cached(b"x" * 2_000, "text/plain", ()))
    assert cache.get("gros") is None  # more than an eighth: not kept


def test_prefixes_route(client):
    table = client.get("/prefixes").json()
    assert table["cdv"] == "https://w3id.org/contrats-de-ville/ontologie#"


def test_unknown_paths_are_short_404s(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404 and "introuvable" in response.text
    assert client.get("/docs").status_code == 404  # no Swagger page (it would load a CDN)
