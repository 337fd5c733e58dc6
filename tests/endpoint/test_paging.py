"""Pages of the named questions' answers (graphe.paging), on the real data.

A server with pages of a few rows stands for the national answers of tens of thousands: for
every named question, following the ``Link: rel="next"`` pages from the first must give every
row of the whole answer (``page=tout``) exactly once, in its order, on the API and on the
French page; a wrong page number is a French 400.
"""

from __future__ import annotations

import re
import time

import pytest

from graphe import paging, queries
from graphe.api.settings import Settings

from .conftest import LIVE, start_server, stop_server

CATALOGUE = queries.catalogue()
PAGED = [q for q in CATALOGUE if paging.pageable(q.bind({}))]
SIZE = 7


@pytest.fixture(scope="module")
def small_pages(endpoint_dist):
    server = start_server(Settings(dist=endpoint_dist, **{**LIVE, "page_size": SIZE}))
    yield server
    stop_server(server)


@pytest.fixture()
def paged_client(small_pages):
    with small_pages.client() as c:
        yield c


def test_every_question_is_paged():
    """Every question of the catalogue is a SELECT ordered at its top level, hence paged."""
    assert [q.name for q in PAGED] == [q.name for q in CATALOGUE]


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.text
    doc = response.json()
    return [tuple(sorted((k, v["value"]) for k, v in b.items())) for b in doc["results"]["bindings"]]


@pytest.mark.parametrize("query", PAGED, ids=[q.name for q in PAGED])
def test_pages_give_every_row_exactly_once(paged_client, query):
    accept = {"Accept": "application/sparql-results+json"}
    whole = _rows(paged_client.get(f"/queries/{query.name}", params={"page": "tout"}, headers=accept))
    got, url, pages = [], f"/queries/{query.name}", 0
    while url:
        response = paged_client.get(url, headers=accept)
        rows = _rows(response)
        assert len(rows) <= SIZE
        got += rows
        pages += 1
        link = response.headers.get("link")
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else None
        assert pages <= len(whole) // SIZE + 2
    assert got == whole
    assert pages == max(1, -(-len(whole) // SIZE)) or (len(whole) % SIZE == 0 and pages == len(whole) // SIZE + 1)


def test_the_default_is_the_first_page_and_parameters_are_kept(paged_client):
    query = next(q for q in PAGED if q.params and len(_rows(paged_client.get(
        f"/queries/{q.name}", params={"page": "tout"}, headers={"Accept": "application/json"}))) > SIZE)
    first = paged_client.get(f"/queries/{query.name}", params={query.params[0].name: query.params[0].default},
                             headers={"Accept": "application/json"})
    assert len(_rows(first)) == SIZE
    link = first.headers["link"]
    assert f"{query.params[0].name}=" in link and "page=2" in link


def test_the_french_page_links_the_next_page(paged_client):
    query = next(q for q in PAGED if q.name == "chiffres")
    page = paged_client.get(f"/queries/{query.name}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'rel="next"' in page.text and "Page suivante" in page.text and "page=2" in page.text
    assert "page=tout" in page.text  # the raw data: the whole answer
    last = paged_client.get(f"/queries/{query.name}", params={"page": "999"}, headers={"Accept": "text/html"})
    assert last.status_code == 200 and "Page suivante" not in last.text


@pytest.mark.parametrize("value", ["0", "-1", "deux", "1.5"])
def test_a_wrong_page_is_a_french_400(paged_client, value):
    response = paged_client.get("/queries/chiffres", params={"page": value}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "numéro de page" in response.text and "Traceback" not in response.text


def test_a_query_with_its_own_limit_or_no_order_is_not_paged():
    assert not paging.pageable("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3")
    assert not paging.pageable("SELECT ?s WHERE { ?s ?p ?o }")
    assert not paging.pageable("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s")
    assert paging.pageable("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 } } ORDER BY ?s")


def test_the_quick_lane_serves_the_same_first_page(paged_client, small_pages):
    """Once this process's engine knows the text (graphe.inline), the quick lane for
    /queries/{name} (graphe.api.quick_named) answers it: the same first page, the same link."""
    accept = {"Accept": "application/sparql-results+json", "Accept-Encoding": "identity"}  # the lane does no gzip
    taken = small_pages.app.named.taken
    answers = [paged_client.get("/queries/dispositifs", headers=accept)]  # a worker answers, the text is learnt
    for _ in range(250):  # the server process opens its own copy of the store in the background
        if small_pages.runtime.executor.inline.store is not None:
            break
        time.sleep(0.02)
    answers += [paged_client.get("/queries/dispositifs", headers=accept) for _ in range(3)]
    assert len({tuple(_rows(a)) for a in answers}) == 1 and len(_rows(answers[0])) == SIZE
    assert len({a.headers.get("link") for a in answers}) == 1 and "page=2" in answers[0].headers["link"]
    assert small_pages.app.named.taken > taken
