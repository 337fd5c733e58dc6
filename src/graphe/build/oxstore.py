"""The build's dataset: one Oxigraph store, every file read once into its named graph.

At France's size (300×, 2.9 M quads) rdflib held 7.7 GB of Python objects for the dataset and
copied it for each stage (the union of the asserted graphs). Here ``graphe build`` parses each
Turtle file with Oxigraph straight into the named graph :func:`graphe.dataset.graph_for`
chooses, and every later stage reads that store: by SPARQL, or by a small rdflib graph for the
few small things that are simpler there (the referentiel, the ontology).

A syntax error is reported as before — in French, naming the file and the line — by parsing
the one faulty file again with rdflib (:func:`graphe.dataset.parse_file`), whose messages
:mod:`graphe.turtle_errors` translates; only if rdflib accepts what Oxigraph refused is
Oxigraph's own position given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from graphe import dataset
from graphe.build.dumps import GRAPH_FILES
from graphe.errors import DataError
from graphe.namespaces import bind_all

#: The graphs that are not facts as stated: reasoning, provenance and derivations leave them out.


def load(files: Iterable[Path], named: bool = False) -> ox.Store:
    """An in-memory store holding each of ``files`` in its named graph; a DataError (French,
    file and line) on the first file that cannot be read. ``named``: its blank nodes become
    their Skolem IRIs as each file is read (:func:`graphe.build.ox_skolem.read_named`)."""
    if named:
        from graphe.build import ox_skolem

        return ox_skolem.read_named(list(files))
    store = ox.Store()
    for path in files:
        graph = ox.NamedNode(str(dataset.graph_for(path)))
        try:
            store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
        except (SyntaxError, OSError, ValueError) as exc:
            raise refusal(Path(path), exc) from None
    return store


def refusal(path: Path, exc: Exception) -> DataError:
    """The French error for a file Oxigraph could not load: rdflib's, translated, when rdflib
    refuses it too (it knows which line and why), else where Oxigraph stopped."""
    dataset.parse_file(path)  # raises the French DataError (syntax, missing file, rights, encoding)
    where = re.search(r"line (\d+)", str(exc))
    line = f"ligne {where.group(1)} : " if where else ""
    return DataError(f"{path}: {line}Turtle refusé par Oxigraph (syntaxe non conforme à la norme Turtle)")


def named_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The non-empty named graphs, in publication order (the known graphs first, then by IRI)."""
    order = [str(g) for g in GRAPH_FILES]
    found = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and _non_empty(store, g)]
    return sorted(found, key=lambda g: (order.index(g.value) if g.value in order else len(order), g.value))


def _non_empty(store: ox.Store, graph: ox.NamedNode) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, graph)), None) is not None


def graph_count(store: ox.Store, graph: URIRef | str) -> int:
    """How many triples a named graph holds."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return int(next(iter(store.query(query)))[0].value)


def rdflib_graph(store: ox.Store, graphs: Iterable[URIRef | str | ox.NamedNode]) -> Graph:
    """The union of a few small named graphs (the ontology, the referentiel) as an rdflib Graph."""
    from graphe.terms import from_ox

    out = bind_all(Graph())
    for name in graphs:
        node = name if isinstance(name, ox.NamedNode) else ox.NamedNode(str(name))
        for q in store.quads_for_pattern(None, None, None, node):
            out.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    return out
