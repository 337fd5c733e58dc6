"""Real SPARQL clients, unchanged, against the live server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

SELECT = """PREFIX cdv: <https://w3id.org/contrats-de-ville/ontologie#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?commune ?nom WHERE { ?commune a cdv:Commune ; rdfs:label ?nom } ORDER BY ?nom"""
CONSTRUCT = """PREFIX cdv: <https://w3id.org/contrats-de-ville/ontologie#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?commune rdfs:label ?nom } WHERE { ?commune a cdv:Commune ; rdfs:label ?nom }"""


def wrapper(live, fmt, method=None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(live.sparql)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_select_json(live, method, communes):
    sparql = wrapper(live, JSON, method)
    sparql.setQuery(SELECT)
    result = sparql.queryAndConvert()
    assert [b["nom"]["value"] for b in result["results"]["bindings"]] == sorted(c.label for c in communes)


def test_sparqlwrapper_select_xml_csv_tsv(live, communes):
    sparql = wrapper(live, XML)
    sparql.setQuery(SELECT)
    dom = sparql.queryAndConvert()
    assert sorted(n.firstChild.data for n in dom.getElementsByTagName("literal")) == sorted(c.label for c in communes)
    for fmt, delimiter in ((CSV, ","), (TSV, "\t")):
        sparql = wrapper(live, fmt)
        sparql.setQuery(SELECT)
        text = sparql.queryAndConvert().decode()
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        assert len(rows) == 5


def test_sparqlwrapper_ask(live):
    sparql = wrapper(live, JSON)
    sparql.setQuery("ASK { ?s a <https://w3id.org/contrats-de-ville/ontologie#Commune> }")
    assert sparql.queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, N3])
def test_sparqlwrapper_construct(live, fmt, communes):
    sparql = wrapper(live, fmt)
    sparql.setQuery(CONSTRUCT)
    result = sparql.queryAndConvert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert len(graph) == len(communes)
    assert all((URIRef(c.iri), None, Literal(c.label, lang="fr")) in graph for c in communes)


def test_sparqlwrapper_sees_a_bad_query_as_such(live):
    sparql = wrapper(live, JSON)
    sparql.setQuery("SELECT ?x WHERE {")
    with pytest.raises(QueryBadFormed):
        sparql.query()


@pytest.mark.parametrize("method", ["GET", "POST_FORM"])
def test_rdflib_sparqlstore(live, method, communes):
    store = SPARQLStore(live.sparql, method=method)
    graph = Graph(store=store)
    rows = list(graph.query(SELECT))
    by_name = sorted(communes, key=lambda c: c.label)
    assert [str(r.nom) for r in rows] == [c.label for c in by_name]
    assert rows[0].commune == URIRef(by_name[0].iri)
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert len(constructed) == len(communes)
    assert (URIRef(by_name[0].iri), None, None) in graph  # triples() goes through SELECT too
    store.close()


def test_curl_the_readme_way(live, communes):
    """``curl -H 'Accept: text/csv' --data-urlencode query@q.rq http://…/sparql``, in Python."""
    import httpx

    response = httpx.post(live.sparql, content=httpx.QueryParams({"query": SELECT}).__str__(),
                          headers={"Accept": "text/csv", "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert response.text.splitlines()[0] == "commune,nom"
    assert [r["nom"] for r in csv.DictReader(io.StringIO(response.text))] == sorted(c.label for c in communes)
