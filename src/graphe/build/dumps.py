"""The dump writers: N-Quads, TriG, Turtle per named graph, JSON-LD — every one sorted.

The same input must give the same bytes (the version is the SHA-256 of ``dataset.nq``), so
each writer orders its output itself rather than trusting a library's iteration order.
"""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
from rdflib import RDF, XSD, Dataset, Graph, Literal, URIRef
from rdflib.plugins.serializers.turtle import TurtleSerializer

from graphe.namespaces import (
    GRAPH_ANNEXE,
    GRAPH_DERIVEES,
    GRAPH_INFERENCES,
    GRAPH_ONTOLOGIE,
    GRAPH_REFERENTIEL,
    bind_all,
    prefixes,
)
from graphe.terms import to_ox

#: Named graphs in publication order, with the Turtle dump each one gets.
GRAPH_FILES = {
    GRAPH_ONTOLOGIE: "ontologie.ttl",
    GRAPH_ANNEXE: "annexe-1.ttl",
    GRAPH_REFERENTIEL: "referentiel.ttl",
    GRAPH_INFERENCES: "inferences.ttl",
    GRAPH_DERIVEES: "derivees.ttl",
}


def named_graphs(ds: Dataset) -> dict[URIRef, Graph]:
    """The non-empty named graphs, in publication order (known graphs first, then by IRI)."""
    order = list(GRAPH_FILES)
    found = {g.identifier: g for g in ds.graphs() if len(g) and str(g.identifier) != "urn:x-rdflib:default"}
    return dict(sorted(found.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), str(kv[0]))))


def to_nquads(ds: Dataset) -> str:
    """N-Quads, one line per quad, sorted (written by Oxigraph's serialiser: 4× rdflib's speed, same bytes)."""
    quads = [
        ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode(str(name))) for name, g in named_graphs(ds).items() for s, p, o in g
    ]
    text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return "".join(sorted({f"{line}\n" for line in text.splitlines() if line.strip()}))


class LexicalTurtle(TurtleSerializer):
    """rdflib's Turtle writer, except that a literal keeps its lexical form.

    rdflib writes numbers bare and rewrites them on the way (``"14"^^xsd:decimal`` becomes
    ``14.0``): a different RDF term, so the Turtle dumps would disagree with the N-Quads. A
    literal is written bare only when the bare form is its lexical form.
    """

    def label(self, node, position):
        if isinstance(node, Literal) and node.datatype is not None:
            plain = super().label(node, position)
            if plain.startswith('"') or plain == str(node):
                return plain
            return node._literal_n3(use_plain=False, qname_callback=lambda dt: self.get_pname(dt, True))
        return super().label(node, position)


def serialize_turtle(graph: Graph) -> str:
    """``graph`` in Turtle through :class:`LexicalTurtle` (rdflib sorts subjects and objects)."""
    buffer = io.BytesIO()
    LexicalTurtle(graph).serialize(buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def to_turtle(graph: Graph) -> str:
    """Turtle with the project's prefixes (only those used)."""
    g = bind_all(Graph())
    g += graph
    return serialize_turtle(g)


def _split_prefixes(turtle: str) -> tuple[list[str], str]:
    head: list[str] = []
    body: list[str] = []
    for line in turtle.splitlines():
        (head if line.startswith("@prefix") else body).append(line)
    return head, "\n".join(body).strip("\n")


def to_trig(ds: Dataset, turtles: dict[URIRef, str] | None = None) -> str:
    """TriG: the union of the prefixes used, then each named graph's Turtle in publication order.

    ``turtles``: each graph's :func:`to_turtle`, when the caller has them already (the build writes
    them too: at 300× each costs minutes).
    """
    heads: set[str] = set()
    blocks = []
    for name, g in named_graphs(ds).items():
        head, body = _split_prefixes(turtles[name] if turtles is not None else to_turtle(g))
        heads.update(head)
        # not indented: a multi-line literal would change
        blocks.append(f"<{name}> {{\n{body}\n}}\n")
    return "\n".join(sorted(heads)) + "\n\n" + "\n".join(blocks)


def to_jsonld(ds: Dataset) -> str:
    """JSON-LD (flattened, one node object per subject per graph), sorted, compact IRIs by the prefix table."""
    table = prefixes()
    by_length = sorted(table.items(), key=lambda kv: -len(kv[1]))

    def compact(iri: str) -> str:
        for prefix, ns in by_length:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns) :].startswith("//"):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def value(o):
        if isinstance(o, Literal):
            v: dict = {"@value": str(o)}
            if o.language:
                v["@language"] = o.language
            elif o.datatype and o.datatype != XSD.string:
                v["@type"] = compact(str(o.datatype))
            return v
        return {"@id": compact(str(o))}

    def sort_key(v: dict) -> tuple:
        return tuple(sorted(v.items()))

    graphs = []
    for name, g in named_graphs(ds).items():
        nodes = []
        for s in sorted(set(g.subjects())):
            node: dict = {"@id": compact(str(s))}
            types = sorted(compact(str(t)) for t in g.objects(s, RDF.type))
            if types:
                node["@type"] = types
            for p in sorted(set(g.predicates(s)) - {RDF.type}):
                node[compact(str(p))] = sorted((value(o) for o in g.objects(s, p)), key=sort_key)
            nodes.append(node)
        graphs.append({"@id": compact(str(name)), "@graph": nodes})
    doc = {"@context": dict(table), "@graph": graphs}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"

