"""``/id/…``: every resource IRI of the dataset dereferences, for browsers and RDF clients."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS

from graphe import dataset
from graphe.namespaces import CDV, ID_BASE, OA

DS = dataset.load()
DS.default_union = True  # the union of the named graphs, as the endpoint serves it
SUBJECTS = sorted(
    {str(s) for s in DS.subjects() if isinstance(s, URIRef) and str(s).startswith(ID_BASE)}
)
assert len(SUBJECTS) > 300, "every resource of the data is a test case"


def path(iri: str) -> str:
    return "/id/" + iri[len(ID_BASE):]


@pytest.mark.parametrize("iri", SUBJECTS, ids=[s[len(ID_BASE):] for s in SUBJECTS])
def test_every_resource_dereferences_as_turtle_with_what_the_data_says(client, iri):
    response = client.get(path(iri), headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=response.text, format="turtle")
    subject = URIRef(iri)
    stated = {(p, o) for _, p, o in DS.triples((subject, None, None)) if not isinstance(o, BNode)}
    served = set(g.predicate_objects(subject))
    assert stated <= served


def test_a_passage_is_served_down_to_its_quote_and_offsets(client):
    iri = "https://w3id.org/contrats-de-ville/id/action/champigny-sante-2-5"
    g = Graph().parse(data=client.get(path(iri), headers={"Accept": "application/n-triples"}).text, format="nt")
    quotes = {str(q) for q in g.objects(None, OA.exact)}
    assert "Maison de la Prévention" in quotes  # the mention, three nodes down
    assert any(g.objects(None, OA.start))
    assert (URIRef(iri), CDV.partenaire, URIRef(ID_BASE + "partenaire/maison-de-la-prevention")) in g
    # the neighbours' labels come along, so a client can show the links without another request
    assert any(g.objects(URIRef(ID_BASE + "partenaire/maison-de-la-prevention"), RDFS.label))


def test_a_browser_gets_a_french_page_with_links_and_passages(client):
    response = client.get(path(ID_BASE + "action/champigny-sante-2-5"), headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="fr">' in html
    assert 'href="/partenaires/maison-de-la-prevention"' in html  # the partner's page
    assert "« Maison de la Prévention »" in html and 'href="/annexe#passage-' in html  # the mention, then the annex
    assert "caractères" in html and "?format=turtle" in html
    assert "cdv:" not in html and "@fr" not in html and ".well-known/genid" not in html
    assert '<link rel="stylesheet" href="/static/pages.css">' in html
    assert client.get("/static/pages.css").headers["content-type"].startswith("text/css")


@pytest.mark.parametrize("fmt,media", [("jsonld", "application/ld+json"), ("ntriples", "application/n-triples")])
def test_format_parameter(client, fmt, media):
    response = client.get(path(ID_BASE + "commune/94017") + f"?format={fmt}")
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)


def test_unknown_resource_is_404_not_an_empty_graph(client):
    response = client.get("/id/partenaire/n-existe-pas", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert "n-existe-pas" in response.text


def test_unacceptable_media_type_is_406(client):
    response = client.get(path(ID_BASE + "commune/94017"), headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_etag_and_304(client):
    first = client.get(path(ID_BASE + "commune/94017"), headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    again = client.get(path(ID_BASE + "commune/94017"), headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304


def test_a_type_is_served_for_every_class_resource(client):
    g = Graph().parse(data=client.get(path(ID_BASE + "partenaire/omm"), headers={"Accept": "text/turtle"}).text)
    assert (URIRef(ID_BASE + "partenaire/omm"), RDF.type, CDV.Association) in g
