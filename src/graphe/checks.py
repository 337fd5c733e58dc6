"""The cross-entity checks (``queries/checks/*-violation.rq``) evaluated by Oxigraph.

rdflib's SPARQL engine evaluates joins naively: ``passage-en-double`` grew with the square of
the data (exponent ≈ 2.05 over replicas of the annex) and the ``rang-*`` checks with ≈ 1.3, so
at 100× the validation did not finish in 20 minutes. Oxigraph, the engine ``dist/`` is served
from, plans the same queries. The data stays in rdflib for pySHACL and for the report (which
file states what, the resource a blank node hangs from): the union is copied into an
in-memory Oxigraph store, and each row comes back as rdflib terms — blank nodes as the very
nodes of the union, so the report can still name them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from graphe.errors import DataError


class _Terms:
    """rdflib ↔ Oxigraph terms, blank nodes mapped both ways."""

    def __init__(self) -> None:
        self.to_ox: dict[BNode, ox.BlankNode] = {}
        self.to_rdflib: dict[str, BNode] = {}

    def ox(self, term: Node):
        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, BNode):
            found = self.to_ox.get(term)
            if found is None:
                found = self.to_ox[term] = ox.BlankNode()
                self.to_rdflib[found.value] = term
            return found
        assert isinstance(term, Literal)
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))

    def rdflib(self, term) -> Node | None:
        if term is None:
            return None
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return self.to_rdflib.get(term.value, BNode(term.value))
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))


def run(union: Graph, checks: Iterable[Any]) -> Iterator[tuple[Any, dict[str, Node | None]]]:
    """(check, row) for every row of every check on ``union``; a row maps variable → rdflib term."""
    terms = _Terms()
    store = ox.Store()
    store.bulk_extend(ox.Quad(terms.ox(s), terms.ox(p), terms.ox(o)) for s, p, o in union)
    for check in checks:
        try:
            solutions = store.query(check.path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, RuntimeError, ValueError) as exc:
            raise DataError(f"{check.path}: vérification impossible à évaluer : {exc}") from None
        names = [v.value for v in solutions.variables]
        for solution in solutions:
            yield check, {name: terms.rdflib(solution[name]) for name in names if solution[name] is not None}
