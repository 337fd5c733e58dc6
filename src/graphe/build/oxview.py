"""A read-only rdflib-like view of the build's Oxigraph store, for the ontology's page.

:mod:`graphe.build.ontology_doc` reads the data through three of rdflib's lookups (an example
per class, its values, their labels); merging every named graph into one rdflib Graph for that
copied the whole dataset (gigabytes at France's size). This view answers the same three
lookups from the store, over the union of its named graphs, in rdflib terms.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Literal

from graphe.terms import from_ox, to_ox


class StoreView:
    """``objects``, ``subjects`` and ``predicates`` of an rdflib Graph holding every named graph of ``store``."""

    def __init__(self, store: ox.Store):
        self.store = store

    def _quads(self, s, p, o):
        if isinstance(s, Literal):
            return iter(())
        return self.store.quads_for_pattern(*(to_ox(t) if t is not None else None for t in (s, p, o)))

    def objects(self, subject=None, predicate=None):
        return iter(dict.fromkeys(from_ox(q.object) for q in self._quads(subject, predicate, None)))

    def subjects(self, predicate=None, obj=None):
        return iter(dict.fromkeys(from_ox(q.subject) for q in self._quads(None, predicate, obj)))

    def predicates(self, subject=None, obj=None):
        return iter(dict.fromkeys(from_ox(q.predicate) for q in self._quads(subject, None, obj)))
