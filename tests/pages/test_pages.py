"""Each page type on the real data: what a contract officer reads is what the graph says.

The expected content is read from the built dataset (every objective of every commune, every
partner present in several communes, every passage), not hand-picked, so a page that loses
an objective, a commune or a passage fails here.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from graphe.namespaces import ID_BASE
from graphe.web.data import page_url

from .htmlparse import Page

CDV = "https://w3id.org/contrats-de-ville/ontologie#"
PREFIXES = f"""PREFIX cdv: <{CDV}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>"""


def rows(store, text):
    result = store.query(PREFIXES + text, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def get(client, url) -> Page:
    r = client.get(url)
    assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:200]}"
    assert r.headers["content-type"].startswith("text/html")
    page = Page(r.text)
    assert page.lang == "fr", url
    assert not page.errors, f"{url}: HTML mal formé : {page.errors[:5]}"
    return page


def test_home_says_what_this_is_and_links_the_ways_in(client):
    page = get(client, "/")
    for name in ("Champigny-sur-Marne", "Fontenay-sous-Bois", "Saint-Maur-des-Fossés", "Villiers-sur-Marne"):
        assert name in page.text
    for path in ("/communes/94017", "/partenaires", "/dispositifs", "/themes", "/comparer/partenaires", "/annexe",
                 "/queries", "/sparql", "/recherche"):
        assert path in page.links, path
    assert "Licence Ouverte" in page.text


def test_each_commune_page_shows_its_whole_contract_in_the_annex_order(client, built_store):
    communes = rows(built_store, "SELECT ?c WHERE { ?k cdv:porteSur ?c }")
    assert len(communes) == 4
    for c in communes:
        code = c["c"].rsplit("/", 1)[1]
        r = client.get(f"/communes/{code}")
        assert r.status_code == 200
        html = r.text
        objectives = rows(built_store, f"""SELECT ?o ?l ?rang ?axe ?rangAxe WHERE {{
            ?k cdv:porteSur <{c['c']}> . ?axe cdv:contrat ?k ; cdv:rang ?rangAxe . ?o cdv:axe ?axe ; rdfs:label ?l ; cdv:rang ?rang .
            FILTER NOT EXISTS {{ ?o cdv:objectifParent ?p }} }} ORDER BY ?rangAxe ?rang""")
        assert objectives, code
        positions = []
        for o in objectives:
            anchor = 'id="' + o["o"][len(ID_BASE):].replace("/", "-") + '"'
            assert anchor in html, f"{code}: objectif absent {o['o']}"
            positions.append(html.index(anchor))
        assert positions == sorted(positions), f"{code}: objectifs hors de l'ordre de l'annexe"
        actions = rows(built_store, f"""SELECT ?a WHERE {{ ?k cdv:porteSur <{c['c']}> . ?a cdv:objectif/cdv:axe/cdv:contrat ?k }}""")
        for a in actions:
            assert 'id="' + a["a"][len(ID_BASE):].replace("/", "-") + '"' in html
        links = rows(built_store, f"""SELECT DISTINCT ?p WHERE {{ ?k cdv:porteSur <{c['c']}> .
            ?x cdv:partenaire ?p ; (cdv:objectif|cdv:axe|cdv:contrat|cdv:objectifParent)* ?k }}""")
        for p in links:
            assert f'href="{page_url(p["p"])}"' in html, f"{code}: partenaire {p['p']}"


def test_sub_objectives_are_nested_under_their_parent(client, built_store):
    subs = rows(built_store, "SELECT ?o ?p WHERE { ?o cdv:objectifParent ?p }")
    assert subs
    html = client.get("/communes/94068").text
    for s in subs:
        if "saint-maur" not in s["o"]:
            continue
        parent = html.index('id="' + s["p"][len(ID_BASE):].replace("/", "-") + '"')
        child = html.index('id="' + s["o"][len(ID_BASE):].replace("/", "-") + '"')
        assert parent < child


def test_figures_are_a_chart_and_a_table_and_the_csv_is_the_table(client):
    page = get(client, "/communes/94017")
    r = client.get("/communes/94017")
    assert "<svg" in r.text and "Écart de taux d" in r.text
    table = page.tables["tableau-chiffres"]
    assert any("14" in cell for row in table for cell in row)
    csv_rows = list(csv.reader(io.StringIO(client.get("/communes/94017?csv=chiffres").text.lstrip("\ufeff"))))
    assert csv_rows[0] == table[0]
    assert len(csv_rows) == len(table)
    for shown, downloaded in zip(table[1:], csv_rows[1:]):
        assert shown[:-1] == [" ".join(c.split()) for c in downloaded[:-1]]  # the last column is the link to the annex (its offsets in the CSV)
        assert downloaded[-1].startswith("annexe 1, caractères ")


def test_partners_in_several_communes_have_them_all_on_their_page(client, built_store):
    shared = rows(built_store, """SELECT ?p (COUNT(DISTINCT ?c) AS ?n) WHERE {
        ?x cdv:partenaire ?p . ?x (cdv:concerne|cdv:objectif|cdv:axe|cdv:contrat|cdv:objectifParent)*/cdv:porteSur ?c }
        GROUP BY ?p HAVING (COUNT(DISTINCT ?c) > 1)""")
    assert len(shared) >= 3
    for s in shared:
        slug = s["p"].rsplit("/", 1)[1]
        page = get(client, f"/partenaires/{slug}")
        sections = [i for i in page.ids if i.startswith("commune-") and not i.endswith("-titre")]
        assert len(sections) == int(s["n"]), slug
        assert any(link.startswith("/annexe#passage-") for link in page.links)


def test_comparison_is_sorted_by_communes_and_filters_without_javascript(client):
    page = get(client, "/comparer/partenaires")
    table = page.tables["tableau-comparaison"]
    counts = [int(row[-1]) for row in table[1:]]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    kinds = {row[1] for row in table[1:]}
    assert "Association" in kinds and len(kinds) > 2
    filtered = get(client, "/comparer/partenaires?sorte=Association").tables["tableau-comparaison"]
    assert {row[1] for row in filtered[1:]} == {"Association"}
    assert 0 < len(filtered) < len(table)
    downloaded = list(csv.reader(io.StringIO(client.get("/comparer/partenaires?sorte=Association&csv=comparaison").text.lstrip("\ufeff"))))
    assert [[" ".join(c.split()) for c in row] for row in downloaded] == filtered
    for kind in ("dispositifs", "themes", "quartiers"):
        assert len(get(client, f"/comparer/{kind}").tables["tableau-comparaison"]) > 1


def test_every_cell_of_a_comparison_leads_to_the_elements_behind_it(client):
    page = get(client, "/comparer/dispositifs")
    cells = [link for link in page.links if "#commune-" in link]
    assert cells
    for link in cells[:15]:
        path, anchor = link.split("#")
        target = get(client, path)
        assert anchor in target.ids, link


def test_dispositif_page_has_definition_and_official_source(client):
    page = get(client, "/dispositifs/pre")
    assert "Accompagnement individualisé" in page.text
    assert any(link.startswith("https://") for link in page.links)
    assert "PRE" in page.text


def test_theme_page_counts_its_narrower_themes(client):
    page = get(client, "/themes/cohesion-sociale")
    assert "Réussite éducative" in page.text  # through the narrower theme


def test_quartier_pages(client, built_store):
    for q in rows(built_store, "SELECT ?q WHERE { ?q a cdv:Quartier }"):
        path = q["q"][len(ID_BASE):]
        get(client, f"/quartiers/{path}")


def test_every_passage_and_mention_has_its_anchor_in_the_annex(client, built_store):
    page = get(client, "/annexe")
    found = rows(built_store, """SELECT DISTINCT ?s ?e WHERE { { ?x cdv:passage/oa:hasSelector ?sel }
        UNION { ?x cdv:mention/oa:hasTarget/oa:hasSelector ?sel } ?sel oa:start ?s ; oa:end ?e }""")
    assert len(found) > 100
    missing = [f for f in found if f"passage-{f['s']}-{f['e']}" not in page.ids]
    assert not missing
    assert "\U000f0000" not in client.get("/annexe").text


def test_facts_link_to_passages_that_exist(client):
    annex = get(client, "/annexe").ids
    for url in ("/communes/94017", "/partenaires/education-nationale", "/dispositifs/pre", "/communes/94068"):
        targets = [link.split("#", 1)[1] for link in get(client, url).links if link.startswith("/annexe#")]
        assert targets, url
        assert set(targets) <= annex


@pytest.mark.parametrize("query, kind, expected", [
    ("prevention", "partenaire", "Maison de la Prévention"),
    ("prevention", "theme", "Prévention de la délinquance"),
    ("reussite educative", "dispositif", "Programme de réussite éducative"),
    ("reussite educative", "theme", "Réussite éducative"),
    ("PRE", "dispositif", "Programme de réussite éducative"),
    ("bailleur", "partenaire", "Bailleurs"),
    ("bailleur", "partenaire", "IDF Habitat"),
    ("ÉDUCATION NATIONALE", "partenaire", "Éducation nationale"),
])
def test_search_finds_what_a_person_expects(client, query, kind, expected):
    r = client.get("/recherche", params={"q": query})
    page = Page(r.text)
    assert r.status_code == 200 and not page.errors
    section = r.text.split(f'id="resultats-{kind}"', 1)
    assert len(section) == 2, f"{query}: pas de résultat de sorte {kind}"
    assert expected in re.sub(r"</?mark>", "", section[1].split("</section>", 1)[0])
    assert "<mark>" in r.text


def test_search_puts_the_acronym_first(client):
    r = client.get("/recherche", params={"q": "PRE"})
    first = r.text.index('<section id="resultats-')
    assert r.text[first:].startswith('<section id="resultats-dispositif"')


def test_search_survives_odd_input(client):
    for q in ('"', "*", "NEAR(", "a" * 500, "' OR 1=1 --", "de la"):
        r = client.get("/recherche", params={"q": q})
        assert r.status_code == 200, q


def test_unknown_pages_are_a_french_404_with_the_search_box(client):
    for url in ("/nulle-part", "/communes/99999", "/partenaires/inconnu", "/comparer/rien", "/communes/abc"):
        r = client.get(url)
        assert r.status_code == 404, url
        page = Page(r.text)
        assert page.lang == "fr" and 'name="q"' in r.text, url
        assert "introuvable" in page.text.lower() or "aucun" in page.text.lower()


def test_every_named_question_reads_in_french_for_a_browser(client):
    from graphe import queries

    for q in queries.catalogue():
        r = client.get(f"/queries/{q.name}")
        assert r.status_code == 200, q.name
        page = Page(r.text)
        assert not page.errors, q.name
        headings = page.tables["tableau-reponse"][0]
        for variable, heading in q.columns:
            assert variable not in headings or variable == heading.lower(), f"{q.name}: en-tête {variable}"
        assert set(headings) <= set(dict(q.columns).values()), f"{q.name}: en-têtes sans intitulé français {headings}"


def test_a_commune_is_chosen_by_its_name_and_a_wrong_one_lists_the_right_ones(client):
    ok = client.get("/queries/partenaires-commune", params={"commune": "fontenay-sous-bois"})
    assert ok.status_code == 200 and "Maison de la Prévention" in ok.text
    options = Page(client.get("/queries/partenaires-commune").text).text
    assert "Saint-Maur-des-Fossés" in options
    wrong = client.get("/queries/partenaires-commune", params={"commune": "Paris"})
    assert wrong.status_code == 400
    page = Page(wrong.text)
    assert page.lang == "fr" and "Paris" in page.text
    assert sum(link.startswith("/queries/partenaires-commune?commune=") for link in page.links) == 4
    assert client.get("/queries/partenaires-commune", params={"commune": "Fontenay-sous-Bois", "format": "csv"}).status_code == 200


def test_page_queries_are_not_named_questions_and_all_read():
    from graphe import queries
    from graphe.project import current
    from graphe.web.data import page_query

    queries_dir = current().queries
    names = {q.name for q in queries.catalogue(queries_dir)}
    files = sorted((queries_dir / "pages").glob("*.rq"))
    assert len(files) >= 10
    for f in files:
        q = page_query(queries_dir, f.stem)
        assert q.summary and q.description, f.name
        assert f.stem not in names or (queries_dir / f.name).exists()


def test_partners_roles_are_shown_where_the_annex_gives_one(client, built_store):
    found = rows(built_store, """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?c ?l WHERE { ?x cdv:participation ?p . ?p prov:hadRole ?r . ?r skos:prefLabel ?l .
        FILTER(lang(?l) = "fr" && ?r != <https://w3id.org/contrats-de-ville/id/role/partenaire>)
        ?x (cdv:concerne|cdv:objectif|cdv:axe|cdv:contrat|cdv:objectifParent)*/cdv:porteSur ?c }""")
    assert found
    for f in found:
        page = get(client, page_url(f["c"]))
        table = page.tables["tableau-partenaires"]
        assert "Rôle" in table[0]
        assert any(f["l"] in cell for row in table[1:] for cell in row), f


def _wordings_with_tags(store) -> list[tuple[str, str]]:
    """Every annex wording of a resource (``skos:hiddenLabel``) that carries the annex's inline tags."""
    rows = store.query("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?s ?w { ?s skos:hiddenLabel ?w FILTER(CONTAINS(STR(?w), "</")) }""", use_default_graph_as_union=True)
    return [(r["s"].value, r["w"].value) for r in rows]


def test_the_annex_inline_tags_are_read_not_shown(client, built_store):
    """« 2<sup>ème</sup> » is kept in the data (the document's characters) but a page shows « 2ème »:
    in search results, on the resource's page, and as a real superscript on the annex's page."""
    from graphe.web.markup import as_read

    wordings = _wordings_with_tags(built_store)
    assert wordings, "aucune graphie de l'annexe avec balise : le test ne vérifie plus rien"
    for iri, wording in wordings:
        words = " ".join(re.findall(r"\w+", as_read(wording))[:6])
        r = client.get("/recherche", params={"q": words})
        assert r.status_code == 200
        assert not re.search(r"&lt;/?sup&gt;|</?sup>", r.text), (words, wording)
        page = client.get(page_url(iri).split("#")[0])
        assert page.status_code == 200 and "&lt;sup&gt;" not in page.text, (iri, wording)
    annex = client.get("/annexe").text
    assert "&lt;sup&gt;" not in annex and re.search(r"<sup>(<[^>]+>)*ème", annex)
