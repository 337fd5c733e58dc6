"""The query page as a person uses it, in headless Chromium, on the real app and data.

Each test does what a user would: open /sparql, type a query and press Ctrl+Enter, follow a
permalink, pick a named question and fill its parameters, read an error. They check what is
on screen (the results table, its links, the messages) and that nothing was requested from
any other origin than graphe's.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from graphe import queries
from graphe.namespaces import sparql_prologue

pytestmark = pytest.mark.slow

COMMUNES = "SELECT ?commune ?nom WHERE { ?commune a cdv:Commune ; rdfs:label ?nom } ORDER BY ?nom"
NEVER_ENDS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

ROWS = "return Array.from(document.querySelectorAll('#table-resultats tbody tr'))" \
       ".map(tr => Array.from(tr.cells).map(td => td.textContent.trim()))"
LINKS = "return Array.from(document.querySelectorAll('#table-resultats tbody a')).map(a => a.getAttribute('href'))"
DOWNLOADS = "return Array.from(document.querySelectorAll('#telechargements a'))" \
            ".map(a => [a.textContent, a.getAttribute('href')])"
STATUS = "return document.getElementById('etat').textContent"
DONE = "const t = document.getElementById('etat').textContent; " \
       "return !document.getElementById('etat').classList.contains('en-cours') && t !== 'Aucune requête exécutée.' && t"
ERROR = "const e = document.getElementById('erreur'); return !e.hidden && e.textContent"
RESOURCES = "return performance.getEntriesByType('resource').map(e => e.name)"
#: axe-core, Deque's accessibility engine (vendored, MPL-2.0: see vendor/axe-core/README.md)
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => done(r.violations.map(v => [v.id, v.impact, v.help, v.nodes.map(n => n.target.join(' '))])))
  .catch(e => done([['axe', 'erreur', String(e), []]]));
"""


@pytest.fixture(scope="module")
def live(serve, live_app):
    with serve(live_app) as server:
        yield server


def open_page(browser, live, search: str = "") -> None:
    browser.get(f"{live.url}/sparql{search}")
    browser.wait_ready()


def assert_same_origin(browser, live) -> None:
    requested = browser.js(RESOURCES)
    assert requested, "la page n'a rien chargé ?"
    foreign = [u for u in requested if not u.startswith(live.url + "/")]
    assert not foreign, f"requêtes vers d'autres origines : {foreign}"


def test_page_opens_ready_with_prefixes_and_examples(browser, live, screenshots):
    open_page(browser, live)
    assert browser.js("return document.documentElement.lang") == "fr"
    text = browser.js("return document.getElementById('editeur').value")
    assert text.startswith(sparql_prologue()), "l'éditeur doit commencer par les préfixes du graphe"
    options = browser.js("return Array.from(document.querySelectorAll('#exemple option')).map(o => o.value)")
    assert sorted(o for o in options if o) == sorted(q.name for q in queries.catalogue())
    # the coloured copy matches the text, keywords are marked
    assert browser.js("return document.getElementById('surlignage').textContent") == text + "\n"
    assert browser.js("return document.querySelectorAll('#surlignage .tok-keyword').length") > 5
    assert_same_origin(browser, live)
    assert browser.console_errors() == []
    browser.screenshot(screenshots / "page.png")


def test_ctrl_enter_runs_the_query_and_fills_the_table(browser, live, screenshots, communes):
    open_page(browser, live)
    browser.clear("#editeur")
    browser.type("#editeur", COMMUNES)  # no PREFIX: the page declares the ones it uses
    browser.ctrl_enter()
    status = browser.wait(DONE)
    assert status.startswith("Terminé : 4 lignes en"), status
    rows = browser.js(ROWS)
    by_name = sorted(communes, key=lambda c: c.label)  # the query's ORDER BY ?nom
    assert [r[2] for r in rows] == [f"{c.label}@fr" for c in by_name]
    assert [r[1] for r in rows] == [c.curie for c in by_name]
    # the graph's IRIs link to this server's /id/… pages
    assert browser.js(LINKS) == ["/id/" + c.iri.split("/id/", 1)[1] for c in by_name]
    # the prefixes the query used were added, and the permalink carries the exact text
    text = browser.js("return document.getElementById('editeur').value")
    assert text.startswith("PREFIX cdv: <") and "PREFIX rdfs: <" in text and text.endswith(COMMUNES)
    assert parse_qs(urlsplit(browser.url).query)["query"] == [text]
    # each download link is a working GET of the same query in its format
    links = dict(browser.js(DOWNLOADS))
    assert list(links) == ["CSV", "TSV", "JSON", "XML"]
    csv = httpx.get(live.url + links["CSV"])
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) == 1 + len(communes) and all(c.label in csv.text for c in communes)
    browser.screenshot(screenshots / "resultats.png")


def test_a_permalink_restores_and_reruns_its_query(browser, live):
    open_page(browser, live)
    browser.clear("#editeur")
    browser.type("#editeur", "ASK { ?s a cdv:Commune }")
    browser.click("#executer")
    browser.wait(DONE)
    permalink = browser.url
    browser.get("about:blank")
    browser.get(permalink)
    browser.wait_ready()
    assert browser.js("return document.getElementById('editeur').value").endswith("ASK { ?s a cdv:Commune }")
    assert browser.wait(DONE).startswith("Terminé : réponse ASK : oui")
    assert browser.js("return document.querySelector('.booleen').textContent") == "Oui (true)"


def test_a_construct_is_shown_as_triples_with_graph_downloads(browser, live):
    query = "CONSTRUCT { ?c rdfs:label ?nom } WHERE { ?c a cdv:Commune ; rdfs:label ?nom }"
    open_page(browser, live, "?" + httpx.QueryParams({"query": query}).__str__())
    assert browser.wait(DONE).startswith("Terminé : 4 triplets"), browser.js(STATUS)
    assert browser.js("return Array.from(document.querySelectorAll('#table-resultats th')).map(t => t.textContent)") \
        == ["n°", "sujet", "prédicat", "objet"]
    assert [label for label, _ in browser.js(DOWNLOADS)] == ["Turtle", "N-Triples", "JSON-LD", "RDF/XML"]


def test_a_syntax_error_says_where(browser, live, screenshots):
    broken = "SELECT ?s WHERE {\n  ?s rdfs:label ?l .\n  FILTER(?l = )\n}"
    open_page(browser, live, "?" + str(httpx.QueryParams({"query": broken})))
    message = browser.wait(ERROR)
    assert "erreur 400" in message
    assert "Position : ligne" in message
    # the faulty spot is marked in the editor and the button puts the caret there
    assert browser.js("return document.querySelectorAll('#surlignage .tok-erreur').length") == 1
    browser.click("#erreur button")
    caret = browser.js("const e = document.getElementById('editeur'); "
                       "return [document.activeElement === e, e.selectionStart]")
    assert caret[0] is True
    text = browser.js("return document.getElementById('editeur').value")
    assert text.rfind("\n", 0, caret[1]) > text.index("FILTER") - 3  # on the FILTER line or after
    browser.screenshot(screenshots / "erreur.png")


def test_an_update_is_refused_with_a_message(browser, live):
    open_page(browser, live)
    browser.clear("#editeur")
    browser.type("#editeur", "DROP ALL")
    browser.ctrl_enter()
    message = browser.wait(ERROR)
    assert "erreur 400" in message and "Update" in message, message


def test_a_named_question_runs_with_its_parameters(browser, live, screenshots):
    entry = next(q for q in queries.catalogue() if q.params)
    open_page(browser, live)
    browser.js("const s = document.getElementById('exemple'); s.value = arguments[0]; "
               "s.dispatchEvent(new Event('change'))", entry.name)
    fields = browser.js("return Array.from(document.querySelectorAll('#exemple-champs input'))"
                        ".map(i => [i.name, i.value])")
    assert fields == [[p.name, p.default or ""] for p in entry.params]
    browser.click("#exemple-executer")
    status = browser.wait(DONE)
    assert status.startswith("Terminé"), browser.js(ERROR) or status
    assert parse_qs(urlsplit(browser.url).query)["exemple"] == [entry.name]
    labels = [label for label, _ in browser.js(DOWNLOADS)]
    assert labels == ["CSV", "JSON", "Tableau HTML"]
    for _, href in browser.js(DOWNLOADS):
        assert httpx.get(live.url + href).status_code == 200, href
    browser.screenshot(screenshots / "question.png")


def test_a_timeout_is_shown_as_such(browser, serve, live_slow, screenshots):
    with serve(live_slow) as server:
        browser.get(f"{server.url}/sparql?" + str(httpx.QueryParams({"query": NEVER_ENDS})))
        browser.wait_ready()
        message = browser.wait(ERROR, timeout=30)
    assert "Temps limite dépassé" in message, message
    browser.screenshot(screenshots / "delai.png")


def accessibility_violations(browser) -> list:
    if not browser.js("return typeof axe !== 'undefined'"):
        browser.js(AXE.read_text(encoding="utf-8"))
    return browser.js_async(AXE_RUN)


def test_the_page_meets_wcag_2_1_aa_in_each_state(browser, live):
    """axe-core finds no WCAG 2.1 A/AA violation: on opening, with results, with an error,
    with a named question's parameter fields shown."""
    found = {}
    open_page(browser, live)
    found["ouverture"] = accessibility_violations(browser)
    open_page(browser, live, "?" + str(httpx.QueryParams({"query": COMMUNES})))
    browser.wait(DONE)
    found["résultats"] = accessibility_violations(browser)
    open_page(browser, live, "?" + str(httpx.QueryParams({"query": "SELECT * WHERE { ?s ?p }"})))
    browser.wait(ERROR)
    found["erreur"] = accessibility_violations(browser)
    entry = next(q for q in queries.catalogue() if q.params)
    browser.js("const s = document.getElementById('exemple'); s.value = arguments[0]; "
               "s.dispatchEvent(new Event('change'))", entry.name)
    found["question"] = accessibility_violations(browser)
    assert found == {state: [] for state in found}
