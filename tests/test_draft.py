"""graphe draft: fixtures with the annexes' awkward shapes, the real annex, validation and build."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from rdflib import Graph

from graphe import dataset
from graphe.cli import main
from graphe.draft import draft, slugify, turtle
from graphe.draft.publication import refuse_drafts
from graphe.draft.score import gold, score
from graphe.errors import ValidationFailed
from graphe.namespaces import CDV, OA
from graphe.project import current

CASES = Path(__file__).parent / "cases" / "draft"
ANNEX = current().sources / "annexe-1-contrats-de-ville.md"  # the real annex: four communes
FIXTURES = sorted(CASES.glob("*.md"))
COMMUNES = [p for p in dataset.data_files() if (p.read_text(encoding="utf-8").count("a cdv:ContratDeVille") == 1)]


@pytest.fixture(scope="module")
def full():
    """The project's graph, loaded once for the module (each draft would load it again)."""
    return dataset.union(dataset.load())


def quotes_at_offsets(text: str, source: str) -> tuple[int, int]:
    g = Graph().parse(data=text, format="turtle")
    ok = n = 0
    for target in set(g.subjects(OA.hasSelector, None)):
        sels = list(g.objects(target, OA.hasSelector))
        exact = next(g.value(s, OA.exact) for s in sels if g.value(s, OA.exact) is not None)
        start = next(int(g.value(s, OA.start)) for s in sels if g.value(s, OA.start) is not None)
        end = next(int(g.value(s, OA.end)) for s in sels if g.value(s, OA.end) is not None)
        n += 1
        ok += source[start:end] == str(exact)
    return ok, n


def titles(d, kind):
    return [d.source[r.title.start : r.title.end] for r in d.of_kind(kind)]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture_quotes_are_verbatim_and_every_statement_is_a_draft(fixture, full):
    d = draft(fixture, "Villiers-sur-Marne", graph=full)
    text, lines = turtle.write(d)
    ok, n = quotes_at_offsets(text, d.source)
    assert n > 0 and ok == n
    g = Graph().parse(data=text, format="turtle")
    stated = {s for s in g.subjects() if (s, CDV.passage, None) in g or (s, OA.hasTarget, None) in g}
    assert stated and all((s, CDV.brouillon, None) in g for s in stated)
    assert set(lines) >= {f"{r.kind}:{r.slug}" for r in d.resources}


def test_numbered_list_written_as_bullets(full):
    d = draft(CASES / "puces-numerotees.md", "Villiers-sur-Marne", graph=full)
    objectifs = d.of_kind("objectif")
    assert [o.numero for o in objectifs] == ["1", "2", "3"]
    assert [o.rank for o in objectifs] == [1, 2, 3]
    assert all(o.parent.kind == "axe" for o in objectifs)
    assert titles(d, "objectif")[1] == "Soutenir la création d'entreprises dans le quartier."
    actions = d.of_kind("action")
    assert [a.parent for a in actions] == [objectifs[0], objectifs[0]]
    assert titles(d, "action")[0] == "Ateliers de préparation aux entretiens avec la Mission Locale"
    assert [m.body.rsplit("/", 1)[-1] for m in actions[0].mentions] == ["mission-locale"]
    assert any("Passerelles Emploi" in c.name for c in d.candidates)
    assert not any("Passerelles" in m.body for r in d.resources for m in r.mentions)


def test_heading_levels_mean_nothing(full):
    d = draft(CASES / "niveau-saute.md", "Villiers-sur-Marne", graph=full)
    axes = d.of_kind("axe")
    assert titles(d, "axe") == ["Santé", "Accès aux droits"]
    assert [o.parent for o in d.of_kind("objectif")] == axes
    assert [m.body.rsplit("/", 1)[-1] for m in d.of_kind("objectif")[0].mentions] == ["cls"]
    assert d.of_kind("action")[0].parent is d.of_kind("objectif")[1]
    names = {c.name for c in d.candidates}
    assert "CAF" in names and "Caisse d'Allocations Familiales" in names


def test_objective_split_across_two_paragraphs(full):
    d = draft(CASES / "objectif-en-deux-paragraphes.md", "Villiers-sur-Marne", graph=full)
    (obj,) = d.of_kind("objectif")
    quote = obj.span.quote(d.source)
    assert quote.startswith("Renforcer l'accompagnement à la scolarité**\n\n**des collégiens")
    assert quote.endswith("plus de 40 familles ont été suivies.")
    assert "education-nationale" in {m.body.rsplit("/", 1)[-1] for m in obj.mentions}
    (fig,) = d.figures
    assert (fig.value, fig.unit, fig.year, fig.qualifier) == ("40", "nombre", "2021", "plus de")
    assert {(x.value, x.datatype) for x in d.dates} == {("2024", "gYear"), ("2022-03-03", "date")}
    assert d.of_kind("action")[0].parent is obj


@pytest.mark.parametrize("curated", COMMUNES, ids=lambda p: p.stem)
def test_real_annex_objectives_actions_and_links_match_the_curated_graph(curated, full):
    g = dataset.parse_file(curated)
    label = str(next(g.objects(None, CDV.porteSur)))
    from rdflib import RDFS, URIRef

    d = draft(ANNEX, str(full.value(URIRef(label), RDFS.label)), graph=full)
    text, _ = turtle.write(d)
    ok, n = quotes_at_offsets(text, d.source)
    assert ok == n
    s = score(d, gold(g))
    assert s["objectifs"].recall >= 0.95 and s["objectifs"].precision >= 0.90
    assert s["actions"].precision >= 0.90 and s["actions"].curated - s["actions"].recalled <= 1
    assert s["liens"].precision >= 0.75 and s["liens"].recall >= 0.75  # the targets are on the totals: bench/draft.py


def test_draft_validates_in_context_but_build_refuses_it(tmp_path, monkeypatch):
    curated = current().data_ttl / "fontenay-sous-bois.ttl"
    out = tmp_path / "brouillon-fontenay.ttl"
    assert main(["draft", str(ANNEX), "--commune", "Fontenay-sous-Bois", "--out", str(out)]) == 0
    # the curated file out, and the participations that qualify its links (they would dangle)
    participations = tmp_path / "participations.ttl"
    blocks = (current().data_ttl / "participations.ttl").read_text(encoding="utf-8").split("\n\n")
    participations.write_text("\n\n".join(b for b in blocks if "fontenay-" not in b.split("\n")[0]), encoding="utf-8")
    others = [p for p in dataset.data_files() if p not in (curated, current().data_ttl / "participations.ttl")]
    others.append(participations)
    monkeypatch.setattr(dataset, "data_files", lambda root=None: others + [out])
    from graphe.build import build

    dist = tmp_path / "dist"
    # build validates first (SHACL + checks, a failure says "validation: N violation(s)"), so being
    # refused as a draft means the draft validated in the context of all the other data
    marked = sum(1 for line in out.read_text().splitlines() if line.lstrip().startswith("cdv:brouillon true ;"))
    with pytest.raises(ValidationFailed, match=f"^publication refusée : {marked} énoncé"):
        build(dist)
    assert not dist.exists()
    accepted = tmp_path / "accepte.ttl"
    accepted.write_text("".join(l for l in out.read_text().splitlines(True) if "cdv:brouillon true" not in l))
    refuse_drafts(dataset.load(dataset.ontology_files() + others + [accepted]))  # accepted: no refusal


def test_a_draft_marked_other_than_true_is_a_violation(tmp_path, full):
    from graphe.validate import validate

    out = tmp_path / "b.ttl"
    text, _ = turtle.write(draft(CASES / "niveau-saute.md", "Villiers-sur-Marne", graph=full))
    out.write_text(text.replace("cdv:brouillon true ;  #", "cdv:brouillon false ;  #", 1))
    report = validate(dataset.ontology_files() + [out])
    assert any("cdv:brouillon ne prend" in v.message for v in report.violations)


def test_diff_lists_both_sides(capsys):
    assert main(["draft", str(ANNEX), "--commune", "Saint-Maur-des-Fossés", "--diff"]) == 0
    out = capsys.readouterr().out
    assert "objectifs : 21/21" in out
    assert "- relu seul" in out and "action:saint-maur-securite-1-1-1" in out
    assert main(["draft", str(ANNEX), "--commune", "Champigny-sur-Marne", "--diff"]) == 0
    assert "+ brouillon seul" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--commune", "Atlantis"], "commune inconnue du référentiel"),
    (["--commune", "Villiers-sur-Marne", "--diff"], None),
])
def test_cli_errors_are_french(args, message, capsys, tmp_path):
    missing = tmp_path / "absente.md"
    if message is None:
        assert main(["draft", str(missing), *args]) == 2
        assert "lecture impossible" in capsys.readouterr().err
    else:
        assert main(["draft", str(ANNEX), *args]) == 2
        assert message in capsys.readouterr().err


def test_slugs_follow_the_modelling_guide():
    from graphe.draft import commune_key

    assert [commune_key(x) for x in ("Champigny-sur-Marne", "Saint-Maur-des-Fossés", "Fontenay-sous-Bois")] == [
        "champigny", "saint-maur", "fontenay"]
    assert slugify("L'accès à la Santé") == "l-acces-a-la-sante"


def test_review_page_shows_passages_resources_and_what_was_not_understood(full):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from graphe.api import Settings
    from graphe.api import draft as page
    from graphe.api.http import error_response
    from graphe.errors import GrapheError
    from graphe.negotiation import negotiated

    app = FastAPI()
    app.state.runtime = SimpleNamespace(settings=Settings())  # the page reads the served project's annexes
    app.include_router(page.router)
    app.add_exception_handler(GrapheError, lambda request, exc: error_response(exc.status, str(exc), negotiated(request)))
    client = TestClient(app)
    r = client.get("/brouillon/champigny-sur-marne")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="fr">' in html and "Ce que le brouillon n'a pas compris" in html
    d = draft(ANNEX, "Champigny-sur-Marne", graph=full)
    _, lines = turtle.write(d)
    first = d.of_kind("objectif")[0]
    a, b = lines[f"objectif:{first.slug}"]
    assert f"lignes {a} à {b} du brouillon" in html
    assert html.count('<mark class="objectif">') >= len(d.of_kind("objectif"))
    assert html.count('<mark class="action">') >= len(d.of_kind("action"))
    assert html.count("<mark") == html.count("</mark>")
    assert f'href="#texte-objectif:{first.slug}"' in html and f'id="texte-objectif:{first.slug}"' in html
    from markupsafe import escape

    assert all(f"« {escape(c.name)} »" in html for c in d.candidates)
    assert f"<blockquote>{escape(first.span.quote(d.source))}</blockquote>" in html
    assert client.post("/brouillon/champigny-sur-marne").status_code == 405  # no write access
    missing = client.get("/brouillon/atlantis")
    assert missing.status_code == 404 and "contrat de ville de « atlantis »" in missing.text
    assert client.get("/brouillon/villiers-sur-marne", params={"source": "../../pyproject.toml"}).status_code == 404
    fixture = client.get("/brouillon/villiers-sur-marne", params={"source": ANNEX.name})
    assert fixture.status_code == 200 and "Villiers-sur-Marne" in fixture.text


def test_leave_one_commune_out_meets_the_issue_targets():
    """As bench/draft.py measures it: each commune drafted as a new annex, against its curated file."""
    from graphe.draft.score import leave_one_out, totals

    runs = leave_one_out()
    assert len(runs) == len(COMMUNES)
    t = totals(runs)
    for kind, (recall, precision) in {"objectifs": (0.95, 0.90), "actions": (0.95, 0.90), "liens": (0.90, 0.95)}.items():
        assert t[kind][0] >= recall and t[kind][1] >= precision, (kind, t[kind])
    assert all(r.quotes_ok == r.quotes > 0 for r in runs)
    assert t["candidats"][0] >= 0.5  # the communes' own organisations come back as candidates
    assert all(r.excluded > 0 for r in runs)


def test_a_new_annex_the_fictional_fifth_commune(tmp_path):
    """A second source document and a commune the real data lacks: the draft is a new annex's."""
    fifth = Path(__file__).parent / "cases" / "cinquieme-commune"
    graph = dataset.union(dataset.load(dataset.ontology_files() + dataset.data_files()
                                       + sorted((fifth / "data" / "ttl").glob("*.ttl"))))
    source = fifth / "data" / "source" / "valbrume-fictive.md"
    d = draft(source, "Valbrume", graph=graph)
    assert d.document.endswith("/document/valbrume-fictive") and d.commune.endswith("/commune/00000")
    text, _ = turtle.write(d)
    ok, n = quotes_at_offsets(text, d.source)
    assert n > 0 and ok == n
    curated = dataset.parse_file(fifth / "data" / "ttl" / "valbrume-fictive.ttl")
    s = score(d, gold(curated))
    assert s["objectifs"].recall == 1.0 and s["objectifs"].precision == 1.0
    assert [r.slug for r in d.of_kind("axe")] == ["valbrume-sante-habitants"]
    assert 'rdfs:label "La santé des habitants"@fr' in text and "contrat:valbrume ;" in text
