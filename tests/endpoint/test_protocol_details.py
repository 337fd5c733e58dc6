"""Details of the SPARQL 1.1 Protocol the endpoint must get right (issue #8 §5).

These run against a live server with the DEFAULT limits (the shared ``live`` server has small
ones to keep its limit tests fast): a dataset without a query is a 400, queries up to 1 MiB
are answered, longer ones are 413, and relative IRIs resolve against the service's base IRI.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from graphe import guard
from graphe.api import Settings
from graphe.namespaces import GRAPH_ANNEXE, SERVICE_IRI

from .conftest import start_server, stop_server

SITE = SERVICE_IRI.rsplit("/", 1)[0] + "/"


@pytest.fixture(scope="module")
def default_live(endpoint_dist):
    server = start_server(Settings(dist=endpoint_dist, workers=1))
    yield server
    stop_server(server)


@pytest.fixture()
def http(default_live):
    with default_live.client() as c:
        yield c


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_a_dataset_without_a_query_is_a_400(http, param):
    response = http.get("/sparql", params={param: str(GRAPH_ANNEXE)}, headers={"Accept": "text/turtle"})
    assert response.status_code == 400
    assert "query" in response.text and "sd:Service" not in response.text
    # without the dataset parameter the same request is the service description
    assert http.get("/sparql", headers={"Accept": "text/turtle"}).status_code == 200


def _query_of(size: int) -> str:
    """A real query of exactly ``size`` UTF-8 bytes: a VALUES block of IRIs, padded by a comment."""
    head, tail = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?s { ", " } ?s ?p ?o } #"
    row = "<https://w3id.org/contrats-de-ville/id/commune/94017> "
    count = (size - len(head) - len(tail)) // len(row) - 1
    text = head + row * count + tail
    return text + "é" * ((size - len(text.encode())) // 2) + "x" * ((size - len(text.encode())) % 2)


def test_queries_up_to_one_mebibyte_are_answered(http):
    limit = Settings().max_query_length
    assert limit >= 1_048_576
    text = _query_of(limit)
    assert len(text.encode()) == limit
    for body, content_type in (
        (text.encode(), "application/sparql-query"),
        (urlencode({"query": text}).encode(), "application/x-www-form-urlencoded"),  # longer on the wire
    ):
        response = http.post("/sparql", content=body, headers={"Content-Type": content_type, "Accept": "text/csv"})
        assert response.status_code == 200, response.text[:300]
        assert int(response.text.split()[1]) > 0  # the commune's triples, once per VALUES row, counted


def test_longer_queries_are_413(http):
    text = _query_of(Settings().max_query_length + 1)
    response = http.post("/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    assert "trop longue" in response.text
    response = http.post("/sparql", data={"query": text})
    assert response.status_code == 413


def test_relative_iris_in_a_construct_template(http):
    response = http.post(
        "/sparql", data={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}, headers={"Accept": "application/n-triples"}
    )
    assert response.status_code == 200, response.text
    assert response.text.strip() == (
        f'<{SITE}s> <{SITE}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    )


def test_the_empty_relative_iri_is_the_service(http):
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s <> ?o }"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    lines = response.text.strip().splitlines()
    assert sorted(lines[0].split(",")) == ["o", "s"] and lines[1:] == []  # no triple has <…/sparql> as predicate


def test_relative_iris_reach_the_data(http):
    """Resolved against the service IRI, ``<id/commune/94017>`` is the commune's IRI."""
    query = "SELECT ?nom WHERE { <id/commune/94017> rdfs:label ?nom }"
    response = http.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert "Champigny-sur-Marne" in response.text
    based = "BASE <http://ailleurs/> SELECT ?nom WHERE { <id/commune/94017> rdfs:label ?nom }"
    assert http.get("/sparql", params={"query": based}, headers={"Accept": "text/csv"}).text.strip() == "nom"


def test_relative_from_resolves_against_the_base_too():
    graphs = {str(GRAPH_ANNEXE)}
    checked = guard.check("SELECT * FROM <graphe/annexe-1> WHERE {}", graphs=graphs, base=SERVICE_IRI)
    assert checked.default_graphs == (str(GRAPH_ANNEXE),)
    assert checked.base == SERVICE_IRI


@pytest.mark.parametrize("kind", ["oxigraph", "rdflib"])
def test_both_embedded_engines_resolve_relative_iris(kind, oxigraph_store, rdflib_store):
    store = oxigraph_store if kind == "oxigraph" else rdflib_store
    result = store.query("CONSTRUCT { <s> <p> 1 } WHERE {}", format="ntriples")
    assert result.body.decode().startswith(f"<{SITE}s> <{SITE}p> ")
