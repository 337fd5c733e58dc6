"""The tests' reference for the dumps graphe build writes from its Oxigraph store: N-Quads and each
named graph's Turtle, from rdflib terms converted once to Oxigraph's.

``graphe build`` writes its dumps file by file from its store (:mod:`graphe.build.ox_files`,
:mod:`graphe.build.ox_jsonld`); tests/test_ox_build.py compares them with this in-memory
writer, itself compared with rdflib's writers (tests/test_ox_dumps.py): each named graph's
triples become Oxigraph terms once, are sorted, and Oxigraph writes them; the N-Quads are the
very bytes of :func:`graphe.build.dumps.to_nquads`, the Turtle holds the very triples of
:func:`graphe.build.dumps.to_turtle`, laid out by Oxigraph, subjects in N-Triples order, with
the prefixes it uses, sorted. (It was the build's writer before the store; it lives here
since nothing but the tests calls it.)
"""

from __future__ import annotations

import json

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


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def jsonld(graphs: dict[URIRef, list[ox.Triple]]) -> str:
    """The bytes of :func:`graphe.build.dumps.to_jsonld`, from the converted triples (rdflib's
    index lookups per subject and property cost ≈ 130 µs a triple)."""
    table = prefixes()
    by_length = sorted(table.items(), key=lambda kv: -len(kv[1]))
    compacted: dict[str, str] = {}

    def compact(iri: str) -> str:
        found = compacted.get(iri)
        if found is None:
            found = iri
            for prefix, ns in by_length:
                if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
                    found = f"{prefix}:{iri[len(ns):]}"
                    break
            compacted[iri] = found
        return found

    def value(o) -> dict:
        if isinstance(o, ox.Literal):
            v: dict = {"@value": o.value}
            if o.language:
                v["@language"] = o.language
            elif o.datatype.value != XSD_STRING:
                v["@type"] = compact(o.datatype.value)
            return v
        return {"@id": compact(o.value)}

    def sort_key(v: dict) -> tuple:
        return tuple(sorted(v.items()))

    out = []
    for name, triples in graphs.items():
        subjects: dict[str, dict[str, list]] = {}
        for t in triples:
            subjects.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
        nodes = []
        for s in sorted(subjects):
            node: dict = {"@id": compact(s)}
            properties = subjects[s]
            types = sorted(compact(o.value) for o in properties.get(RDF_TYPE, ()))
            if types:
                node["@type"] = types
            for p in sorted(properties):
                if p != RDF_TYPE:
                    node[compact(p)] = sorted((value(o) for o in properties[p]), key=sort_key)
            nodes.append(node)
        out.append({"@id": compact(str(name)), "@graph": nodes})
    return json.dumps({"@context": dict(table), "@graph": out}, ensure_ascii=False, indent=1) + "\n"


def stats_quads(graphs: dict[URIRef, list[ox.Triple]]):
    """The quads as :func:`graphe.stats.compute` reads them (N-Triples strings, as ``stats.rdflib_quads``)."""
    for name, triples in graphs.items():
        g = f"<{name}>"
        for t in triples:
            yield str(t.subject), str(t.predicate), str(t.object), g
