"""Who does what, projects, governance, dates and figures: found in the annex's text, held by the graph.

The patterns of graphe.fact_coverage read the text, not the graph; on the real data every
occurrence is held, the counts per commune are those reviewed against the annex, and taking
facts out of the graph makes the measure drop (so the measure can fail).
"""

from __future__ import annotations

import re

import pytest
from rdflib import RDF, Graph
from rdflib.namespace import SKOS

from graphe import coverage, dataset, fact_coverage, provenance
from graphe.namespaces import CDV, prefixes

TEXT = provenance.source_text()
PROV = prefixes()["prov"]


@pytest.fixture(scope="module")
def graph() -> Graph:
    return dataset.union(dataset.load())


@pytest.fixture(scope="module")
def measured(graph):
    return fact_coverage.measure(graph, TEXT)


def test_everything_the_annex_states_is_held(measured):
    print(measured.text())
    misses = [m for t in measured.tallies.values() for m in t.misses]
    assert misses == []
    assert measured.passages_stating == measured.passages_held
    assert measured.complete()


def test_what_the_patterns_find(measured):
    """Counted in the annex: 48 wordings of a role, 12 project names (the Cité éducative, the appel à
    projets Ville are schemes), 18 names of governance bodies, 42 years, 44 figures."""
    found = {k: t.found for k, t in measured.tallies.items()}
    assert found == {"indices_de_role": 48, "projets": 13, "gouvernance": 18, "dates": 42, "chiffres": 44}
    assert (measured.passages_naming, measured.passages_stating) == (49, 40)


def test_counts_per_commune(measured):
    per = measured.per_commune
    assert per["Champigny-sur-Marne"] == {"rôles énoncés": 60, "projets": 13, "instances": 9, "événements": 24, "chiffres": 21}
    assert per["Saint-Maur-des-Fossés"]["projets"] == 1 and per["Saint-Maur-des-Fossés"]["instances"] == 4
    assert per["Villiers-sur-Marne"]["instances"] == 1 and per["(introduction)"]["instances"] == 1


def _of(cls):
    return lambda g, s, p, o: p == CDV.passage and (s, RDF.type, cls) in g


def _dates(g, s, p, o):
    return p == CDV.annee or str(p).endswith(("terms/date", "#startDate", "#endDate"))


@pytest.mark.parametrize("kind, leave_out, tally", [
    ("participations", lambda g, s, p, o: p == CDV.participation, "indices_de_role"),
    ("projets", _of(CDV.Projet), "projets"),
    ("instances", _of(CDV.InstanceDeGouvernance), "gouvernance"),
    ("observations", _of(CDV.Observation), "chiffres"),
    ("dates", _dates, "dates"),
])
def test_taking_facts_out_makes_the_measure_drop(graph, kind, leave_out, tally):
    poorer = Graph()
    for t in graph:
        if not leave_out(graph, *t):
            poorer.add(t)
    assert len(poorer) < len(graph), kind
    after = fact_coverage.measure(poorer, TEXT)
    assert after.tallies[tally].held < after.tallies[tally].found, kind
    assert not after.complete()


def test_every_example_action_and_only_those_is_an_exempleDAction(graph):
    """The annex's "Exemple(s) d'action(s)" bullets (graphe.coverage's "action" items) are the cdv:ExempleDAction."""
    items = [i for i in coverage.items(TEXT) if i.kind == "action"]
    ix = fact_coverage._Index(graph)
    examples = {s: (a, b) for s, a, b in ix.passages(CDV.ExempleDAction)}
    actions = {s: (a, b) for s, a, b in ix.passages(CDV.Action)}
    for item in items:
        hits = [s for s, (a, b) in actions.items() if a < item.end and item.start < b]
        assert len(hits) == 1 and hits[0] in examples, item.text
    others = set(actions) - set(examples)
    assert others and all(not any(a < i.end and i.start < b for i in items) for s in others for a, b in [actions[s]])


def test_the_annex_wording_of_every_titled_resource_is_a_label(graph):
    """Point 5: a label that corrects the annex keeps the annex's words findable (skos:hiddenLabel)."""
    from rdflib import RDFS

    def title(exact: str) -> str:
        return re.split(r"\*\*|\n", exact, maxsplit=1)[0].strip().strip("*").strip().rstrip(".:;").strip()

    ix = fact_coverage._Index(graph)
    missing = []
    for cls in (CDV.ContratDeVille, CDV.EnjeuTransversal, CDV.Axe, CDV.Objectif, CDV.Action):
        for s, a, b in ix.passages(cls):
            names = {str(o).casefold() for p in (RDFS.label, SKOS.altLabel, SKOS.hiddenLabel) for o in graph.objects(s, p)}
            if title(TEXT[a:b]).casefold() not in names:
                missing.append(str(s))
    assert missing == []


def test_cli_coverage_reports_the_facts(capsys):
    from graphe.cli import main

    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    assert "Qui fait quoi" in out and "Champigny-sur-Marne : rôles énoncés 60" in out
