"""The published documents, fetched from the live server as an integrator would.

``/ontologie``, ``/formes`` and every ``/graphe/{name}`` in every RDF format are parsed by two
parsers that share no code: rdflib and rapper (Debian's raptor2-utils; it reads no JSON-LD, so
JSON-LD is checked by rdflib against the Turtle of the same document). The HTML documentation
is checked against the ontology, shapes and data files; pyLODE renders the language views.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape

import pytest
from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH, SKOS

from graphe import dataset
from graphe.namespaces import (
    CDV,
    GRAPH_ANNEXE,
    GRAPH_DERIVEES,
    GRAPH_INFERENCES,
    GRAPH_ONTOLOGIE,
    GRAPH_REFERENTIEL,
    ID_BASE,
    prefixes,
)
from graphe.project import current

PUBLIC = ID_BASE[: -len("id/")]
GRAPHS = [GRAPH_ONTOLOGIE, GRAPH_ANNEXE, GRAPH_REFERENTIEL, GRAPH_INFERENCES, GRAPH_DERIVEES]
#: Every document route and the file of the release it publishes.
DOCUMENTS = {
    "/ontologie": "ontologie.ttl",
    "/formes": "formes.ttl",
    **{"/graphe/" + str(g).rsplit("/", 1)[-1]: str(g).rsplit("/", 1)[-1] + ".ttl" for g in GRAPHS},
    "/void": "void.ttl",
}
#: format= name → (media type, rdflib parser, rapper parser or None).
RDF_FORMATS = {
    "turtle": ("text/turtle", "turtle", "turtle"),
    "ntriples": ("application/n-triples", "nt", "ntriples"),
    "jsonld": ("application/ld+json", "json-ld", None),
    "rdfxml": ("application/rdf+xml", "xml", "rdfxml"),
}


def rapper(data: bytes, syntax: str, base: str) -> int:
    """How many triples rapper reads in ``data``; fails the test on any error or warning."""
    assert shutil.which("rapper"), "rapper absent : bash scripts/system-packages.sh --tests"
    done = subprocess.run(
        ["rapper", "-i", syntax, "-c", "-", base], input=data, capture_output=True, timeout=120, check=False
    )
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0 and "Error" not in err and "Warning" not in err, err[-2000:]
    return int(re.search(r"returned (\d+) (?:triples|statements)", err).group(1))


@pytest.fixture(scope="module")
def release(endpoint_dist):
    return endpoint_dist


# ------------------------------------------------------------------------------ every format


@pytest.mark.parametrize("fmt", RDF_FORMATS)
@pytest.mark.parametrize("route", DOCUMENTS)
def test_every_document_in_every_format_parses_with_rdflib_and_rapper(client, release, route, fmt):
    media, parser, raptor = RDF_FORMATS[fmt]
    response = client.get(route, headers={"Accept": media})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    assert response.headers["vary"].startswith("Accept")
    base = PUBLIC + route.lstrip("/")
    served = Graph().parse(data=response.content, format=parser, publicID=base)
    built = Graph().parse(release / DOCUMENTS[route], format="turtle", publicID=base)
    assert len(served) == len(built) > 0
    assert isomorphic(served, built), f"{route} en {fmt} ne dit pas ce que dit {DOCUMENTS[route]}"
    if raptor:
        assert rapper(response.content, raptor, base) == len(built)
    by_name = client.get(route, params={"format": fmt})
    assert by_name.status_code == 200 and by_name.content == response.content


def test_the_routes_cover_every_named_graph(live):
    assert sorted(live.runtime.graphs) == sorted(map(str, GRAPHS))


def test_the_ontology_document_is_the_ontology_graph(client):
    g = Graph().parse(data=client.get("/ontologie", headers={"Accept": "text/turtle"}).text, format="turtle")
    source = dataset.load(dataset.ontology_files()).graph(GRAPH_ONTOLOGIE)
    assert len(g) == len(source)  # blank nodes are skolemised in the release: the rest is the same
    assert {t for t in source if not any(isinstance(x, BNode) for x in t)} <= set(g)
    assert (CDV.Commune, RDF.type, OWL.Class) in g


def test_the_shapes_document_holds_every_shape(client):
    g = Graph().parse(data=client.get("/formes", headers={"Accept": "application/n-triples"}).text, format="nt")
    source = Graph().parse(current().ontology / "shapes.ttl", format="turtle")
    shapes = set(source.subjects(RDF.type, SH.NodeShape)) | set(source.subjects(RDF.type, SH.PropertyShape))
    assert shapes and all((s, RDF.type, None) in g for s in shapes)


def test_a_language_view_keeps_one_language_and_untagged_literals(client):
    full = Graph().parse(data=client.get("/ontologie?format=ntriples").text, format="nt")
    french = Graph().parse(data=client.get("/ontologie?format=ntriples&lang=fr").text, format="nt")
    kept = {t for t in full if not isinstance(t[2], Literal) or t[2].language in (None, "fr")}
    assert set(french) == kept and len(french) < len(full)
    assert client.get("/ontologie?format=turtle&lang=f!").status_code == 400


@pytest.mark.parametrize("route", ["/ontologie", "/formes", "/graphe/annexe-1"])
def test_etag_and_304(client, route):
    first = client.get(route, headers={"Accept": "text/turtle"})
    again = client.get(route, headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    other = client.get(route, headers={"Accept": "application/rdf+xml", "If-None-Match": first.headers["etag"]})
    assert other.status_code == 200, "un autre format est une autre représentation"


def test_head_is_answered_like_get(client):
    get = client.get("/ontologie", headers={"Accept": "text/turtle"})
    head = client.head("/ontologie", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and not head.content
    assert head.headers["etag"] == get.headers["etag"]


def test_unknown_graph_and_unacceptable_type(client):
    missing = client.get("/graphe/n-existe-pas", headers={"Accept": "text/turtle"})
    assert missing.status_code == 404 and "n-existe-pas" in missing.text
    assert client.get("/ontologie", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/ontologie?format=csv").status_code == 406


# ------------------------------------------------------------------------------ pages for people


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("route", ["/ontologie", "/formes", "/graphe/annexe-1", "/graphe/inferences", "/void"])
def test_a_browser_gets_a_french_page_without_prefixed_names(client, route):
    response = client.get(route, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="fr">' in html and '<link rel="stylesheet" href="/static/pages.css">' in html
    assert PUBLIC + route.lstrip("/") in html
    text = visible_text(html)
    names = "|".join(map(re.escape, prefixes()))
    assert not re.search(rf"(?<![\w/#:])(?:{names}):[A-Za-z]", text), "nom préfixé montré aux personnes"
    assert "^^" not in text and not re.search(r"@(fr|en)\b", text) and ".well-known/genid" not in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "identifiants en double"
    assert "?format=turtle" in html


def test_the_documentation_page_documents_every_term(client):
    html = client.get("/ontologie", headers={"Accept": "text/html"}).text
    onto = Graph().parse(current().ontology / "cdv.ttl", format="turtle")
    terms = sorted(
        s for s in onto.subjects(RDFS.isDefinedBy, URIRef(str(CDV).rstrip("#"))) if str(s).startswith(str(CDV))
    )
    assert len(terms) > 50
    for term in terms:
        name = str(term)[len(str(CDV)):]
        start = html.index(f'<section class="terme" id="{name}">')
        section = html[start:html.index("</section>", start)]
        assert str(term) in section
        for label in onto.objects(term, RDFS.label):
            # each language apart, marked with its language, never run together
            assert f'<dd lang="{label.language}">{escape(label)}</dd>' in section, (name, label)
        for definition in onto.objects(term, SKOS.definition):
            assert f'<dt>Définition en {"français" if definition.language == "fr" else "anglais"}</dt>' in section


def escape(text) -> str:
    from markupsafe import escape as esc

    return str(esc(str(text)))


def test_each_class_shows_an_example_from_the_data_and_its_shapes(client, release):
    html = client.get("/ontologie", headers={"Accept": "text/html"}).text
    ds = Dataset(default_union=True)  # the release: asserted and inferred (a QPV is a Quartier)
    ds.parse(release / "dataset.nq", format="nquads")
    shapes = Graph().parse(current().ontology / "shapes.ttl", format="turtle")
    onto = ds.graph(GRAPH_ONTOLOGIE)
    examples = 0
    for cls in set(onto.subjects(RDF.type, OWL.Class)):
        if not str(cls).startswith(str(CDV)):
            continue
        name = str(cls)[len(str(CDV)):]
        start = html.index(f'<section class="terme" id="{name}">')
        section = html[start:html.index("</section>", start)]
        members = sorted(str(s) for s in ds.subjects(RDF.type, cls) if str(s).startswith(ID_BASE) and "genid" not in str(s))
        if members:
            examples += 1
            assert f'Exemple tiré des données : <a href="/id/{members[0][len(ID_BASE):]}"' in section, name
        for shape in shapes.subjects(SH.targetClass, cls):
            assert f'id="forme-{str(shape).rsplit("#", 1)[-1]}"' in section, (name, shape)
            for ps in shapes.objects(shape, SH.property):
                message = shapes.value(ps, SH.message)
                assert shapes.value(ps, SH.name) is None or escape(shapes.value(ps, SH.name)) in section
                assert message is not None
    assert examples > 15


# ------------------------------------------------------------------------------ pyLODE


@pytest.mark.parametrize("lang,shown,hidden", [("fr", "Territoire", "Territory (EPT)"), ("en", "Territory (EPT)", "Territoire")])
def test_pylode_renders_each_language_view_with_every_concept(client, tmp_path, lang, shown, hidden):
    from pylode import OntPub

    path = tmp_path / f"ontologie-{lang}.ttl"
    path.write_bytes(client.get("/ontologie", params={"format": "turtle", "lang": lang}).content)
    html = OntPub(ontology=str(path)).make_html()
    titles = [t.strip() for t in re.findall(r"<h3>([^<]*)<sup", html)]
    assert shown in titles and hidden not in " ".join(titles), "libellés de deux langues accolés"
    onto = Graph().parse(current().ontology / "cdv.ttl", format="turtle")
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in onto.subjects(RDF.type, kind):
            if str(term).startswith(str(CDV)):
                assert f"<code>{term}</code>" in html, f"{term} absent du rendu de pyLODE"
                label = next(str(lit) for lit in onto.objects(term, RDFS.label) if lit.language == lang)
                assert escape(label) in titles or label in titles, (term, label)


@pytest.mark.parametrize("resource", ["commune/94017", "action/champigny-sante-2-5", "partenaire/omm"])
def test_the_terms_on_a_resource_page_lead_to_their_documentation_here(client, resource):
    page = client.get(f"/id/{resource}", headers={"Accept": "text/html"}).text
    terms = set(re.findall(r'href="/ontologie#([^"]+)"', page))
    assert terms, "les propriétés et classes de la page devraient mener à la documentation"
    doc = client.get("/ontologie", headers={"Accept": "text/html"}).text
    for term in terms:
        assert f'<section class="terme" id="{term}">' in doc, term


def test_the_release_page_lists_every_dump_with_its_size(client, release):
    html = client.get("/void", headers={"Accept": "text/html"}).text
    void = Graph().parse(release / "void.ttl", format="turtle")
    downloads = set(void.objects(None, URIRef("http://www.w3.org/ns/dcat#downloadURL")))
    assert len(downloads) >= 7
    for url in downloads:
        name = str(url).rsplit("/", 1)[-1]
        assert f'<a href="/dumps/{name}">{name}</a>' in html
    assert '<a href="/sparql">' in html and "Licence" in html
