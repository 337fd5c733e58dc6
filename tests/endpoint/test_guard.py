"""The static checks (graphe.guard) and content negotiation (graphe.formats), without a server."""

from __future__ import annotations

import pytest

from graphe import formats, guard
from graphe.errors import BadRequest, PayloadTooLarge, Refused

G = "https://w3id.org/contrats-de-ville/graphe/"
GRAPHS = [G + "annexe-1", G + "ontologie", G + "referentiel"]


def check(text, **kw):
    return guard.check(text, graphs=GRAPHS, prefixes={"graphe": G, "cdv": "https://w3id.org/contrats-de-ville/ontologie#"}, **kw)


@pytest.mark.parametrize(
    "text, form",
    [
        ("SELECT * {}", "SELECT"),
        ("prefix x: <http://x/> base <http://b/> construct { } where { }", "CONSTRUCT"),
        ("# commentaire SELECT\nASK {}", "ASK"),
        ("DESCRIBE <http://x/>", "DESCRIBE"),
        ("SELEC * {}", None),
    ],
)
def test_query_form(text, form):
    assert check(text).form == form


@pytest.mark.parametrize("keyword", sorted(guard.UPDATE_KEYWORDS))
def test_every_update_keyword_is_refused(keyword):
    with pytest.raises(Refused, match="lecture seule"):
        check(f"PREFIX x: <http://x/>\n{keyword.lower()} DATA {{ }}")


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * { ?s ?p "SERVICE <http://x/>" }',
        "SELECT * { ?s ?p <http://x/SERVICE> }",
        "SELECT ?service { ?service ?p ?o }",
        "SELECT * { ?s ?p ?o } # SERVICE <http://x/>",
        "PREFIX ex: <http://x/> SELECT * { ?s ex:SERVICE ?o }",
        "SELECT * { ?s ?p '''\nSERVICE\n''' }",
    ],
)
def test_service_elsewhere_than_a_keyword_passes(text):
    assert check(text).form == "SELECT"


def test_service_keyword_any_case():
    for word in ("SERVICE", "service", "Service"):
        with pytest.raises(Refused):
            check(f"SELECT * {{ {word} <http://x/> {{ ?s ?p ?o }} }}")


def test_from_clauses_are_resolved_and_blanked():
    text = f"PREFIX graphe: <{G}> SELECT * FROM graphe:annexe-1 FROM NAMED <{G}ontologie> WHERE {{ ?s ?p ?o }}"
    checked = check(text)
    assert checked.default_graphs == (G + "annexe-1",) and checked.named_graphs == (G + "ontologie",)
    assert "FROM" not in checked.text and len(checked.text) == len(text)  # positions kept
    based = check(f"BASE <{G}> SELECT * FROM <referentiel> {{ ?s ?p ?o }}")
    assert based.default_graphs == (G + "referentiel",)
    predeclared = check("SELECT * FROM graphe:ontologie { ?s ?p ?o }")
    assert predeclared.default_graphs == (G + "ontologie",)


def test_protocol_graphs_override_from():
    checked = check(f"SELECT * FROM <{G}annexe-1> {{ ?s ?p ?o }}", named_graph_uris=[G + "ontologie"])
    assert checked.default_graphs == () and checked.named_graphs == (G + "ontologie",)


def test_no_dataset_means_union():
    checked = check("SELECT * { ?s ?p ?o }")
    assert checked.default_graphs is None and checked.named_graphs is None


@pytest.mark.parametrize(
    "text", ["SELECT * FROM <file:///etc/passwd> {}", "SELECT * FROM NAMED <http://127.0.0.1/> {}", "SELECT * FROM <annexe-1> {}"]
)
def test_foreign_graphs_are_refused(text):
    with pytest.raises(Refused, match="graphe inconnu"):
        check(text)


def test_from_without_a_graph_is_a_bad_request():
    with pytest.raises(BadRequest):
        check("SELECT * FROM WHERE { }")
    with pytest.raises(BadRequest, match="illisible"):
        check("SELECT * FROM inconnu:g { }")


def test_depth_and_length_limits():
    limits = guard.Limits(max_length=1000, max_depth=8)
    assert check("SELECT * " + "{" * 8 + "}" * 8, limits=limits).form == "SELECT"
    with pytest.raises(Refused, match="imbriquée"):
        check("SELECT * " + "{" * 9 + "}" * 9, limits=limits)
    with pytest.raises(Refused):
        check("ASK { FILTER(" + "(" * 8 + "1" + ")" * 8 + ") }", limits=limits)
    assert check('SELECT * { ?s ?p "' + "(" * 50 + '" }', limits=limits).form == "SELECT"  # in a string
    with pytest.raises(PayloadTooLarge):
        check("SELECT * {} #" + "x" * 1000, limits=limits)
    with pytest.raises(BadRequest, match="vide"):
        check("   ")


def test_depth_check_refuses_huge_nestings_before_parsing():
    """40,000 nested groups: refused by the depth check (the parser would recurse that deep);
    how long the check takes is a figure of bench/timings.py, not an assertion."""
    text = "SELECT * " + "{" * 40_000 + "}" * 40_000
    with pytest.raises(Refused, match="imbrication|profondeur|niveaux"):
        check(text, limits=guard.Limits(max_length=100_000))


def test_only_undeclared_predeclared_prefixes_go_to_the_engine():
    checked = check("PREFIX cdv: <http://autre/> SELECT * { ?s cdv:p ?o ; graphe:q ?x ; inconnu:r ?y }")
    assert checked.prefixes == {"graphe": G}


# --- formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, offers, expected",
    [
        (None, formats.SOLUTIONS, "json"),
        ("*/*", formats.GRAPH, "turtle"),
        ("application/json", formats.GRAPH, "jsonld"),
        ("application/json", formats.SOLUTIONS, "json"),
        ("application/xml", formats.GRAPH, "rdfxml"),
        ("text/*;q=0.9, application/*;q=0.8", formats.SOLUTIONS, "csv"),
        ("TEXT/CSV", formats.SOLUTIONS, "csv"),
        ("text/csv;q=0", formats.SOLUTIONS, None),
        ("text/csv;q=abc", formats.SOLUTIONS, "csv"),
        ("application/n-triples;q=0.5, text/turtle;q=0.5", formats.GRAPH, "turtle"),
        ("application/n-triples, text/turtle", formats.GRAPH, "turtle"),
        ("application/n-triples;q=1, text/turtle;q=0.9", formats.GRAPH, "ntriples"),
    ],
)
def test_choose(accept, offers, expected):
    chosen = formats.choose(accept, offers)
    assert (chosen.name if chosen else None) == expected


@pytest.mark.parametrize(
    "name, offers, expected",
    [("csv", formats.SOLUTIONS, "csv"), ("text/csv", formats.SOLUTIONS, "csv"), ("ttl", formats.GRAPH, "turtle"),
     ("rdf+xml", formats.GRAPH, "rdfxml"), ("xml", formats.GRAPH, "rdfxml"), ("xml", formats.SOLUTIONS, "xml"),
     ("JSON", formats.SOLUTIONS, "json"), ("csv", formats.GRAPH, None)],
)
def test_format_parameter(name, offers, expected):
    chosen = formats.negotiate("text/html", name, offers)
    assert (chosen.name if chosen else None) == expected
