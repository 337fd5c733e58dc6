"""Read-only and no network, by construction: Update, SERVICE and foreign FROM are refused.

The network tests point the query at a local listener that must receive no connection; the
file test asks for ``file:///etc/passwd`` and checks nothing of it comes back. Both the live
endpoint and the stores used directly are tried (a store is as guarded as the endpoint).
"""

from __future__ import annotations

import time

import pytest

from graphe.errors import Refused

UPDATES = [
    "INSERT DATA { <http://x/s> <http://x/p> <http://x/o> }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX x: <http://x/> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "DROP SILENT GRAPH <https://w3id.org/contrats-de-ville/graphe/annexe-1>",
    "CREATE GRAPH <http://x/g>",
    "ADD DEFAULT TO <http://x/g>",
    "MOVE DEFAULT TO <http://x/g>",
    "COPY DEFAULT TO <http://x/g>",
    "load <http://127.0.0.1:9/data.ttl>",
]


def count(client) -> int:
    r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_in_query(client, update):
    before = count(client)
    for response in (
        client.get("/sparql", params={"query": update}),
        client.post("/sparql", data={"query": update}),
        client.post("/sparql", content=update, headers={"Content-Type": "application/sparql-query"}),
    ):
        assert response.status_code == 400
        assert "lecture seule" in response.text
    assert count(client) == before


def test_the_update_operation_is_refused(client):
    update = UPDATES[0]
    for response in (
        client.get("/sparql", params={"update": update}),
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"}),
    ):
        assert response.status_code == 400
        assert "lecture seule" in response.text


def test_load_never_fetches(client, listener):
    url, assert_untouched = listener
    response = client.post("/sparql", data={"query": f"LOAD <{url}> INTO GRAPH <http://x/g>"})
    assert response.status_code == 400
    time.sleep(0.1)
    assert_untouched()


SERVICES = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o . service silent <{url}> {{ ?s ?p ?x }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "ASK {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", SERVICES)
def test_service_is_refused_before_any_connection(client, listener, template):
    url, assert_untouched = listener
    text = template.format(url=url)
    response = client.post("/sparql", data={"query": text, "timeout": "1"})
    assert response.status_code == 400
    assert "SERVICE" in response.text
    time.sleep(0.1)
    assert_untouched()


def test_service_refused_by_the_stores_too(oxigraph_store, rdflib_store, listener):
    url, assert_untouched = listener
    for store in (oxigraph_store, rdflib_store):
        with pytest.raises(Refused, match="SERVICE"):
            store.query(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
    assert_untouched()


def test_the_word_service_elsewhere_is_fine(client):
    text = 'PREFIX ex: <http://example.org/> SELECT ?service WHERE { BIND("SERVICE <http://x/>" AS ?service) } # SERVICE'
    response = client.get("/sparql", params={"query": text})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["service"]["value"] == "SERVICE <http://x/>"


FOREIGN = [
    "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "BASE <file:///etc/> SELECT * FROM <passwd> WHERE {{ ?s ?p ?o }}",
    "PREFIX f: <file:///etc/> ASK FROM f:passwd {{ ?s ?p ?o }}",
    "DESCRIBE <file:///etc/passwd> FROM <file:///etc/passwd>",
]


@pytest.mark.parametrize("template", FOREIGN)
def test_foreign_from_is_refused_and_leaks_nothing(client, listener, template):
    url, assert_untouched = listener
    text = template.format(url=url)
    for response in (client.get("/sparql", params={"query": text}), client.post("/sparql", data={"query": text})):
        assert response.status_code == 400
        assert "graphe inconnu" in response.text
        assert "root:" not in response.text and "/bin/" not in response.text
    time.sleep(0.1)
    assert_untouched()


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_foreign_protocol_graphs_are_refused(client, listener, param):
    url, assert_untouched = listener
    for graph in ("file:///etc/passwd", url):
        response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", param: graph})
        assert response.status_code == 400 and "root:" not in response.text
    assert_untouched()


def test_stores_never_read_a_file_or_url(oxigraph_store, rdflib_store, listener):
    url, assert_untouched = listener
    for store in (oxigraph_store, rdflib_store):
        for text in (f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"):
            with pytest.raises(Refused, match="graphe inconnu"):
                store.query(text)
    assert_untouched()


def test_rdflib_does_not_fetch_even_past_the_guard(rdflib_store, listener):
    """Defence in depth: rdflib fetches the IRI of a FROM graph it holds no triple of, unless
    told not to; the store tells it so, and then a graph that slipped past the guard is empty."""
    from graphe.guard import CheckedQuery

    url, assert_untouched = listener
    sneaked = CheckedQuery("SELECT * WHERE { ?s ?p ?o }", "SELECT", default_graphs=(url,), named_graphs=())
    assert rdflib_store.query(sneaked, format="csv").rows == 0
    assert_untouched()
