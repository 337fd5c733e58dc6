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
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
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


# --------------------------------------------------------------------------- straight from the files


def load_files(files: list) -> tuple[ox.Store, dict[str, int]]:
    """Every file in its own named graph of an in-memory store (the graph says which file states
    what); the file → rank map orders them as given."""
    from graphe.shacl_units import read_quads

    store = ox.Store()
    order = {}
    for i, path in enumerate(files):
        name = ox.NamedNode(Path(path).resolve().as_uri())
        order[name.value] = i
        try:  # parsed and stored by Oxigraph without Python objects: 13 s instead of ~30 s of CPU at 300×
            store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=name.value, to_graph=name)
        except (SyntaxError, ValueError, OSError):  # rdflib's reading, or its French error
            store.remove_graph(name)
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, name) for q in read_quads(path))
    return store, order


def run_store(store: ox.Store, checks: Iterable[Any]) -> Iterator[tuple[Any, dict]]:
    """(check, row) for every row of every check, over the union of the store's graphs (Oxigraph terms)."""
    for check in checks:
        try:
            solutions = store.query(check.path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
        except (OSError, SyntaxError, RuntimeError, ValueError) as exc:
            raise DataError(f"{check.path}: vérification impossible à évaluer : {exc}") from None
        names = [v.value for v in solutions.variables]
        for solution in solutions:
            yield check, {name: solution[name] for name in names if solution[name] is not None}


class StoreSources:
    """What :class:`graphe.validate.Sources` says of a node (its name, the file stating it), read
    from the store of :func:`load_files`: no rdflib copy of the data."""

    def __init__(self, store: ox.Store, files: list, order: dict[str, int], project=None):
        from graphe.validate import Sources

        self.store, self.files, self.order = store, [Path(f) for f in files], order
        self.terms = _Terms()
        self._view = Sources([], [], project)
        self._view.owner = self.owner
        self._view.file_of = self.file_of

    def to_rdflib(self, term) -> Node | None:
        if isinstance(term, ox.BlankNode):
            node = self.terms.to_rdflib.get(term.value)
            if node is None:
                node = self.terms.to_rdflib[term.value] = BNode(term.value)
                self.terms.to_ox[node] = term
            return node
        return self.terms.rdflib(term)

    def owner(self, node: Node) -> tuple[Node | None, list[Node]]:
        steps: list[Node] = []
        seen = {node}
        while isinstance(node, BNode):
            quad = next(iter(self.store.quads_for_pattern(None, None, self.terms.ox(node), None)), None)
            if quad is None or self.to_rdflib(quad.subject) in seen:
                return None, steps
            node, prop = self.to_rdflib(quad.subject), self.to_rdflib(quad.predicate)
            seen.add(node)
            steps.insert(0, prop)
        return node, steps

    def _first_file(self, s, p=None, o=None) -> str | None:
        ranks = [self.order.get(q.graph_name.value) for q in self.store.quads_for_pattern(
            self.terms.ox(s), None if p is None else self.terms.ox(p), None if o is None else self.terms.ox(o), None)]
        ranks = [r for r in ranks if r is not None]
        return self._view._rel(self.files[min(ranks)]) if ranks else None

    def file_of(self, focus: Node, path: Node | None = None, value: Node | None = None) -> str | None:
        if isinstance(focus, BNode):
            owner, _ = self.owner(focus)
            found = self._first_file(focus)
            if found:
                return found
            focus = owner if owner is not None else focus
        if path is not None:
            for obj in ((value,) if value is not None else ()) + (None,):
                found = self._first_file(focus, path, obj)
                if found:
                    return found
        for pred in (RDF.type, None):
            found = self._first_file(focus, pred)
            if found:
                return found
        return None

    def violation(self, name: str, row: dict):
        """The check's row as a :class:`graphe.validate.Violation`, and the row in rdflib terms."""
        converted = {k: self.to_rdflib(v) for k, v in row.items()}
        return self._view.check_violation(name, converted), converted
