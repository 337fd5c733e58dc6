"""The named queries of ``queries/*.rq`` against their expected answers (``tests/golden/``).

Each query runs with its default parameters on the dataset built for the session; its answer
is canonicalised (IRIs as prefixed names, literals as their text, rows sorted) and compared
with ``tests/golden/<name>.json``. ``pytest --update-golden`` writes those files and fails: they are
the expected answers, so a person reviews the diff against the annex and commits it before a
run can pass (``tests/test_habits.py`` fails while ``tests/golden`` differs from the commit).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphe import queries
from graphe.cli.output import term_cell as _cell

GOLDEN = Path(__file__).parent / "golden"
CATALOGUE = queries.catalogue()
NAMES = [q.name for q in CATALOGUE]


def answer(store, text: str) -> tuple[list[str], list[list[str]]]:
    result = store.query(text, use_default_graph_as_union=True)
    variables = [v.value for v in result.variables]
    rows = [[_cell(sol[v]) for v in variables] for sol in result]
    return variables, sorted(rows)


def canonical(store, query: queries.NamedQuery) -> dict:
    variables, rows = answer(store, query.bind({}))
    return {"requete": query.name, "variables": variables, "lignes": rows}


def dump(doc: dict) -> str:
    """One row per line, so a diff of a golden file reads row by row."""
    rows = ",\n".join("    " + json.dumps(r, ensure_ascii=False) for r in doc["lignes"])
    return (
        "{\n"
        f'  "requete": {json.dumps(doc["requete"], ensure_ascii=False)},\n'
        f'  "variables": {json.dumps(doc["variables"], ensure_ascii=False)},\n'
        f'  "lignes": [\n{rows}\n  ]\n'
        "}\n"
    )


def test_the_catalogue():
    assert len(CATALOGUE) >= 12
    for q in CATALOGUE:
        assert q.summary and q.description, q.name
        assert q.name == q.name.lower() and " " not in q.name


@pytest.mark.parametrize("name", NAMES)
def test_golden_answer(name, built_store, update_golden):
    doc = canonical(built_store, queries.get(name))
    path = GOLDEN / f"{name}.json"
    if update_golden:  # write only: an answer is accepted by a person, never by the run that wrote it
        GOLDEN.mkdir(exist_ok=True)
        changed = not path.is_file() or path.read_text(encoding="utf-8") != dump(doc)
        path.write_text(dump(doc), encoding="utf-8")
        pytest.fail(f"{path.name} {'réécrit' if changed else 'inchangé'} : relire contre l'annexe, committer, "
                    "puis relancer sans --update-golden", pytrace=False)
    assert path.is_file(), f"pas de réponse attendue pour {name}: lancer pytest --update-golden et la relire"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert doc["variables"] == expected["variables"]
    got, want = doc["lignes"], expected["lignes"]
    missing = [r for r in want if r not in got]
    extra = [r for r in got if r not in want]
    assert (missing, extra) == ([], []), f"{name}: lignes manquantes {missing}, lignes en trop {extra}"
    assert got == want


def test_goldens_belong_to_queries():
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_default_answer_is_not_empty(name, built_store):
    _, rows = answer(built_store, queries.get(name).bind({}))
    assert rows


# --------------------------------------------------------------------------- parameters matter


def test_objectives_of_another_commune(built_store):
    variables, rows = answer(built_store, queries.get("objectifs-et-actions").bind({"commune": "commune:94033"}))
    objectifs = {r[variables.index("objectif")] for r in rows}
    assert len(objectifs) == 13 and all(o.startswith("objectif:fontenay-") for o in objectifs)


def test_source_of_another_fact(built_store):
    variables, rows = answer(
        built_store, queries.get("source-d-un-fait").bind({"ressource": "objectif:champigny-sante-4"})
    )
    passage = [r for r in rows if r[0] == "passage"]
    assert len(passage) == 1 and passage[0][variables.index("citation")].startswith("Lutter contre la fracture numérique")


def test_search_is_case_insensitive(built_store):
    _, lower = answer(built_store, queries.get("recherche").bind({"texte": "prévention"}))
    _, upper = answer(built_store, queries.get("recherche").bind({"texte": "PRÉVENTION"}))
    assert lower == upper and any(r[0] == "partenaire:maison-de-la-prevention" for r in lower)


def test_a_theme_gathers_its_narrower_themes_and_the_most_specific_theme_wins(built_store):
    query = queries.get("actions-par-theme")
    variables, sante = answer(built_store, query.bind({"theme": "theme:sante"}))
    _, cohesion = answer(built_store, query.bind({"theme": "theme:cohesion-sociale"}))
    objectif = variables.index("objectif")
    assert {r[objectif] for r in sante} < {r[objectif] for r in cohesion}
    # Champigny's axis « Accès aux droits et à la santé » has both themes; its first objective is
    # about access to rights only, and says so: it is not a health objective.
    assert "objectif:champigny-sante-2" in {r[objectif] for r in sante}
    assert "objectif:champigny-sante-1" not in {r[objectif] for r in sante}
