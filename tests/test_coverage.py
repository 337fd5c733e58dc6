"""Coverage of the annex by the graph: the items are found, the rule holds, the data is complete."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Graph, Literal, URIRef

from graphe import coverage, dataset, provenance
from graphe.cli import main
from graphe.namespaces import CDV, OA

CHAMPIGNY, FONTENAY, SAINT_MAUR, VILLIERS = (
    "Champigny-sur-Marne", "Fontenay-sous-Bois", "Saint-Maur-des-Fossés", "Villiers-sur-Marne",
)


@pytest.fixture(scope="module")
def text() -> str:
    return provenance.source_text()


@pytest.fixture(scope="module")
def items(text):
    return coverage.items(text)


@pytest.fixture(scope="module")
def measured(text):
    return coverage.measure(dataset.union(dataset.load()), text)


def test_items_per_commune_and_kind(items, communes):
    """Counted by hand in the annex: Champigny's 18 numbered engagements and 46 example actions,
    Saint-Maur's 8 « Axe prioritaire » headings; Fontenay and Villiers only have bullets."""
    counts = Counter((i.commune, i.kind) for i in items)
    assert counts[(CHAMPIGNY, "objectif")] == 18
    assert counts[(CHAMPIGNY, "action")] == 46
    assert counts[(SAINT_MAUR, "objectif")] == 8
    assert counts[(FONTENAY, "objectif")] == counts[(VILLIERS, "objectif")] == 0
    assert counts[(FONTENAY, "puce")] == 14 and counts[(VILLIERS, "puce")] == 15
    # headings and bold statements: Champigny's 5 axes and its unnumbered prevention engagement,
    # Fontenay's 3 axis headings (the 4th is written as a bullet), its 2 opening statements and 3
    # bold axis introductions, Saint-Maur's 3 and Villiers's 5 axes
    assert counts[(CHAMPIGNY, "intertitre")] == 6 and counts[(FONTENAY, "intertitre")] == 8
    assert counts[(SAINT_MAUR, "intertitre")] == 3 and counts[(VILLIERS, "intertitre")] == 5
    assert any(i.text.startswith("En matière de prévention") for i in items if i.kind == "intertitre")
    assert {i.commune for i in items} == {c.label for c in communes}


def test_spans_are_the_item_text(items, text):
    for i in items:
        assert text[i.start : i.end] == i.text
        assert i.text == i.text.strip() and not i.text.startswith("*") and not i.text.endswith("*")


@pytest.mark.parametrize(
    "kind, start",
    [
        ("objectif", "Mobiliser et favoriser le retour vers l'emploi"),  # "- 2. Mobiliser …**"
        ("objectif", "Développer/Soutenir la présence des entreprises"),  # "  - 3. Développer …**"
        ("objectif", "Renforcer les relations population"),  # "### **3. …**"
        ("objectif", "Poursuivre les efforts faits pour le développement"),  # "## **2. …**"
        ("objectif", "Favoriser la réussite éducative"),  # "**Axe prioritaire n°1 – …:**"
        ("objectif", "Renforcer les actions liées à la tranquillité publique"),  # "## Axe prioritaire 2 – …"
        ("puce", "Les équipements de proximité des quartiers prioritaires"),  # "- **… :**"
        ("puce", "Développer le partenariat et l'articulation"),  # indented bullet
        ("action", "2019/2020 : deux actions de formation"),  # after a blank line in the list
        ("action", "Soutien du PRE aux associations OMM et FRMIC"),
    ],
)
def test_broken_and_nested_lines_are_found(items, kind, start):
    found = [i for i in items if i.text.startswith(start)]
    assert len(found) == 1 and found[0].kind == kind


def test_the_threshold_rule():
    text = "- abcdefghij\n"
    item = coverage.items(text)[0]
    assert (item.start, item.end) == (2, 12)

    def graph_with(start, end):
        g = Graph()
        passage, sel = URIRef("urn:p"), URIRef("urn:s")
        g.add((URIRef("urn:x"), CDV.passage, passage))
        g.add((passage, OA.hasSelector, sel))
        g.add((sel, OA.start, Literal(start)))
        g.add((sel, OA.end, Literal(end)))
        return g

    assert coverage.measure(graph_with(2, 8), text).share() == (1, 1)  # 6 of 10 characters
    assert coverage.measure(graph_with(2, 7), text).share() == (0, 1)  # 5 of 10
    assert coverage.measure(Graph(), text).misses()[0][0].text == "abcdefghij"


def test_every_numbered_objective_and_example_action_is_covered(measured):
    objectifs, actions = measured.share("objectif"), measured.share("action")
    print(f"\ncouverture: objectifs {objectifs}, actions {actions}, tout {measured.share()} ({measured.percent():.1f} %)")
    assert objectifs == (26, 26)
    assert actions == (46, 46)
    missing = [f"{i.kind} l.{i.line}: {i.text}" for i, _ in measured.misses()]
    assert missing == [], "éléments de l'annexe absents du graphe"


def test_report_and_json(measured):
    report = measured.text()
    assert CHAMPIGNY in report and "objectifs numérotés 18/18" in report
    doc = measured.as_dict()
    assert doc["communes"][SAINT_MAUR]["objectif"] == {"couverts": 8, "elements": 8}
    assert doc["total"]["pourcentage"] == 100.0


def test_cli_coverage(capsys):
    assert main(["coverage"]) == 0
    assert "total:" in capsys.readouterr().out
    assert main(["coverage", "--fail-under", "100"]) == 0
    assert main(["coverage", "--fail-under", "100.1"]) == 1
    assert "couverture" in capsys.readouterr().err
