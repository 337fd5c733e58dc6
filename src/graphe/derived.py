"""Derived facts: what the named queries would otherwise recompute from the whole graph.

Some questions climb a path on every call — which commune's contract does this action, this
event, this objective belong to? (``(cdv:concerne|cdv:objectif|cdv:axe|cdv:contrat)*/cdv:porteSur``)
— and at the size of France (≈ 1,200 communes) that transitive closure over the whole graph
costs seconds per question. ``graphe build`` computes such facts once, from the asserted data,
into their own named graph ``graphe:derivees``, and the named queries read the direct link.

Each derivation is a CONSTRUCT query in ``queries/derivees/*.rq`` (its definition is data, and
``tests/test_derived.py`` checks that the built facts equal the live computation). They are
evaluated by Oxigraph in the build's store, on every graph the named queries read (the asserted
ones and the inferences): rdflib's engine would take minutes on a national dataset.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graphe.namespaces import GRAPH_DERIVEES
from graphe.project import Project, current


def derivations(project: Project | None = None) -> list[Path]:
    """The derivation queries of the project (``queries/derivees/*.rq``), sorted."""
    return sorted(((project or current()).queries / "derivees").glob("*.rq"))


def derive_store(store: ox.Store, project: Project | None = None) -> int:
    """Add the derived facts to the build's store, graph ``graphe:derivees``; how many.

    Each derivation reads the union of the store's named graphs (``graphe:derivees`` is still
    empty at this point of the build); Oxigraph evaluates it in place, with no copy of the
    triples it reads.
    """
    target = ox.NamedNode(str(GRAPH_DERIVEES))
    triples = []
    for path in derivations(project):
        triples += store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)
    return len(set(triples))
