"""The SPARQL 1.1 Protocol on a live server: operations, dataset, formats, statuses."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree

import pytest
from rdflib import Graph, URIRef
from rdflib.query import Result

from graphe.namespaces import GRAPH_ANNEXE, GRAPH_ONTOLOGIE, GRAPH_REFERENTIEL, SD, VOID

COMMUNES = """PREFIX cdv: <https://w3id.org/contrats-de-ville/ontologie#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?commune ?nom WHERE { ?commune a cdv:Commune ; rdfs:label ?nom } ORDER BY ?commune"""
CONSTRUCT = """PREFIX cdv: <https://w3id.org/contrats-de-ville/ontologie#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?c rdfs:label ?nom } WHERE { ?c a cdv:Commune ; rdfs:label ?nom }"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


def bindings(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def column(response, name: str) -> list[str]:
    return [b[name]["value"] for b in bindings(response) if name in b]


def count(response) -> int:
    return int(bindings(response)[0]["n"]["value"])


# --- the three ways to send a query ------------------------------------------------------------


def test_get_post_form_and_post_direct_give_the_same_answer(client, communes):
    get = client.get("/sparql", params={"query": COMMUNES})
    form = client.post("/sparql", data={"query": COMMUNES})
    direct = client.post("/sparql", content=COMMUNES.encode(), headers={"Content-Type": "application/sparql-query"})
    assert get.headers["content-type"].startswith("application/sparql-results+json")
    names = column(get, "nom")
    assert sorted(names) == sorted(c.label for c in communes)
    assert column(form, "nom") == column(direct, "nom") == names
    assert json.loads(get.content)["head"]["vars"] == ["commune", "nom"]


def test_head_answers_without_a_body(client):
    response = client.head("/sparql", params={"query": COMMUNES})
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["content-length"]) > 0


def test_the_default_graph_is_the_union_of_the_named_graphs(client, live):
    total = count(client.get("/sparql", params={"query": COUNT}))
    graphs = column(client.get("/sparql", params={"query": GRAPHS}), "g")
    assert set(graphs) >= {str(GRAPH_ANNEXE), str(GRAPH_ONTOLOGIE), str(GRAPH_REFERENTIEL)}
    assert total == live.runtime.executor.size_union


def test_default_graph_uri_and_named_graph_uri_are_honoured(client, live):
    counts = live.runtime.executor.counts
    only = client.get("/sparql", params={"query": COUNT, "default-graph-uri": str(GRAPH_ONTOLOGIE)})
    assert count(only) == counts[str(GRAPH_ONTOLOGIE)]
    two = client.post("/sparql", data={"query": COUNT, "default-graph-uri": [str(GRAPH_ONTOLOGIE), str(GRAPH_REFERENTIEL)]})
    assert count(two) <= counts[str(GRAPH_ONTOLOGIE)] + counts[str(GRAPH_REFERENTIEL)]
    assert count(two) > counts[str(GRAPH_ONTOLOGIE)]
    named = client.get("/sparql", params={"query": GRAPHS, "named-graph-uri": str(GRAPH_REFERENTIEL)})
    assert column(named, "g") == [str(GRAPH_REFERENTIEL)]
    # named graphs only: the default graph is then empty, as the protocol says
    assert count(client.get("/sparql", params={"query": COUNT, "named-graph-uri": str(GRAPH_REFERENTIEL)})) == 0
    # with sparql-query POST, the graph URIs come in the URL
    direct = client.post(
        "/sparql", params={"default-graph-uri": str(GRAPH_REFERENTIEL)}, content=COUNT,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert count(direct) == counts[str(GRAPH_REFERENTIEL)]


def test_protocol_graphs_override_the_query_dataset(client, live):
    counts = live.runtime.executor.counts
    text = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH_ONTOLOGIE}> WHERE {{ ?s ?p ?o }}"
    assert count(client.get("/sparql", params={"query": text})) == counts[str(GRAPH_ONTOLOGIE)]
    overridden = client.get("/sparql", params={"query": text, "default-graph-uri": str(GRAPH_REFERENTIEL)})
    assert count(overridden) == counts[str(GRAPH_REFERENTIEL)]


def test_from_named_in_the_query(client):
    text = f"SELECT DISTINCT ?g FROM NAMED <{GRAPH_ANNEXE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert column(client.get("/sparql", params={"query": text}), "g") == [str(GRAPH_ANNEXE)]


# --- formats and negotiation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.4, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
        ("text/*;q=0.5, application/sparql-results+xml;q=0.6", "application/sparql-results+xml"),
        ("text/*", "text/csv"),
        ("image/png, */*;q=0.1", "application/sparql-results+json"),
        ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
        ("", "application/sparql-results+json"),
    ],
)
def test_select_negotiation(client, accept, expected):
    response = client.get("/sparql", params={"query": COMMUNES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]


def test_every_select_format_holds_the_same_rows(client):
    def get(fmt):
        return client.get("/sparql", params={"query": COMMUNES, "format": fmt})

    names = sorted(column(get("json"), "nom"))
    xml = Result.parse(io.BytesIO(get("xml").content), format="xml")
    assert sorted(str(row.nom) for row in xml) == names
    rows = list(csv.DictReader(io.StringIO(get("csv").text)))
    assert sorted(r["nom"] for r in rows) == names
    tsv = get("tsv").text.splitlines()
    assert tsv[0] == "?commune\t?nom" and len(tsv) == 5
    assert all(line.split("\t")[0].startswith("<https://") for line in tsv[1:])


def test_format_parameter_overrides_accept(client):
    response = client.get("/sparql", params={"query": COMMUNES, "format": "csv"}, headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    "accept, expected, parse_as",
    [
        (None, "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("text/plain", "application/n-triples", "nt"),
        ("application/xml;q=0.5, text/turtle;q=0.4", "application/rdf+xml", "xml"),
    ],
)
def test_construct_formats(client, accept, expected, parse_as, communes):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    graph = Graph().parse(data=response.content, format=parse_as)
    assert len(graph) == len(communes)
    assert all((URIRef(c.iri), None, None) in graph for c in communes)


def test_ask_in_every_format(client):
    text = "ASK { ?s ?p ?o }"
    assert client.get("/sparql", params={"query": text}).json() == {"head": {}, "boolean": True}
    xml = ElementTree.fromstring(client.get("/sparql", params={"query": text, "format": "xml"}).content)
    assert xml.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"
    assert client.get("/sparql", params={"query": "ASK { <http://x/> <http://x/> <http://x/> }", "format": "csv"}).text.strip() == "false"


@pytest.mark.parametrize(
    "query, params, headers",
    [
        (COMMUNES, {}, {"Accept": "image/png"}),
        (COMMUNES, {"format": "pdf"}, {}),
        (COMMUNES, {"format": "turtle"}, {}),
        (CONSTRUCT, {}, {"Accept": "text/csv"}),
        (CONSTRUCT, {"format": "csv"}, {}),
    ],
)
def test_406_when_nothing_acceptable(client, query, params, headers):
    response = client.get("/sparql", params={"query": query, **params}, headers=headers)
    assert response.status_code == 406
    assert "format" in response.text and "Traceback" not in response.text


# --- without a query ---------------------------------------------------------------------------


@pytest.mark.parametrize("accept, parse_as", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("*/*", "turtle")])
def test_service_description(client, live, accept, parse_as):
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=parse_as)
    service = URIRef(live.sparql)
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats and len(formats) == 8
    dataset = graph.value(service, SD.defaultDataset)
    names = {str(graph.value(n, SD.name)) for n in graph.objects(dataset, SD.namedGraph)}
    assert names == set(live.runtime.executor.counts)
    sizes = {int(graph.value(graph.value(n, SD.graph), VOID.triples)) for n in graph.objects(dataset, SD.namedGraph)}
    assert sizes == set(live.runtime.executor.counts.values())


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def test_a_browser_gets_the_query_page(client, live):
    page = live.runtime.settings.static_dir / "query.html"
    assert page.is_file(), "src/graphe/static/query.html manque"
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.content == page.read_bytes()
    # a permalink opens the page too (it runs the query itself)
    linked = client.get("/sparql", params={"query": COMMUNES}, headers={"Accept": BROWSER})
    assert linked.content == page.read_bytes()
    # but a download link (format=) answers the data
    assert client.get("/sparql", params={"query": COMMUNES, "format": "csv"}, headers={"Accept": BROWSER}).text.startswith("commune,nom")


def test_the_page_assets_are_served(client, live):
    for asset in sorted(live.runtime.settings.static_dir.iterdir()):
        response = client.get(f"/static/{asset.name}")
        assert response.status_code == 200 and response.content == asset.read_bytes()
    assert client.get("/static/absent.js").status_code == 404
    assert client.get("/static/../server.py").status_code == 404


# --- statuses ------------------------------------------------------------------------------------


def test_malformed_query_is_400_with_the_parser_message_and_position(client):
    response = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "invalide" in response.text and "1:" in response.text
    assert "Traceback" not in response.text


def test_errors_are_json_for_json_clients(client):
    response = client.get("/sparql", params={"query": "SELECT"}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and "invalide" in body["error"]


def test_two_query_parameters_are_400(client):
    assert client.get("/sparql", params=[("query", COUNT), ("query", COUNT)]).status_code == 400
    assert client.post("/sparql", data={"query": [COUNT, COUNT]}).status_code == 400
    assert client.post("/sparql", params={"query": COUNT}, data={"query": COUNT}).status_code == 400
    direct = client.post("/sparql", params={"query": COUNT}, content=COUNT, headers={"Content-Type": "application/sparql-query"})
    assert direct.status_code == 400


def test_missing_and_empty_queries(client):
    assert client.post("/sparql", data={"format": "json"}).status_code == 400
    assert client.get("/sparql", params={"query": "  "}).status_code == 400


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(client, method):
    response = client.request(method, "/sparql", content=COUNT)
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST", "OPTIONS"}


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "multipart/form-data; boundary=x", None])
def test_unsupported_post_bodies_are_415(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", content=COUNT.encode(), headers=headers)
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


def test_bad_timeout_parameter_is_400(client):
    assert client.get("/sparql", params={"query": COUNT, "timeout": "vite"}).status_code == 400
    assert client.get("/sparql", params={"query": COUNT, "timeout": "-1"}).status_code == 400


def test_predeclared_prefixes(client, communes):
    """A query may use the project's prefixes without declaring them."""
    response = client.get("/sparql", params={"query": "SELECT ?c WHERE { ?c a cdv:Commune }"})
    assert len(bindings(response)) == len(communes)
    clash = "PREFIX cdv: <http://example.org/autre#> SELECT ?c WHERE { ?c a cdv:Commune }"
    assert bindings(client.get("/sparql", params={"query": clash})) == []
