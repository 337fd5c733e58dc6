"""Every named query gives the same answer on Virtuoso 7 as on graphe's own store.

A private Virtuoso (Debian's ``virtuoso-opensource``, started on free loopback ports with its
own ``virtuoso.ini`` in a temporary folder) loads the release dump with its bulk loader; each
``queries/*.rq`` (with the defaults its header declares) is then asked of it through
:class:`graphe.remote.RemoteStore` (the dataset stated explicitly: the release's graphs, so
Virtuoso's own system graphs are not in the default graph) and of Oxigraph. The answers are
compared as :mod:`test_differential` compares Oxigraph with rdflib: as bags of rows, numbers
by value, language tags case-insensitively, blank nodes as blank; in order where the query
sorts (ties in any order).

Where Virtuoso was wrong, the query was rewritten so that both engines are right (the types,
the SKOS closure and the class hierarchy's steps are materialised in ``graphe:inferences``);
the golden answers did not change.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from graphe import guard, queries
from graphe.remote import RemoteStore

from .stores import bulk_load, start_virtuoso
from .test_differential import order_keys, solutions, tie_groups

NAMED = queries.catalogue()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory, nquads):
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    try:
        bulk_load(server, nquads)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def virtuoso_store(virtuoso):
    return RemoteStore(virtuoso.http + "/sparql").load()


def test_virtuoso_holds_the_release(virtuoso_store, oxigraph_store):
    assert virtuoso_store.graphs() == oxigraph_store.graphs()
    assert virtuoso_store.count() == oxigraph_store.count()
    assert virtuoso_store.size() == oxigraph_store.size()


@pytest.mark.parametrize("query", NAMED, ids=[q.name for q in NAMED])
def test_named_query_agrees_with_virtuoso(query, virtuoso_store, oxigraph_store):
    text = query.bind({})
    ours_vars, ours = solutions(oxigraph_store, text)
    theirs_vars, theirs = solutions(virtuoso_store, text)
    assert ours, f"{query.name} : réponse vide, la comparaison ne prouverait rien"
    assert theirs_vars == ours_vars
    only_ours = list((Counter(ours) - Counter(theirs)).elements())
    only_theirs = list((Counter(theirs) - Counter(ours)).elements())
    assert (only_ours, only_theirs) == ([], []), f"{query.name} : lignes de graphe seul, de Virtuoso seul"
    keys = order_keys(text, ours_vars) if guard.query_form(text) == "SELECT" else None
    if keys is not None:
        assert tie_groups(theirs, keys) == tie_groups(ours, keys)
    elif re.search(r"ORDER\s+BY", text.rsplit("}", 1)[-1], re.IGNORECASE):
        assert theirs == ours


def test_virtuoso_answers_through_the_remote_store_in_every_format(virtuoso_store, oxigraph_store):
    """Same bytes from both engines once graphe writes the answer (CSV, N-Triples)."""
    text = queries.get("dispositifs").bind({})
    assert virtuoso_store.query(text, format="csv").body == oxigraph_store.query(text, format="csv").body
    construct = "CONSTRUCT { ?c rdfs:label ?l } WHERE { ?c a cdv:Commune ; rdfs:label ?l }"
    ours = sorted(oxigraph_store.query(construct, format="ntriples").body.splitlines())
    theirs = sorted(virtuoso_store.query(construct, format="ntriples").body.splitlines())
    assert theirs == ours and len(ours) == 4
