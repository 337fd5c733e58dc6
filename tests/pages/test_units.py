"""The pieces of the pages that do not need the dataset: chart geometry, the annex's weaving
of passages into rendered Markdown, the search analysis."""

from __future__ import annotations

from graphe import search
from graphe.web import annex, chart

from .htmlparse import Page


def test_bars_are_proportional_to_the_values_and_say_the_qualifier():
    c = chart.bars("Heures", "heure", [("2017", 5000.0), ("2018", 30000.0, "plus de 30 000")])
    small, big = c.bars
    assert abs(big.height / small.height - 6) < 0.01
    assert small.y + small.height == big.y + big.height == c.base
    assert big.value == "plus de 30 000" and small.value == "5\u202f000"
    assert c.ticks[0][1] == "0" and float(c.ticks[-1][1].replace("\u202f", "")) >= 30000


def test_passages_across_paragraphs_emphasis_and_lists_stay_well_nested():
    source = "# Titre\n\nUn **texte en gras** puis la suite.\n\n- premier point\n- second point\n\nFin."
    start = source.index("gras")
    end = source.index("second") + len("second")
    mention = source.index("premier")
    found = annex.passages([
        {"debut": str(start), "fin": str(end), "mention": "false", "ressource": "https://w3id.org/contrats-de-ville/id/objectif/x-1",
         "genre": "objectif", "libelle": "X"},
        {"debut": str(mention), "fin": str(mention + 7), "mention": "true", "ressource": "https://w3id.org/contrats-de-ville/id/partenaire/p",
         "genre": "partenaire", "libelle": "P"},
    ])
    html = annex.render(source, found)
    page = Page(f"<html lang='fr'><body>{html}</body></html>")
    assert not page.errors, html
    assert f"passage-{start}-{end}" in page.ids and f"passage-{mention}-{mention + 7}" in page.ids
    assert '<a class="mention" href="/partenaires/p">premier</a>' in html
    assert html.count("<mark>") >= 3  # reopened in the bold, after it, in each list item
    assert "/id/objectif/x-1" in html  # the support link at the passage's end
    assert chr(annex.BASE) not in html and chr(annex.BASE + 1) not in html


def test_search_terms_fold_accents_case_and_plurals():
    assert search.terms("Réussite ÉDUCATIVE") == ["reussite", "educative"]
    assert search.terms("les bailleurs sociaux") == ["bailleur", "social"]
    assert search.terms("de la") == ["de", "la"]
    assert search.highlight("Les Bailleurs", ["bailleur"]) == "Les <mark>Bailleurs</mark>"
