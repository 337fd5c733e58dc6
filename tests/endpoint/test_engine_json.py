"""SPARQL JSON written by Oxigraph's own serialiser: the bytes of graphe's writer, the row cap
kept, and a huge answer never made whole (graphe.results.engine_json)."""

from __future__ import annotations

import pytest

from graphe import results
from graphe.errors import BadRequest
from graphe.store import OxigraphStore

from .test_inline import every_query

PRODUCT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # millions of rows on the annex's data


def python_writer(store: OxigraphStore, text: str, cap: int | None):
    """The same answer written row by row by graphe's own writer."""
    checked = store.check(text)
    answer = store._evaluate(checked)
    answer.solutions = None  # as if the engine's serialiser did not exist
    rows = list(answer.rows)
    truncated = cap is not None and len(rows) > cap
    rows = rows[:cap] if truncated else rows
    return results.write_solutions(answer.variables, rows, "json"), len(rows), truncated


@pytest.mark.parametrize("name,text", every_query())
def test_the_engines_json_is_graphes_json(oxigraph_store, name, text):
    try:
        checked = oxigraph_store.check(text)
    except BadRequest:  # refused by the guard (SERVICE…): nothing to write
        return
    if checked.form != "SELECT":
        return
    for cap in (None, 2):
        got = oxigraph_store.query(checked, format="json", row_limit=cap)
        assert (got.body, got.rows, got.truncated) == python_writer(oxigraph_store, text, cap), (name, cap)


def test_a_huge_answer_is_cut_at_the_cap_without_being_made_whole(oxigraph_store):
    """(Made whole, the product would take hours and gigabytes: the test would not end.)"""
    got = oxigraph_store.query(PRODUCT, format="json", row_limit=5)
    assert got.rows == 5 and got.truncated
    assert got.body == python_writer_first(oxigraph_store, PRODUCT, 5)


def python_writer_first(store: OxigraphStore, text: str, cap: int) -> bytes:
    from itertools import islice

    answer = store._evaluate(store.check(text))
    return results.write_solutions(answer.variables, list(islice(answer.rows, cap)), "json")


def test_past_the_size_budget_the_answer_is_written_row_by_row(oxigraph_store, monkeypatch):
    monkeypatch.setattr(results, "ENGINE_JSON_MAX", 200)
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 40"
    got = oxigraph_store.query(text, format="json", row_limit=30)
    assert (got.body, got.rows, got.truncated) == python_writer(oxigraph_store, text, 30)
    assert len(got.body) > 200


#: values that look like the JSON around them: a row's start, an empty row, escapes, quotes
TRICKY = ['},{"', '},{', 'a},{', '},{"x', '{}', '[{', '"bindings":[{', '\\', '\\"},{"', '}},{"x":{', ',{"', '}]}}']


def _count_by_parsing(body: bytes) -> int:
    import json

    return len(json.loads(body)["results"]["bindings"])


@pytest.mark.parametrize("name,text", every_query())
def test_rows_counted_without_parsing_are_the_parsed_rows(oxigraph_store, name, text):
    try:
        checked = oxigraph_store.check(text)
    except BadRequest:
        return
    if checked.form != "SELECT":
        return
    body = oxigraph_store.query(checked, format="json", row_limit=None).body
    counted = results.json_rows(body)
    assert counted in (None, _count_by_parsing(body)), name
    if b"{}" not in body:  # no empty row: no doubt left, the count is made without parsing
        assert counted == _count_by_parsing(body) or results._UNSURE.search(body), name


@pytest.mark.parametrize("value", TRICKY)
def test_values_that_look_like_the_json_are_not_counted_as_rows(oxigraph_store, value):
    literal = value.replace("\\", "\\\\").replace('"', '\\"')
    for text in (
        f'SELECT ?x ?y WHERE {{ VALUES (?x ?y) {{ ("{literal}" 1) ("b" "{literal}") (UNDEF "{literal}"@fr) }} }}',
        f'SELECT ?x WHERE {{ VALUES ?x {{ "{literal}" }} }}',
        f'SELECT ?x ?y WHERE {{ VALUES (?x ?y) {{ ("{literal}" UNDEF) (UNDEF UNDEF) ("{literal}" "{literal}") }} }}',
    ):
        got = oxigraph_store.query(text, format="json", row_limit=None)
        assert got.rows == _count_by_parsing(got.body), text
        assert results.json_rows(got.body) in (None, got.rows), text
