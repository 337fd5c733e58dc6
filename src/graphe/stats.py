"""Counting what a dataset holds: triples per named graph, instances per class, properties.

The same figures feed ``void.ttl`` and ``build.json`` at build time and ``graphe stats``
afterwards, so they are computed from plain quads (``(s, p, o, g)`` tuples of N-Triples
terms) that any engine can yield: rdflib while building, Oxigraph on the built dump.
Per-commune figures are a named query (``queries/comptes-par-commune.rq``), not code here,
so the endpoint offers the very same table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from graphe.namespaces import NAMESPACES

RDF_TYPE = f"<{NAMESPACES['rdf']}type>"

Quad = tuple[str, str, str, str]


@dataclass
class GraphStats:
    """What one named graph (or the whole dataset) holds. Terms are N-Triples strings."""

    triples: int = 0
    subjects: set[str] = field(default_factory=set)
    objects: set[str] = field(default_factory=set)
    properties: Counter = field(default_factory=Counter)
    classes: dict[str, set[str]] = field(default_factory=dict)

    def add(self, s: str, p: str, o: str) -> None:
        self.triples += 1
        self.subjects.add(s)
        self.objects.add(o)
        self.properties[p] += 1
        if p == RDF_TYPE:
            self.classes.setdefault(o, set()).add(s)

    def summary(self) -> dict:
        """Plain numbers, for JSON."""
        return {
            "triples": self.triples,
            "sujets": len(self.subjects),
            "objets": len(self.objects),
            "proprietes": len(self.properties),
            "classes": len(self.classes),
        }


@dataclass
class DatasetStats:
    """Figures for each named graph and for their union (the endpoint's default graph).

    >>> q = [("<a>", RDF_TYPE, "<C>", "<g1>"), ("<a>", "<p>", '"x"', "<g1>"), ("<a>", RDF_TYPE, "<C>", "<g2>")]
    >>> st = compute(q)
    >>> st.graphs["<g1>"].triples, st.union.triples, st.instances()
    (2, 2, {'<C>': 1})
    """

    graphs: dict[str, GraphStats]
    union: GraphStats

    def instances(self) -> dict[str, int]:
        """Distinct instances per class in the union, most frequent first, then by IRI."""
        counts = {c: len(members) for c, members in self.union.classes.items()}
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def triples_per_graph(self) -> dict[str, int]:
        return {g: st.triples for g, st in sorted(self.graphs.items())}


def compute(quads: Iterable[Quad]) -> DatasetStats:
    """Count ``quads``; the union counts each distinct triple once, as SPARQL's default graph does."""
    graphs: dict[str, GraphStats] = {}
    union = GraphStats()
    seen: set[tuple[str, str, str]] = set()
    for s, p, o, g in quads:
        graphs.setdefault(g, GraphStats()).add(s, p, o)
        if (s, p, o) not in seen:
            seen.add((s, p, o))
            union.add(s, p, o)
    return DatasetStats(graphs, union)


def rdflib_quads(ds) -> Iterable[Quad]:
    """Quads of an rdflib Dataset as N-Triples strings (named graphs only)."""
    for s, p, o, g in ds.quads((None, None, None, None)):
        if g is not None:
            yield s.n3(), p.n3(), o.n3(), g.n3()


def oxigraph_quads(store) -> Iterable[Quad]:
    """Quads of a pyoxigraph Store as N-Triples strings (named graphs only)."""
    import pyoxigraph

    for q in store.quads_for_pattern(None, None, None, None):
        if not isinstance(q.graph_name, pyoxigraph.DefaultGraph):
            yield str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)


def store_quads(store) -> Iterable[Quad]:
    """Quads of any :class:`graphe.store.Store` (named graphs only), through its query interface.

    Terms are N-Triples-like strings: exact for IRIs (graphs, classes, properties), and one
    distinct string per literal, which is all counting needs.
    """
    import json

    text = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    doc = json.loads(store.query(text, format="json", row_limit=None).body)

    def nt(t: dict) -> str:
        if t["type"] == "uri":
            return f"<{t['value']}>"
        if t["type"] == "bnode":
            return f"_:{t['value']}"
        return json.dumps([t["value"], t.get("datatype"), t.get("xml:lang")], ensure_ascii=False)

    for b in doc["results"]["bindings"]:
        yield nt(b["s"]), nt(b["p"]), nt(b["o"]), nt(b["g"])
