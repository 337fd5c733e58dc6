"""``/queries``: the named questions over HTTP, for people who don't write SPARQL."""

from __future__ import annotations

import csv
import html
import io
import json

import pytest

from graphe import queries

CATALOGUE = queries.catalogue()
WITH_IRI = [q for q in CATALOGUE if any(p.type == "iri" for p in q.params)]


def test_the_list(client):
    response = client.get("/queries")
    assert response.headers["content-type"].startswith("application/json")
    entries = response.json()
    assert [e["name"] for e in entries] == [q.name for q in CATALOGUE]
    for entry, query in zip(entries, CATALOGUE):
        assert entry["summary"] == query.summary and entry["description"] == query.description
        assert entry["tags"] == list(query.tags)
        assert entry["params"] == [
            {"name": p.name, "type": p.type, "default": p.default, "label": p.label} for p in query.params
        ]
        assert entry["url"] == f"/queries/{query.name}" and entry["query"] == query.text


def test_the_list_for_a_browser(client):
    response = client.get("/queries", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    for query in CATALOGUE:
        assert f'href="/queries/{query.name}"' in response.text


@pytest.mark.parametrize("query", CATALOGUE, ids=[q.name for q in CATALOGUE])
def test_each_named_query_answers_as_the_store_does(client, oxigraph_store, query):
    response = client.get(f"/queries/{query.name}")
    assert response.status_code == 200, response.text
    expected = json.loads(oxigraph_store.query(query.bind({}), format="json").body)
    assert response.json()["head"] == expected["head"]
    got = response.json()["results"]["bindings"]
    assert sorted(map(json.dumps, got)) == sorted(map(json.dumps, expected["results"]["bindings"]))


@pytest.mark.parametrize("fmt, media_type", [("json", "application/sparql-results+json"), ("csv", "text/csv"), ("html", "text/html"), ("tsv", "text/tab-separated-values"), ("xml", "application/sparql-results+xml")])
def test_formats_by_parameter(client, fmt, media_type):
    name = CATALOGUE[0].name
    response = client.get(f"/queries/{name}", params={"format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)


def test_formats_by_accept(client):
    name = CATALOGUE[0].name
    assert client.get(f"/queries/{name}", headers={"Accept": "text/csv"}).headers["content-type"].startswith("text/csv")
    browser = client.get(f"/queries/{name}", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.headers["content-type"].startswith("text/html")
    assert "<table" in browser.text and CATALOGUE[0].summary in html.unescape(browser.text)
    assert client.get(f"/queries/{name}", headers={"Accept": "image/png"}).status_code == 406


def test_the_html_table_matches_the_csv(client):
    query = max(CATALOGUE, key=lambda q: len(client.get(f"/queries/{q.name}", params={"format": "csv"}).text))
    rows = list(csv.reader(io.StringIO(client.get(f"/queries/{query.name}", params={"format": "csv"}).text)))
    page = client.get(f"/queries/{query.name}", params={"format": "html"}).text
    assert page.count("<tr>") == len(rows)  # header row + one per answer
    assert "Télécharger" in page and "format=csv" in page


def test_the_html_table_links_resources_to_their_pages_here(client):
    page = client.get("/queries/partenaires-communs", params={"format": "html"}).text
    assert '<a href="/partenaires/ars">Agence régionale de santé</a>' in page  # the name, linked to the partner's page
    assert "partenaire:ars" not in page and "<th scope=\"col\">Nombre de communes</th>" in page
    assert client.get("/partenaires/ars", headers={"Accept": "text/html"}).status_code == 200


@pytest.mark.skipif(not WITH_IRI, reason="aucune requête nommée à paramètre IRI")
def test_parameters_are_bound(client):
    query = WITH_IRI[0]
    param = next(p for p in query.params if p.type == "iri")
    default = client.get(f"/queries/{query.name}").json()["results"]["bindings"]
    absent = "https://w3id.org/contrats-de-ville/id/commune/00000"
    other = client.get(f"/queries/{query.name}", params={param.name: absent}).json()["results"]["bindings"]
    assert default and other == []
    same = client.get(f"/queries/{query.name}", params={param.name: queries.expand_iri(param.default)})
    assert same.json()["results"]["bindings"] == default


@pytest.mark.skipif(not WITH_IRI, reason="aucune requête nommée à paramètre IRI")
@pytest.mark.parametrize(
    "value",
    ["pas une iri", "http://x/> } SERVICE <http://127.0.0.1:9/", "<http://x/a b>"],
)
def test_bad_parameter_values_are_400_in_french(client, value):
    query = WITH_IRI[0]
    param = next(p for p in query.params if p.type == "iri")
    response = client.get(f"/queries/{query.name}", params={param.name: value})
    assert response.status_code == 400
    assert "IRI invalide" in response.text


def test_unknown_and_repeated_parameters_are_400(client):
    query = CATALOGUE[0]
    response = client.get(f"/queries/{query.name}", params={"inconnu": "1"})
    assert response.status_code == 400 and "paramètre inconnu" in response.text
    if query.params:
        name = query.params[0].name
        repeated = client.get(f"/queries/{query.name}", params=[(name, "a"), (name, "b")])
        assert repeated.status_code == 400


def test_unknown_query_is_404(client):
    response = client.get("/queries/nexiste-pas")
    assert response.status_code == 404 and "/queries" in response.text


def test_named_queries_obey_the_row_cap_and_etag(client, live):
    query = CATALOGUE[0]
    first = client.get(f"/queries/{query.name}")
    assert first.headers["etag"]
    assert client.get(f"/queries/{query.name}", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert int(first.headers["x-rows"]) <= live.settings.row_limit
