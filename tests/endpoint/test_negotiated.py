"""One request, one decision about its format: the answer, the page and the error agree.

For each way a client can ask for a format (``Accept``, ``format=`` in the URL or in a form
POST), the same request is sent once with a query that works and once with one that fails:
the error comes as JSON exactly when the answer comes as JSON, and as one line of text
otherwise (never the HTML page on ``/sparql``, whose page shows errors in place).
"""

from __future__ import annotations

import html

import pytest

from graphe import formats, negotiation
from graphe.negotiation import ERROR_JSON, ERROR_TEXT, Negotiated
from graphe.queries import catalogue

GOOD = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
BAD = "SELECT ?s WHERE { ?s ?p }"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

#: (how the client asks, URL parameters, headers)
ASKS = [
    ("Accept JSON", {}, {"Accept": "application/sparql-results+json"}),
    ("Accept JSON générique", {}, {"Accept": "application/json"}),
    ("Accept CSV", {}, {"Accept": "text/csv"}),
    ("Accept TSV", {}, {"Accept": "text/tab-separated-values"}),
    ("Accept XML", {}, {"Accept": "application/sparql-results+xml"}),
    ("format=json", {"format": "json"}, {}),
    ("format=srj", {"format": "srj"}, {}),
    ("format=csv", {"format": "csv"}, {}),
    ("format=csv, Accept JSON", {"format": "csv"}, {"Accept": "application/json"}),
    ("format=json, navigateur", {"format": "json"}, {"Accept": BROWSER}),
    ("format=xml", {"format": "xml"}, {}),
]


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().endswith("json")


@pytest.mark.parametrize("label, params, headers", ASKS, ids=[a[0] for a in ASKS])
def test_the_error_of_a_request_comes_in_the_format_of_its_answer(client, label, params, headers):
    good = client.get("/sparql", params={"query": GOOD, **params}, headers=headers)
    bad = client.get("/sparql", params={"query": BAD, **params}, headers=headers)
    assert good.status_code == 200 and bad.status_code == 400
    assert _is_json(bad.headers["content-type"]) == _is_json(good.headers["content-type"]), label
    if _is_json(bad.headers["content-type"]):
        assert bad.json()["status"] == 400 and "invalide" in bad.json()["error"]
    else:
        assert bad.headers["content-type"].startswith("text/plain") and "invalide" in bad.text
        assert len(bad.text.strip().splitlines()) == 1


def test_without_a_preference_the_error_is_one_line_of_text(client):
    """``Accept: */*`` (curl, httpx): the answer is JSON, the server's first offer, but a person
    at a terminal reads the error, so it stays text, as it always was."""
    response = client.get("/sparql", params={"query": BAD}, headers={"Accept": "*/*"})
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/plain")


def test_a_form_post_decides_by_the_format_in_its_body(client):
    good = client.post("/sparql", data={"query": GOOD, "format": "json"})
    bad = client.post("/sparql", data={"query": BAD, "format": "json"})
    assert _is_json(good.headers["content-type"]) and bad.status_code == 400
    assert bad.headers["content-type"] == "application/json" and bad.json()["status"] == 400
    text = client.post("/sparql", data={"query": BAD, "format": "csv"}, headers={"Accept": "application/json"})
    assert text.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("accept, json_error", [("application/json", True), ("text/csv", False), (BROWSER, False)])
def test_an_unknown_format_is_one_french_406_in_the_accepted_format(client, accept, json_error):
    response = client.get("/sparql", params={"query": GOOD, "format": "pdf"}, headers={"Accept": accept})
    assert response.status_code == 406
    assert _is_json(response.headers["content-type"]) == json_error
    message = response.json()["error"] if json_error else response.text
    assert message.count("indisponible") == 1 and "'pdf'" in message and "formats possibles" in message


def test_a_browser_following_a_failing_permalink_gets_the_page(client, live):
    page = live.runtime.settings.static_dir / "query.html"
    response = client.get("/sparql", params={"query": BAD}, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.content == page.read_bytes()


# --- the named questions, through FastAPI's error handlers ----------------------------------


CATALOGUE = catalogue()


@pytest.mark.parametrize("params, headers, kind", [
    ({"format": "json"}, {"Accept": BROWSER}, "json"),
    ({"format": "csv"}, {"Accept": BROWSER}, "text"),
    ({}, {"Accept": "application/json"}, "json"),
    ({}, {"Accept": "text/csv"}, "text"),
    ({}, {"Accept": BROWSER}, "html"),
])
def test_a_named_question_errs_in_the_format_it_would_answer(client, params, headers, kind):
    query = CATALOGUE[0]
    response = client.get(f"/queries/{query.name}", params={"inconnu": "1", **params}, headers=headers)
    assert response.status_code == 400
    content_type = response.headers["content-type"]
    assert {"json": "application/json", "text": "text/plain", "html": "text/html"}[kind] in content_type
    assert "inconnu" in html.unescape(response.text)


# --- the decision itself --------------------------------------------------------------------


def test_each_decision_is_made_once_per_request(monkeypatch):
    calls = []
    real = formats.choose
    monkeypatch.setattr(negotiation.formats, "choose", lambda *a: calls.append(a) or real(*a))
    decided = Negotiated("text/csv, text/plain;q=0.5", None, pages=False)
    assert decided.answer(formats.SOLUTIONS) is formats.CSV
    assert decided.answer(formats.SOLUTIONS) is formats.CSV
    assert decided.error is ERROR_TEXT and decided.error is ERROR_TEXT
    assert not decided.page(formats.SOLUTIONS)
    assert len(calls) == 3  # the answer among the solutions, the error body, the page against the solutions


@pytest.mark.parametrize("accept, format_param, pages, error", [
    ("application/json", None, False, ERROR_JSON),
    ("application/sparql-results+json", None, False, ERROR_JSON),
    ("text/csv", None, False, ERROR_TEXT),
    (None, "json", False, ERROR_JSON),
    (None, "jsonld", True, ERROR_JSON),
    ("application/json", "csv", True, ERROR_TEXT),
    (BROWSER, None, True, formats.HTML),
    (BROWSER, None, False, ERROR_TEXT),
    (BROWSER, "html", True, formats.HTML),
    (BROWSER, "turtle", True, ERROR_TEXT),
    ("application/json", "pdf", True, ERROR_JSON),  # unknown format=: the Accept header decides
])
def test_the_error_format_follows_the_answers_rule(accept, format_param, pages, error):
    assert Negotiated(accept, format_param, pages=pages).error is error
