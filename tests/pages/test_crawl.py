"""Every page a person can reach from ``/``: it answers GET and HEAD, is French, shows no
machine noise (prefixed names, language tags, datatypes, skolem IRIs), and every commune,
partner, dispositif, quartier and theme is within three clicks of the home page.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from graphe.namespaces import ID_BASE, prefixes
from graphe.web.data import page_url

from .htmlparse import Page

pytestmark = pytest.mark.slow
PREFIXED = re.compile(r"(?<![\w/.#-])(" + "|".join(sorted(map(re.escape, prefixes()), key=len, reverse=True)) + r"):[A-Za-z0-9_]")
NOISE = [("nom préfixé", PREFIXED), ("langue", re.compile(r"@(fr|en)\b")), ("type de donnée", re.compile(r"\^\^")),
         ("nœud technique", re.compile(r"\.well-known/genid")),
         ("balise de l'annexe montrée telle quelle", re.compile(r"</?(sup|sub|em|strong|br|b|i)>"))]
#: Pages for researchers, not for policy staff: reached, answered, but written in SPARQL on purpose.
RESEARCH = ("/sparql", "/ontologie", "/formes", "/graphe/", "/void", "/dumps/")


def internal(href: str) -> str | None:
    """The path + query a link leads to on this site, or None (other sites, downloads, anchors)."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("/static/") or "format=" in parts.query or "csv=" in parts.query:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def crawl(client):
    depth = {"/": 0}
    pages: dict[str, Page] = {}
    problems = []
    queue = deque(["/"])
    while queue:
        url = queue.popleft()
        r = client.get(url)
        if r.status_code != 200:
            problems.append(f"{url}: {r.status_code}")
            continue
        head = client.head(url)
        if head.status_code != 200 or head.content:
            problems.append(f"{url}: HEAD {head.status_code}")
        if not r.headers["content-type"].startswith("text/html"):
            continue
        page = Page(r.text)
        pages[url] = page
        if url.startswith(RESEARCH):
            continue
        for href in page.links:
            target = internal(href)
            if target is not None and target not in depth:
                depth[target] = depth[url] + 1
                queue.append(target)
        assert len(depth) < 5000, "exploration sans fin ?"
    return depth, pages, problems


def test_every_reachable_page_answers_get_and_head(crawl):
    depth, pages, problems = crawl
    assert len(pages) > 150
    assert not problems, problems[:20]


def test_every_page_is_french_well_formed_and_without_noise(crawl):
    _, pages, _ = crawl
    bad = []
    for url, page in pages.items():
        if page.lang != "fr":
            bad.append(f"{url}: lang={page.lang}")
        if page.errors and not url.startswith(RESEARCH):
            bad.append(f"{url}: {page.errors[:2]}")
        if url.startswith(RESEARCH):
            continue
        for what, pattern in NOISE:
            m = pattern.search(page.text)
            if m:
                bad.append(f"{url}: {what} « {page.text[max(0, m.start() - 30):m.end() + 30]} »")
    assert not bad, "\n".join(bad[:60])


def test_every_commune_partner_dispositif_quartier_and_theme_is_within_three_clicks(crawl, built_store):
    depth, _, _ = crawl
    result = built_store.query(
        """SELECT DISTINCT ?x WHERE { VALUES ?c { <https://w3id.org/contrats-de-ville/ontologie#Commune>
        <https://w3id.org/contrats-de-ville/ontologie#Partenaire> <https://w3id.org/contrats-de-ville/ontologie#Dispositif>
        <https://w3id.org/contrats-de-ville/ontologie#Quartier> <https://w3id.org/contrats-de-ville/ontologie#Theme> } ?x a ?c }""",
        use_default_graph_as_union=True,
    )
    resources = [s["x"].value for s in result]
    assert len(resources) > 100
    far = [(iri, depth.get(page_url(iri))) for iri in resources if depth.get(page_url(iri), 99) > 3]
    assert not far, far[:10]
    assert all(page_url(iri) != "/id/" + iri[len(ID_BASE):] for iri in resources)
