"""The dataset's description (VoID + DCAT), fetched as an integrator finds it: from the server.

``/.well-known/void`` leads to ``/void``; rdflib and rapper read it; every dump it lists is an
absolute IRI under ``https://w3id.org/contrats-de-ville/dumps/``, fetched from the server at
that path, parsed by both parsers (rdflib alone for JSON-LD, which raptor does not read), and
checked against the size and checksum the description states.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pytest
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF

from graphe.namespaces import DCAT, GRAPH_ANNEXE, ID_BASE, SPDX, VOID

PUBLIC = ID_BASE[: -len("id/")]
DUMPS = PUBLIC + "dumps/"
#: extension → (rdflib parser, rapper parser or None, quads?)
PARSERS = {
    "nq": ("nquads", "nquads", True),
    "trig": ("trig", "trig", True),
    "ttl": ("turtle", "turtle", False),
    "jsonld": ("json-ld", None, True),
}


def rapper(data: bytes, syntax: str, base: str) -> int:
    assert shutil.which("rapper"), "rapper absent : bash scripts/system-packages.sh --tests"
    done = subprocess.run(["rapper", "-i", syntax, "-c", "-", base], input=data, capture_output=True, timeout=120, check=False)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0 and "Error" not in err and "Warning" not in err, err[-2000:]
    return int(re.search(r"returned (\d+) (?:triples|statements)", err).group(1))


@pytest.fixture(scope="module")
def void(live) -> tuple[bytes, Graph]:
    with live.client() as c:
        response = c.get("/.well-known/void", headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert response.status_code == 200 and response.url.path == "/void"
    assert response.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=response.content, format="turtle", publicID=PUBLIC + "void")
    return response.content, g


@pytest.fixture(scope="module")
def dataset(void) -> URIRef:
    g = void[1]
    (d,) = set(g.subjects(RDF.type, DCAT.Dataset)) & set(g.subjects(RDF.type, VOID.Dataset)) - set(
        g.objects(None, VOID.subset)
    )
    return d


def test_rapper_reads_the_description_as_rdflib_does(void):
    data, g = void
    assert rapper(data, "turtle", PUBLIC + "void") == len(g)


def test_the_description_is_complete(void, dataset):
    g = void[1]
    d = dataset
    assert (URIRef(PUBLIC + "void"), FOAF.primaryTopic, d) in g
    for p in (DCTERMS.title, DCTERMS.description):
        assert any(isinstance(o, Literal) and o.language == "fr" for o in g.objects(d, p)), p
    assert g.value(d, DCTERMS.license) == URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    publisher = g.value(d, DCTERMS.publisher)
    assert publisher is not None and g.value(publisher, FOAF.name) is not None
    assert g.value(d, VOID.sparqlEndpoint) == URIRef(PUBLIC + "sparql")
    assert str(g.value(d, VOID.uriSpace)) == ID_BASE
    assert len(str(g.value(d, DCAT.version))) == 64
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(g.value(d, DCTERMS.modified)))
    assert set(g.objects(d, VOID.classPartition)) and set(g.objects(d, VOID.propertyPartition))
    service = URIRef(PUBLIC + "sparql")
    assert (service, RDF.type, DCAT.DataService) in g and (service, DCAT.servesDataset, d) in g


def test_no_relative_iri(void):
    data, g = void
    other = Graph().parse(data=data, format="turtle", publicID="http://ailleurs.example/x/")
    assert isomorphic(other, g), "une IRI relative dépend de l'adresse de lecture"


def test_example_resources_and_partitions_match_the_server(client, void, dataset, live):
    g = void[1]
    examples = list(g.objects(dataset, VOID.exampleResource))
    assert len(examples) >= 3
    for example in examples:
        assert str(example).startswith(ID_BASE)
        assert client.get("/id/" + str(example)[len(ID_BASE):], headers={"Accept": "text/turtle"}).status_code == 200
    for part in g.objects(dataset, VOID.classPartition):
        cls, n = g.value(part, VOID["class"]), int(g.value(part, VOID.entities))
        answer = client.get("/sparql", params={"query": f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a <{cls}> }}"})
        assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) == n, cls


def dumps(g: Graph, dataset: URIRef) -> list[URIRef]:
    found = set(g.objects(dataset, VOID.dataDump)) | set(g.objects(None, DCAT.downloadURL))
    found |= {o for s in g.objects(dataset, VOID.subset) for o in g.objects(s, VOID.dataDump)}
    return sorted(found)


def test_every_dump_it_lists_is_served_and_parses_with_both_parsers(client, void, dataset):
    g = void[1]
    listed = dumps(g, dataset)
    assert {str(u).rsplit("/", 1)[-1] for u in listed} >= {"dataset.nq", "dataset.trig", "dataset.jsonld", "annexe-1.ttl"}
    union = None
    for iri in listed:
        assert str(iri).startswith(DUMPS), f"{iri} n'est pas une IRI absolue de la publication"
        name = str(iri)[len(DUMPS):]
        response = client.get("/dumps/" + name)
        assert response.status_code == 200, name
        data = response.content
        assert int(g.value(iri, DCAT.byteSize)) == len(data) == int(response.headers["content-length"])
        checksum = g.value(iri, SPDX.checksum)
        assert str(g.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert g.value(iri, DCAT.mediaType) is not None and g.value(iri, DCTERMS["format"]) is not None
        parser, raptor, quads = PARSERS[name.rsplit(".", 1)[1]]
        if quads:
            parsed = Dataset()
            parsed.parse(data=data, format=parser, publicID=str(iri))
            n = sum(1 for q in parsed.quads((None, None, None, None)) if q[3] is not None)
            if union is None:
                union = n
            assert n == union, f"{name} n'a pas le même nombre de quads que les autres dumps"
        else:
            n = len(Graph().parse(data=data, format=parser, publicID=str(iri)))
        assert n > 0 or name == "inferences.ttl"
        if raptor:
            assert rapper(data, raptor, str(iri)) == n, name


def test_per_graph_counts(void, client):
    g = void[1]
    n = int(g.value(GRAPH_ANNEXE, VOID.triples))
    turtle = client.get("/dumps/annexe-1.ttl").content
    assert len(Graph().parse(data=turtle, format="turtle")) == n
