"""The staff pages as a contract officer uses them, in headless Chromium, on the real data.

The path the issue names (home → a partner present in several communes → one of its
objectives → its passage in the annex), a comparison filtered, a search typed in the header
box, a CSV downloaded and compared with the table on screen, every page type through
axe-core, at phone width, and nothing requested from another origin.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from .conftest import ENTER
from .test_query_page_browser import AXE_RUN, accessibility_violations  # noqa: F401  (one copy of the axe call)

pytestmark = pytest.mark.slow

PAGE_TYPES = {
    "accueil": "/", "communes": "/communes", "commune": "/communes/94017", "partenaires": "/partenaires",
    "partenaire": "/partenaires/education-nationale", "dispositif": "/dispositifs/pre", "theme": "/themes/sante",
    "quartier": "/quartiers/qpv/bois-l-abbe", "comparer": "/comparer", "comparaison": "/comparer/partenaires",
    "annexe": "/annexe", "recherche": "/recherche?q=pr%C3%A9vention", "questions": "/queries",
    "question": "/queries/partenaires-commune?commune=commune%3A94033", "ressource": "/id/action/champigny-sante-2-5",
    "introuvable": "/nulle-part",
}
RESOURCES = "return performance.getEntriesByType('resource').map(e => e.name)"


@pytest.fixture(scope="module")
def live(serve, built_dist):
    """An app of its own: an app's executor stops with the server that ran its lifespan."""
    from graphe.api import Settings, create_app

    with serve(create_app(Settings(dist=built_dist, workers=1))) as server:
        yield server


@pytest.fixture(autouse=True)
def drained_console(browser):
    """Leave the shared browser's console log empty: the 404 page logs an error other tests would read."""
    yield
    browser.console_errors()


def click_link(browser, selector: str, index: int = 0) -> str:
    href = browser.js(f"const a = document.querySelectorAll({selector!r})[{index}]; a.scrollIntoView(); a.click(); return a.href;")
    browser.wait("return document.readyState === 'complete'")
    return href


def test_from_home_to_a_shared_partner_to_an_objective_to_its_passage(browser, live, screenshots):
    browser.get(live.url + "/")
    click_link(browser, 'a[href="/comparer/partenaires"]')
    assert browser.url.endswith("/comparer/partenaires")
    first = browser.js("const r = document.querySelector('#tableau-comparaison tbody tr'); return [r.cells[0].innerText, r.cells[r.cells.length - 1].innerText]")
    assert int(first[1]) > 1, first  # the most shared partner first: "which partners appear in more than one commune"
    click_link(browser, "#tableau-comparaison tbody tr th a")
    assert "/partenaires/" in browser.url
    communes = browser.js("return document.querySelectorAll('section[id^=commune-]').length")
    assert communes == int(first[1])
    click_link(browser, 'section[id^=commune-] li a[href*="#objectif-"], section[id^=commune-] li a[href*="#action-"]')
    anchor = browser.url.split("#", 1)[1]
    assert browser.js(f"return !!document.getElementById({anchor!r})")
    click_link(browser, f'#{anchor} a.source')
    assert "/annexe#passage-" in browser.url
    target = browser.url.split("#", 1)[1]
    box = browser.js(f"const r = document.getElementById({target!r}).getBoundingClientRect(); return [r.top, window.innerHeight]")
    assert -2 <= box[0] < box[1], "le passage n'est pas à l'écran"
    assert browser.js(f"return document.getElementById({target!r}).nextElementSibling.tagName") in ("MARK", "A", "SPAN")
    browser.screenshot(screenshots / "parcours-annexe.png")


def test_filter_a_comparison_by_kind(browser, live):
    browser.get(live.url + "/comparer/partenaires")
    all_rows = browser.js("return document.querySelectorAll('#tableau-comparaison tbody tr').length")
    browser.js("document.getElementById('filtre-sorte').value = 'Association'")
    click_link(browser, "form.filtre button")
    assert "sorte=Association" in browser.url
    kinds = browser.js("return Array.from(document.querySelectorAll('#tableau-comparaison tbody tr')).map(r => r.cells[1].innerText)")
    assert kinds and set(kinds) == {"Association"} and len(kinds) < all_rows


def test_search_from_the_header_box(browser, live):
    browser.get(live.url + "/communes/94033")
    browser.type("#recherche-q", "bailleur")
    browser.chord(ENTER)
    browser.wait("return location.pathname === '/recherche' && document.readyState === 'complete'")
    assert browser.js("return document.querySelectorAll('.resultats mark').length") > 0
    links = browser.js("return Array.from(document.querySelectorAll('#resultats-partenaire a')).map(a => a.getAttribute('href'))")
    assert "/partenaires/bailleurs" in links


def test_the_downloaded_csv_is_the_table_on_screen(browser, live):
    for path, table in (("/communes/94017", "partenaires"), ("/comparer/dispositifs", "comparaison"), ("/queries/partenaires-communs", "reponse")):
        browser.get(live.url + path)
        shown = browser.js(f"return Array.from(document.querySelectorAll('#tableau-{table} tr')).map(tr => Array.from(tr.cells).map(c => c.innerText.trim()))")
        href = browser.js(f"return document.querySelector('a[href$=\"csv={table}\"]').href")
        text = browser.js_async("const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done);", href)
        downloaded = [[" ".join(c.split()) for c in row] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))]
        assert [[" ".join(c.split()) for c in row] for row in shown] == downloaded, path


def test_every_page_type_is_accessible_self_contained_and_fits_a_phone(browser, live):
    found, foreign, overflow = {}, {}, {}
    for name, path in PAGE_TYPES.items():
        for width in (1280, 390):
            browser._cmd("POST", "/window/rect", {"width": width, "height": 900})
            browser.get(live.url + path)
            assert browser.js("return document.documentElement.lang") == "fr"
            if width == 390:
                extra = browser.js("return document.documentElement.scrollWidth - window.innerWidth")
                if extra > 1:
                    overflow[name] = extra
                continue
            serious = [v for v in accessibility_violations(browser) if v[1] in ("serious", "critical")]
            if serious:
                found[name] = serious
            others = [u for u in browser.js(RESOURCES) if not u.startswith(live.url + "/")]
            if others:
                foreign[name] = others
            assert browser.js("return document.scripts.length") == 0, f"{name}: le contenu ne doit pas dépendre d'un script"
    browser._cmd("POST", "/window/rect", {"width": 1280, "height": 1400})
    assert not found, found
    assert not foreign, foreign
    assert not overflow, f"la page déborde à 390 px : {overflow}"


def test_the_print_stylesheet_hides_the_navigation(browser, live):
    browser.get(live.url + "/communes/94017")
    css = Path(__file__).resolve().parents[2] / "src" / "graphe" / "static" / "pages.css"
    assert "@media print" in css.read_text(encoding="utf-8")
    hidden = browser.js("""
        for (const sheet of document.styleSheets) for (const rule of sheet.cssRules)
          if (rule.media && rule.media.mediaText === 'print')
            for (const r of rule.cssRules) if (r.selectorText && r.selectorText.includes('header.site nav')) return r.style.display;
        return null;""")
    assert hidden == "none"
