"""The SPARQL 1.1 Service Description of the endpoint (``GET /sparql`` without a query).

It says what a client needs before its first query: the endpoint, the language, the result
formats, that the default graph is the union of the named graphs (``sd:UnionDefaultGraph``),
and the default dataset with each named graph and its size (``void:triples``). The endpoint
IRI is the URL the client used, so the description is right behind any proxy or port.
"""

from __future__ import annotations

import pyoxigraph as ox

from graphe import formats
from graphe.namespaces import NAMESPACES

_NS = NAMESPACES
SD = _NS["sd"]
RDF_TYPE = ox.NamedNode(_NS["rdf"] + "type")
VOID_TRIPLES = ox.NamedNode(_NS["void"] + "triples")
DCT_TITLE = ox.NamedNode(_NS["dcterms"] + "title")
XSD_INTEGER = ox.NamedNode(_NS["xsd"] + "integer")
OWL_VERSION_INFO = ox.NamedNode(_NS["owl"] + "versionInfo")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def description(endpoint: str, counts: dict[str, int], union: int, version: str) -> list[ox.Triple]:
    """The triples of the description (``counts``: triples per named graph; ``union``: in the default graph)."""
    service = ox.NamedNode(endpoint)
    dataset = ox.BlankNode("jeu")
    default = ox.BlankNode("defaut")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, DCT_TITLE, ox.Literal("Graphe des contrats de ville de Paris Est Marne&Bois", language="fr")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, OWL_VERSION_INFO, ox.Literal(version)),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _sd("Graph")),
        ox.Triple(default, VOID_TRIPLES, ox.Literal(str(union), datatype=XSD_INTEGER)),
    ]
    for fmt in formats.SOLUTIONS + formats.GRAPH:
        triples.append(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(fmt.iri)))
    for i, (graph, count) in enumerate(sorted(counts.items())):
        named, body = ox.BlankNode(f"g{i}"), ox.BlankNode(f"c{i}")
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(graph)),
            ox.Triple(named, _sd("graph"), body),
            ox.Triple(body, RDF_TYPE, _sd("Graph")),
            ox.Triple(body, VOID_TRIPLES, ox.Literal(str(count), datatype=XSD_INTEGER)),
        ]
    return triples
