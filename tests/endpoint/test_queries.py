"""The named-query catalogue: headers read, parameters bound safely (never pasted)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graphe import queries
from graphe.errors import BadRequest, DataError, NotFound
from graphe.project import current

HEADER = """#+ summary: Les libellés
#+ description: Chaque libellé,
#+ description: filtré.
#+ tags: test, libellés
#+ param: cible | iri | commune:94017 | Ressource
#+ param: texte | string | | Texte cherché
#+ param: n | integer | | Rang
#+ param: jour | date | | Date
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

QUERY = HEADER + """SELECT ?s ?label WHERE {
  ?s rdfs:label ?label .
  FILTER(?s = ?_cible)
  FILTER(!BOUND(?_texte) || CONTAINS(?label, ?_texte))
  FILTER(!BOUND(?_n) || ?_n > 0)
  FILTER(!BOUND(?_jour) || ?_jour > "2000-01-01"^^<http://www.w3.org/2001/XMLSchema#date>)
}"""

COMMUNE = "https://w3id.org/contrats-de-ville/id/commune/94017"


@pytest.fixture()
def store():
    s = ox.Store()
    rdfs_label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for iri, label in [(COMMUNE, "Champigny-sur-Marne"), (COMMUNE[:-5] + "94033", 'Fontenay "sous" Bois')]:
        s.add(ox.Quad(ox.NamedNode(iri), rdfs_label, ox.Literal(label, language="fr")))
    return s


def rows(store, text):
    return [(str(r["s"].value), r["label"].value) for r in store.query(text)]


def test_header_is_read():
    q = queries.NamedQuery.from_text("libelles", QUERY)
    assert q.summary == "Les libellés"
    assert q.description == "Chaque libellé, filtré."
    assert q.tags == ("test", "libellés")
    assert [(p.name, p.type, p.default, p.label) for p in q.params] == [
        ("cible", "iri", "commune:94017", "Ressource"),
        ("texte", "string", None, "Texte cherché"),
        ("n", "integer", None, "Rang"),
        ("jour", "date", None, "Date"),
    ]
    assert q.as_dict()["params"][0]["name"] == "cible"


def test_defaults_and_values_change_the_answer(store):
    q = queries.NamedQuery.from_text("libelles", QUERY)
    assert rows(store, q.bind({})) == [(COMMUNE, "Champigny-sur-Marne")]
    other = "https://w3id.org/contrats-de-ville/id/commune/94033"
    assert rows(store, q.bind({"cible": other})) == [(other, 'Fontenay "sous" Bois')]
    assert rows(store, q.bind({"cible": f"<{other}>", "texte": '"sous"'})) == [(other, 'Fontenay "sous" Bois')]
    assert rows(store, q.bind({"cible": other, "texte": "Champigny"})) == []
    assert rows(store, q.bind({"n": "-2"})) == []
    assert rows(store, q.bind({"jour": "2015-01-01", "n": "+4"})) == [(COMMUNE, "Champigny-sur-Marne")]


@pytest.mark.parametrize(
    "values",
    [
        {"texte": '") } } ; DROP ALL ; SELECT * { ("'},
        {"texte": "\\\" } SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } #"},
        {"texte": "'''\n\"\"\"\r\t\\"},
    ],
)
def test_string_injection_stays_a_literal(store, values):
    q = queries.NamedQuery.from_text("libelles", QUERY)
    text = q.bind(values)
    # the text still parses as one query, and the value is the literal compared with the labels
    assert rows(store, text) == []
    # a text is also written as a constant in the group (graphe.queries.NamedQuery._constants): escaped too
    assert "CONTAINS(?label, ?_texte)" not in text and "BOUND(?_texte)" in text
    probe = queries.NamedQuery.from_text("libelles", QUERY.replace("SELECT ?s ?label", "SELECT ?_texte ?s ?label").replace(
        "FILTER(!BOUND(?_texte) || CONTAINS(?label, ?_texte))", ""))
    solutions = store.query(probe.bind(values))
    assert {s["_texte"].value for s in solutions} == {values["texte"]}


@pytest.mark.parametrize(
    "values, message",
    [
        ({"inconnu": "1"}, "paramètre inconnu"),
        ({"n": "1; DROP"}, "un entier est attendu"),
        ({"n": "1.5"}, "un entier est attendu"),
        ({"jour": "30/06/2015"}, "une date AAAA-MM-JJ"),
        ({"cible": "http://x/> } SERVICE <http://127.0.0.1:9/"}, "IRI invalide"),
        ({"cible": "pas une iri"}, "IRI invalide"),
        ({"cible": "javascript"}, "IRI invalide"),
    ],
)
def test_bad_values_are_refused_in_french(values, message):
    q = queries.NamedQuery.from_text("libelles", QUERY)
    with pytest.raises(BadRequest, match=message):
        q.bind(values)


def test_subquery_and_construct_forms(store):
    sub = "#+ param: s | iri | | S\nSELECT * WHERE { SELECT ?_s ?p WHERE { ?_s ?p ?o } }"
    q = queries.NamedQuery.from_text("sub", sub)
    text = q.bind({"s": COMMUNE})
    assert len(list(store.query(text))) == 1
    cons = "#+ param: s | iri | | S\nCONSTRUCT { ?_s ?p ?o } WHERE { ?_s ?p ?o }"
    q = queries.NamedQuery.from_text("cons", cons)
    assert len(list(store.query(q.bind({"s": COMMUNE})))) == 1
    assert len(list(store.query(q.bind({})))) == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("#+ sumary: x\nSELECT * {}", "en-tête illisible"),
        ("#+ param: a | nombre | | A\nSELECT * { ?_a ?p ?o }", "type 'nombre' inconnu"),
        ("#+ param: a | iri | A\nSELECT * { ?_a ?p ?o }", "nom | type"),
        ("#+ param: a | iri | | A\nSELECT * { ?s ?p ?o }", "n'apparaît pas"),
        ("#+ param: a | integer | x | A\nSELECT * { ?_a ?p ?o }", "entier"),
        ("#+ param: a | iri | | A\nCONSTRUCT WHERE { ?_a ?p ?o }", "forme courte"),
    ],
)
def test_malformed_headers_are_data_errors(text, message):
    with pytest.raises(DataError, match=message):
        queries.NamedQuery.from_text("x", text)


def test_catalogue_and_get(tmp_path):
    (tmp_path / "b-requete.rq").write_text(QUERY, encoding="utf-8")
    (tmp_path / "a.rq").write_text("#+ summary: A\nASK {}", encoding="utf-8")
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "c-violation.rq").write_text("SELECT * {}", encoding="utf-8")
    assert [q.name for q in queries.catalogue(tmp_path)] == ["a", "b-requete"]
    assert queries.get("b-requete", tmp_path).summary == "Les libellés"
    for bad in ["absente", "../a", "a.rq", ""]:
        with pytest.raises(NotFound):
            queries.get(bad, tmp_path)


def test_project_catalogue_loads_and_binds_its_defaults():
    """Every queries/*.rq has a valid header and its default binding is a query Oxigraph parses."""
    store = ox.Store()
    for q in queries.catalogue():
        assert q.summary, f"{q.name}: #+ summary manquant"
        store.query(q.bind({}), use_default_graph_as_union=True)
    assert all(p.parent == current().queries for p in current().queries.glob("*.rq"))


def test_a_text_parameter_is_a_constant_in_its_group_only(store):
    """Written in place of ?_texte in the outermost group (so the engine filters first), never
    inside a subquery, whose variables are its own, nor in BOUND(); an IRI stays a VALUES binding."""
    text = HEADER + """SELECT ?s ?label WHERE {
  ?s rdfs:label ?label .
  FILTER(?s = ?_cible && (!BOUND(?_texte) || CONTAINS(?label, ?_texte)))
  FILTER(!BOUND(?_n) && !BOUND(?_jour))
  { SELECT ?x WHERE { BIND(?_texte AS ?x) } }
}"""
    q = queries.NamedQuery.from_text("libelles", text)
    other = COMMUNE[:-5] + "94033"
    bound = q.bind({"texte": "sous", "cible": other})
    assert 'CONTAINS(?label, "sous")' in bound and "BOUND(?_texte)" in bound
    assert "BIND(?_texte AS ?x)" in bound and "?s = ?_cible" in bound
    assert rows(store, bound) == [(other, 'Fontenay "sous" Bois')]
    assert rows(store, q.bind({"texte": "Champigny", "cible": other})) == []
