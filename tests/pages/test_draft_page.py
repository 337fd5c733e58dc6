"""The draft review page in the site's layout, served by the real app on the built dataset."""

from __future__ import annotations

import pytest

from graphe import dataset

from .htmlparse import Page

CONTRACTS = [p.stem for p in dataset.data_files() if "a cdv:ContratDeVille" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("commune", CONTRACTS)
def test_every_commune_review_page_is_well_formed(client, commune):
    page = Page(client.get(f"/brouillon/{commune}").text)
    assert page.lang == "fr" and page.errors == []
    assert any(i.startswith("texte-objectif:") for i in page.ids)


def test_review_page_wears_the_site_layout_and_is_well_formed(client):
    r = client.get("/brouillon/villiers-sur-marne")
    assert r.status_code == 200
    page = Page(r.text)
    assert page.lang == "fr" and page.errors == []
    assert "/communes" in page.links and "contenu" in page.ids  # the shared base.html
    text = " ".join(" ".join(page.text_parts).split())
    assert "Brouillon : contrat de ville de Villiers-sur-Marne" in text
    assert "Ce que le brouillon n'a pas compris" in text
    assert "Conseil citoyen" in text


def test_review_page_of_an_unknown_commune_is_a_french_404(client):
    r = client.get("/brouillon/atlantis")
    assert r.status_code == 404 and Page(r.text).lang == "fr"
    r = client.get("/brouillon/atlantis", headers={"Accept": "text/plain"})
    assert r.status_code == 404 and "contrat de ville de « atlantis »" in r.text
