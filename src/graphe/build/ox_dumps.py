"""The large dumps written by Oxigraph: N-Quads and each named graph's Turtle, from one conversion.

At France's size (300×, 2.8 M quads) rdflib's Turtle writer takes ≈ 300 µs a triple — the
build's longest stage after validation — and every dump converted the rdflib terms again.
Here each named graph's triples become Oxigraph terms once (a term met again is not converted
again), are sorted, and Oxigraph writes them: the N-Quads are the very bytes of
:func:`graphe.build.dumps.to_nquads`, the Turtle holds the very triples of
:func:`graphe.build.dumps.to_turtle` (``tests/test_build.py`` parses every dump and compares
them), laid out by Oxigraph, subjects in N-Triples order, with the prefixes it uses, sorted.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from graphe.build.dumps import named_graphs
from graphe.namespaces import prefixes
from graphe.terms import to_ox


def ox_graphs(ds: Dataset) -> dict[URIRef, list[ox.Triple]]:
    """Each non-empty named graph (publication order) as sorted Oxigraph triples."""
    memo: dict = {}

    def term(t):
        found = memo.get(t)
        if found is None:
            found = memo[t] = to_ox(t)
        return found

    out = {}
    for name, g in named_graphs(ds).items():
        triples = [ox.Triple(term(s), term(p), term(o)) for s, p, o in g]
        triples.sort(key=str)
        out[name] = triples
    return out


def nquads(graphs: dict[URIRef, list[ox.Triple]]) -> str:
    """N-Quads, one line per quad, sorted: the bytes of :func:`graphe.build.dumps.to_nquads`."""
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(str(name))) for name, ts in graphs.items() for t in ts]
    text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return "".join(sorted({f"{line}\n" for line in text.splitlines() if line.strip()}))


def turtle(triples: list[ox.Triple]) -> str:
    """Turtle of ``triples`` (sorted) with the project's prefixes it uses, one ``@prefix`` line each, sorted."""
    table = prefixes()
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=table).decode("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix ")).strip("\n")
    used = sorted(p for p in table if f"{p}:" in body)  # Oxigraph writes every prefix given, in no fixed order
    head = "".join(f"@prefix {p}: <{table[p]}> .\n" for p in used)
    return f"{head}\n{body}\n" if body else head
