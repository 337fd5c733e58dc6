"""The derived facts of ``graphe:derivees`` (graphe.derived) against the live computation.

The built graph must hold exactly what each ``queries/derivees/*.rq`` computes on the asserted
graphs, nothing written by hand may use a derived property, and every named query that reads
a derived link must answer, on the real data, exactly what it answers with the path the link
stands for — the rewrite is an optimisation, never a change of meaning.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graphe import derived, queries
from graphe.namespaces import GRAPH_DERIVEES

DERIVEES = ox.NamedNode(str(GRAPH_DERIVEES))
CDV = "https://w3id.org/contrats-de-ville/ontologie#"
#: each derived property and the SPARQL path it stands for (what the derivation computes)
PATHS = {"cdv:communeConcernee": "(cdv:concerne|cdv:objectif|cdv:axe|cdv:contrat)*/cdv:porteSur"}
READERS = [q for q in queries.catalogue() if any(p in q.text for p in PATHS)]


def _asserted(store: ox.Store) -> list[ox.NamedNode]:
    """The graphs a derivation reads: every one but graphe:derivees (inferences included)."""
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != str(GRAPH_DERIVEES)]


def test_there_are_derivations():
    files = derived.derivations()
    assert [f.name for f in files] == ["commune-concernee.rq", "comptes-par-commune.rq"]
    for f in files:
        assert "CONSTRUCT" in f.read_text(encoding="utf-8").upper()


@pytest.mark.parametrize("path", derived.derivations(), ids=lambda p: p.stem)
def test_the_built_graph_equals_the_live_computation(path, built_store):
    """Evaluated again on the built dataset's asserted graphs, each derivation gives exactly
    what the build put in graphe:derivees (and it is not empty)."""
    live = {
        (t.subject, t.predicate, t.object)
        for t in built_store.query(path.read_text(encoding="utf-8"), default_graph=_asserted(built_store))
    }
    predicates = {p for _, p, _ in live}
    built = {(q.subject, q.predicate, q.object) for p in predicates
             for q in built_store.quads_for_pattern(None, p, None, DERIVEES)}
    assert live and built == live


def test_the_derived_graph_holds_only_derivations(built_store):
    derived_quads = list(built_store.quads_for_pattern(None, None, None, DERIVEES))
    live = set()
    for path in derived.derivations():
        live |= {(t.subject, t.predicate, t.object)
                 for t in built_store.query(path.read_text(encoding="utf-8"), default_graph=_asserted(built_store))}
    assert {(q.subject, q.predicate, q.object) for q in derived_quads} == live


def test_no_derived_property_is_asserted(built_store):
    """A derived fact written in a data file would be served as if derived: refused by this test."""
    derived_props = {q.predicate for q in built_store.quads_for_pattern(None, None, None, DERIVEES)}
    assert len(derived_props) == 10
    for prop in derived_props:
        for g in _asserted(built_store):
            assert not list(built_store.quads_for_pattern(None, prop, None, g)), f"{prop} écrit dans {g.value}"


def test_every_commune_has_its_counts(built_store, communes):
    """Nine counts per commune of the annex, zeros included, as the question reads them."""
    text = f"""PREFIX cdv: <{CDV}>
    SELECT ?c (COUNT(?p) AS ?n) WHERE {{ ?c a cdv:Commune . OPTIONAL {{ GRAPH <{GRAPH_DERIVEES}> {{ ?c ?p ?v }}
      FILTER(STRSTARTS(STR(?p), STR(cdv:nombre))) }} }} GROUP BY ?c"""
    counts = {row[0].value: int(row[1].value) for row in built_store.query(text, use_default_graph_as_union=True)}
    assert {c.iri for c in communes} <= set(counts) and {counts[c.iri] for c in communes} == {9}


def test_every_contract_resource_has_its_commune(built_store):
    """Every axis, objective, action and stake reaches exactly one commune (one contract each)."""
    text = f"""PREFIX cdv: <{CDV}>
    SELECT ?r (COUNT(DISTINCT ?c) AS ?n) WHERE {{
      VALUES ?classe {{ cdv:Axe cdv:Objectif cdv:Action cdv:EnjeuTransversal cdv:ContratDeVille }}
      ?r a ?classe . OPTIONAL {{ ?r cdv:communeConcernee ?c }}
    }} GROUP BY ?r"""
    counts = {row[0].value: int(row[1].value) for row in built_store.query(text, use_default_graph_as_union=True)}
    assert counts and set(counts.values()) == {1}


def test_the_named_queries_read_derived_links():
    assert len(READERS) >= 7


@pytest.mark.parametrize("query", READERS, ids=lambda q: q.name)
def test_reading_the_link_answers_as_the_path_does(query, built_store):
    """The named query as written, and with each derived link replaced by its path over the
    asserted data only: the same rows, in the same order."""
    fast = query.bind({})
    slow = fast
    for name, path in PATHS.items():
        slow = slow.replace(name, path)
    assert slow != fast

    def rows(text, **options):
        result = built_store.query(text, **options)
        return [tuple(str(sol[v]) if sol[v] is not None else None for v in result.variables) for sol in result]

    expected = rows(slow, default_graph=_asserted(built_store))
    assert expected, query.name
    assert rows(fast, use_default_graph_as_union=True) == expected
