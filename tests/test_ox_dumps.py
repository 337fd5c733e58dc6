"""The reference dumps of the tests (tests/ox_reference.py, Oxigraph's writers) against rdflib's writers, on the real data.

The tests' reference writes N-Quads, Turtle, JSON-LD and the statistics from one conversion of the terms;
rdflib's writers (graphe.build.dumps) stay the reference: the same bytes for the N-Quads and
the JSON-LD, the same triples for each graph's Turtle, the same figures for VoID.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graphe import dataset, stats
from graphe.build.dumps import named_graphs, to_jsonld, to_nquads
from graphe.build.skolem import skolemize

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ox_reference as ox_dumps  # noqa: E402 - tests/ox_reference.py, the writer the build's dumps are compared with


@pytest.fixture(scope="module")
def real():
    ds = skolemize(dataset.load())
    return ds, ox_dumps.ox_graphs(ds)


def test_nquads_and_jsonld_are_rdflibs_bytes(real):
    ds, converted = real
    assert ox_dumps.nquads(converted) == to_nquads(ds)
    assert ox_dumps.jsonld(converted) == to_jsonld(ds)


def test_each_graphs_turtle_holds_its_triples(real):
    ds, converted = real
    for name, graph in named_graphs(ds).items():
        text = ox_dumps.turtle(converted[name])
        assert isomorphic(Graph().parse(data=text, format="turtle"), graph), name
        heads = [line for line in text.splitlines() if line.startswith("@prefix")]
        assert heads == sorted(heads) and len(heads) == len(set(heads))
    assert ox_dumps.turtle([]) == ""


def test_statistics_are_the_same(real):
    ds, converted = real
    ours, reference = stats.compute(ox_dumps.stats_quads(converted)), stats.compute(stats.rdflib_quads(ds))
    assert ours.union.summary() == reference.union.summary()
    assert ours.instances() == reference.instances()
    assert ours.union.properties == reference.union.properties
    assert {g: s.summary() for g, s in ours.graphs.items()} == {g: s.summary() for g, s in reference.graphs.items()}
