"""The entailments graphe materialises in ``graphe:inferences``, from a Store or an rdflib graph.

One implementation for both inputs (:mod:`graphe.reasoning.source` reads either as pyoxigraph
triples), the rules read off the ontology's axioms (:class:`~graphe.reasoning.rules.Rules`)
and saturated set at a time (:class:`~graphe.reasoning.saturate.Saturation`). Given a Store,
the answer is a list of pyoxigraph triples, ready for the Store's ``graphe:inferences`` graph;
given rdflib, an rdflib Graph, as before.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Dataset, Graph

from graphe.reasoning.rules import Rules
from graphe.reasoning.saturate import EXPRESSION_PREDICATES, Saturation
from graphe.reasoning.source import as_store, asserted, schema, to_ox
from graphe.terms import from_ox


def saturation(store: ox.Store) -> tuple[Saturation, set]:
    """The closure of the asserted triples of ``store``, and the class expressions of its ontology."""
    axioms = schema(store)
    expressions = {to_ox(node) for p in EXPRESSION_PREDICATES for node in axioms.subjects(p, None)}
    return Saturation(Rules(axioms), asserted(store)), expressions


def infer(x: ox.Store | Dataset | Graph) -> list[ox.Triple] | Graph:
    """The entailments of ontology + data that are not asserted, for ``graphe:inferences``.

    Memberships of class expressions (``owl:unionOf`` ranges, restrictions) are left out: they
    name nothing a query can ask for, and once skolemised they would read as classes of their own.
    """
    closure, expressions = saturation(as_store(x))
    triples = closure.inferred(expressions)
    if isinstance(x, ox.Store):
        return list(triples)
    out = Graph()
    for t in triples:
        out.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
    return out
