"""Skolemisation: blank nodes become IRIs that depend only on the data.

Dumps must be byte-stable between builds of the same input, so a blank node (a passage, a
selector, a mention) cannot keep a parser-chosen label: it becomes an IRI under
``…/id/.well-known/genid/`` (RDF 1.1 §3.5) named by what it says and where it hangs.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from rdflib import BNode, Dataset, Graph, URIRef

from graphe.namespaces import ID_BASE, bind_all, prefixes

#: Where blank nodes become IRIs (RDF 1.1 §3.5 Skolemization, under the project's id space).
GENID = ID_BASE + ".well-known/genid/"


def skolemize(ds: Dataset) -> Dataset:
    """A copy of ``ds`` whose blank nodes are Skolem IRIs that depend only on the data.

    A blank node's name hashes what it says (its outgoing triples, recursively) and where it
    hangs (the subjects and properties pointing to it, by their own final names), so it does
    not depend on parse order. Blank nodes that agree on both are interchangeable copies; they
    are numbered in any order, which gives the same bytes whatever the order.

    >>> from rdflib import Dataset, URIRef, BNode, Literal
    >>> a, b, p = URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:p")
    >>> def one():
    ...     d = Dataset(); g = d.graph(URIRef("urn:g")); n = BNode()
    ...     g.add((a, p, n)); g.add((n, p, Literal("x"))); g.add((b, p, BNode()))
    ...     return sorted(skolemize(d).quads((None, None, None, None)))
    >>> one() == one()
    True
    """
    quads = [(s, p, o, g) for s, p, o, g in ds.quads((None, None, None, None)) if g is not None]
    names = skolem_names(quads)

    def sk(term):
        return URIRef(GENID + names[term]) if isinstance(term, BNode) else term

    out = bind_all(Dataset())
    for s, p, o, g in quads:
        out.graph(g).add((sk(s), p, sk(o)))
    return out


def _rdflib_n3(term) -> str:
    return term.n3()


def _rdflib_blank(term) -> bool:
    return isinstance(term, BNode)


def skolem_names(quads: list[tuple], blank=_rdflib_blank, n3=_rdflib_n3) -> dict:
    """Stable names (hex) for the blank nodes of ``quads``.

    ``blank`` tells a blank node, ``n3`` writes any other term as rdflib's ``Term.n3()`` does
    (the names hash these strings): the defaults read rdflib terms, :mod:`graphe.build.ox_skolem`
    gives Oxigraph's and gets the very same names.
    """
    out_edges: dict[object, list[tuple]] = defaultdict(list)
    in_edges: dict[object, list[tuple]] = defaultdict(list)
    graphs: dict[object, set[str]] = defaultdict(set)
    for s, p, o, g in quads:
        if blank(s):
            out_edges[s].append((p, o))
            graphs[s].add(str(g))
        if blank(o):
            in_edges[o].append((s, p, g))
            graphs[o].add(str(g))
    bnodes = set(graphs)

    content: dict = {}

    def content_hash(b, stack: frozenset = frozenset()) -> str:
        if b in content:
            return content[b]
        if b in stack:  # a cycle of blank nodes: cut it, deterministically
            return "cycle"
        lines = sorted(f"{n3(p)} {content_hash(o, stack | {b}) if blank(o) else n3(o)}" for p, o in out_edges[b])
        lines += sorted(graphs[b])
        content[b] = _sha("\n".join(lines))
        return content[b]

    # Kahn layers: a blank node is named once every blank node pointing to it has its name.
    parents = {b: {s for s, _, _ in in_edges[b] if blank(s)} for b in bnodes}
    names: dict = {}
    layer = [b for b in bnodes if not parents[b]]
    remaining = set(bnodes)
    while remaining:
        if not layer:  # only cycles left: name them by content and IRI context alone
            layer = list(remaining)
        raw: dict[str, list] = defaultdict(list)
        for b in layer:
            context = sorted(
                f"{names.get(s, 'cycle') if blank(s) else n3(s)} {n3(p)} {g}" for s, p, g in in_edges[b]
            )
            raw[_sha(content_hash(b) + "\n" + "\n".join(context))].append(b)
        for label, same in raw.items():
            for i, b in enumerate(same):
                names[b] = label[:32] if len(same) == 1 else f"{label[:32]}-{i}"
        remaining -= set(layer)
        layer = [b for b in remaining if parents[b] <= names.keys()]
    return names


def relabel(graph: Graph) -> Graph:
    """A copy of ``graph`` whose blank nodes have stable labels (named as :func:`skolemize` would).

    For the documents about the data (VoID, SHACL report): they keep their blank nodes, which
    rdflib's Turtle writer then nests as ``[ … ]`` in an order that depends only on the labels.
    """
    name = URIRef("urn:x-graphe:tmp")
    quads = [(s, p, o, name) for s, p, o in graph]
    names = skolem_names(quads)
    out = bind_all(Graph())
    for prefix, ns in graph.namespaces():
        if prefix not in prefixes():
            out.bind(prefix, ns)
    for s, p, o, _ in quads:
        out.add((BNode("b" + names[s]) if isinstance(s, BNode) else s, p, BNode("b" + names[o]) if isinstance(o, BNode) else o))
    return out


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

