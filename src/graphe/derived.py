"""Derived facts: what the named queries would otherwise recompute from the whole graph.

Some questions climb a path on every call — which commune's contract does this action, this
event, this objective belong to? (``(cdv:concerne|cdv:objectif|cdv:axe|cdv:contrat)*/cdv:porteSur``)
— and at the size of France (≈ 1,200 communes) that transitive closure over the whole graph
costs seconds per question. ``graphe build`` computes such facts once, from the asserted data,
into their own named graph ``graphe:derivees``, and the named queries read the direct link.

Each derivation is a CONSTRUCT query in ``queries/derivees/*.rq`` (its definition is data, and
``tests/test_derived.py`` checks that the built facts equal the live computation). They are
evaluated by Oxigraph on the triples whose predicates the query names, from every graph the
named queries read (the asserted ones and the inferences): rdflib's engine would take minutes
on a national dataset.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graphe.guard import tokens
from graphe.namespaces import GRAPH_DERIVEES
from graphe.project import Project, current

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def derivations(project: Project | None = None) -> list[Path]:
    """The derivation queries of the project (``queries/derivees/*.rq``), sorted."""
    return sorted(((project or current()).queries / "derivees").glob("*.rq"))


def _iris(text: str) -> set[str]:
    """Every IRI the query names (``<…>`` or prefixed), expanded with its own PREFIX lines."""
    declared: dict[str, str] = {}
    found: set[str] = set()
    toks = list(tokens(text))
    for i, tok in enumerate(toks):
        if tok.keyword == "PREFIX" and i + 2 < len(toks):
            declared[toks[i + 1].text.rstrip(":")] = toks[i + 2].text.strip("<>")
        elif tok.kind == "iri" and (i < 2 or toks[i - 2].keyword != "PREFIX"):
            found.add(tok.text[1:-1])
        elif tok.kind == "word" and tok.text == "a":
            found.add(RDF_TYPE)
        elif tok.kind == "word" and ":" in tok.text and tok.text.split(":", 1)[0] in declared:
            prefix, local = tok.text.split(":", 1)
            found.add(declared[prefix] + local)
    return found


def sources(ds):
    """The graphs a derivation reads: all but ``graphe:derivees`` — what the named queries read
    (the inferences included: a ``cdv:AxePrioritaire`` is a ``cdv:Objectif`` there)."""
    return [g for g in ds.graphs() if g.identifier != GRAPH_DERIVEES]


def compute(ds, project: Project | None = None) -> list[tuple]:
    """The derived triples (rdflib terms) of every derivation, on every graph of ``ds`` but
    ``graphe:derivees``."""
    from rdflib import URIRef

    from graphe.terms import to_ox

    graphs = sources(ds)
    out: list[tuple] = []
    for path in derivations(project):
        text = path.read_text(encoding="utf-8")
        store = ox.Store()
        quads = []
        for iri in _iris(text):
            for g in graphs:
                for s, p, o in g.triples((None, URIRef(iri), None)):
                    quads.append(ox.Quad(to_ox(s), to_ox(p), to_ox(o)))
        store.extend(quads)
        for triple in store.query(text):
            out.append((_rdflib(triple.subject), _rdflib(triple.predicate), _rdflib(triple.object)))
    return out


def _rdflib(term):
    """A pyoxigraph term as an rdflib one (the build's dataset is rdflib's)."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def derive(ds, project: Project | None = None) -> int:
    """Add the derived facts to ``ds``'s graph ``graphe:derivees``; how many."""
    target = ds.graph(GRAPH_DERIVEES)
    triples = compute(ds, project)
    for triple in triples:
        target.add(triple)
    return len(triples)


def derive_store(store: ox.Store, project: Project | None = None) -> int:
    """Add the derived facts to the build's store, graph ``graphe:derivees``; how many.

    Each derivation reads the union of the store's named graphs, which at this point of the build
    are what :func:`sources` gives (``graphe:derivees`` is still empty); Oxigraph evaluates it
    in place, with no copy of the triples it reads.
    """
    target = ox.NamedNode(str(GRAPH_DERIVEES))
    triples = []
    for path in derivations(project):
        triples += store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)
    return len(set(triples))
