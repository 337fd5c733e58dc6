"""The figures of ``void.ttl`` and ``build.json``, counted by Oxigraph in the build's store.

:func:`graphe.stats.compute` counts plain quads in Python, keeping every distinct term and every
distinct triple of the union in sets: at France's size (2.9 M quads) gigabytes of strings. The
build needs only the numbers, so they are aggregates here, evaluated in the store: the same
figures (a graph is a set of triples; the union counts each distinct triple once, as SPARQL's
default graph does), keyed by the same N-Triples strings. ``tests/test_ox_build.py`` checks them
against :func:`graphe.stats.compute` on the real data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"

_PER_GRAPH = "SELECT ?g (COUNT(DISTINCT ?s) AS ?ns) (COUNT(DISTINCT ?o) AS ?no) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_PROPERTIES = "SELECT ?g ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ?p"
_CLASSES = f"SELECT ?g ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s {RDF_TYPE} ?c }} }} GROUP BY ?g ?c"
_UNION = "SELECT (COUNT(DISTINCT ?s) AS ?ns) (COUNT(DISTINCT ?o) AS ?no) WHERE { GRAPH ?g { ?s ?p ?o } }"
_UNION_PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?p"
_UNION_CLASSES = f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s {RDF_TYPE} ?c }} }} GROUP BY ?c"


@dataclass
class Counts:
    """What one named graph (or the union) holds, as numbers; keys are N-Triples strings."""

    triples: int = 0
    subjects: int = 0
    objects: int = 0
    properties: dict[str, int] = field(default_factory=dict)  # triples per property
    classes: dict[str, int] = field(default_factory=dict)  # distinct instances per class


@dataclass
class StoreStats:
    """The counts of each named graph and of their union (what :class:`graphe.stats.DatasetStats` gives)."""

    graphs: dict[str, Counts]
    union: Counts

    def instances(self) -> dict[str, int]:
        """Distinct instances per class in the union, most frequent first, then by IRI."""
        return dict(sorted(self.union.classes.items(), key=lambda kv: (-kv[1], kv[0])))

    def triples_per_graph(self) -> dict[str, int]:
        return {g: c.triples for g, c in sorted(self.graphs.items())}


def compute(store: ox.Store) -> StoreStats:
    """Count the named graphs of ``store`` and their union (six passes: a graph's triples are the
    sum of its properties' counts, and distinct subjects need no distinct triples)."""
    graphs: dict[str, Counts] = {}
    for g, ns, no in store.query(_PER_GRAPH):
        graphs[str(g)] = Counts(0, _int(ns), _int(no))
    for g, p, n in store.query(_PROPERTIES):
        graphs[str(g)].properties[str(p)] = _int(n)
    for g, c, n in store.query(_CLASSES):
        graphs[str(g)].classes[str(c)] = _int(n)
    for counts in graphs.values():
        counts.triples = sum(counts.properties.values())
    ns, no = next(iter(store.query(_UNION)))
    union = Counts(0, _int(ns), _int(no))
    union.properties = {str(p): _int(n) for p, n in store.query(_UNION_PROPERTIES)}
    union.triples = sum(union.properties.values())
    union.classes = {str(c): _int(n) for c, n in store.query(_UNION_CLASSES)}
    return StoreStats(graphs, union)


def _int(term) -> int:
    return int(term.value)
