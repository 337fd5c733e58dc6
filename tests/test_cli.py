"""The ``graphe`` command: subcommands, output formats and exit codes (one line, no traceback)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from graphe.cli import main
from graphe.project import current


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "graphe.cli", "--help"], capture_output=True, text=True).stdout
    for command in ("build", "validate", "query", "stats", "coverage", "passage", "serve"):
        assert command in out


# --------------------------------------------------------------------------- query


def test_query_expression_as_csv(capsys, built_dist, communes):
    code, out, _ = run(capsys, "query", "--dist", str(built_dist), "-f", "csv", "-e",
                       "PREFIX igeo: <http://rdf.insee.fr/def/geo#> SELECT ?code WHERE { ?c igeo:codeINSEE ?code } ORDER BY ?code")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [["code"]] + sorted([c.code] for c in communes)


def test_query_table_is_aligned_and_compact(capsys, built_dist, communes):
    code, out, _ = run(capsys, "query", "--dist", str(built_dist), "-f", "table", "-e",
                       "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                       "SELECT ?c ?nom WHERE { ?c rdfs:label ?nom FILTER(STRSTARTS(STR(?c), 'https://w3id.org/contrats-de-ville/id/commune/')) } ORDER BY ?c")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["c", "nom"] and set(lines[1]) <= {"-", " "}
    first = communes[0]
    assert lines[2].startswith(first.curie) and lines[2].index(first.label) == lines[0].index("nom")


def test_named_query_with_a_parameter(capsys, built_dist):
    code, out, _ = run(capsys, "query", "objectifs-et-actions", "--dist", str(built_dist), "-f", "json",
                       "-p", "commune=commune:94068")
    rows = json.loads(out)["results"]["bindings"]
    assert code == 0 and rows
    assert all("saint-maur" in r["objectif"]["value"] for r in rows)


def test_project_prefixes_need_no_declaration_and_service_is_refused(capsys, built_dist, communes):
    code, out, _ = run(capsys, "query", "--dist", str(built_dist), "-f", "csv", "-e",
                       "SELECT (COUNT(*) AS ?n) WHERE { ?c a cdv:Commune }")
    assert code == 0 and out.splitlines()[1] == str(len(communes))
    code, _, err = run(capsys, "query", "--dist", str(built_dist), "-e",
                       "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert code == 6 and "SERVICE" in err


def test_both_engines_agree(capsys, built_dist):
    answers = []
    for store in ("oxigraph", "rdflib"):
        code, out, _ = run(capsys, "query", "comptes-par-commune", "--dist", str(built_dist), "-f", "csv", "--store", store)
        assert code == 0
        answers.append(sorted(out.splitlines()))
    assert answers[0] == answers[1]


def test_query_file(capsys, built_dist, communes):
    code, out, _ = run(capsys, "query", str(current().queries / "comptes-par-commune.rq"), "--dist", str(built_dist), "-f", "tsv")
    assert code == 0 and len(out.strip().splitlines()) == 1 + len(communes)


def test_construct_as_turtle(capsys, built_dist):
    code, out, _ = run(capsys, "query", "--dist", str(built_dist), "-e",
                       "PREFIX cdv: <https://w3id.org/contrats-de-ville/ontologie#> "
                       "CONSTRUCT { ?c cdv:porteSur ?x } WHERE { ?c cdv:porteSur ?x }")
    assert code == 0 and "@prefix cdv:" in out and "commune:94079" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-e", "SELEC ?x WHERE { ?x ?p ?o }"], "SPARQL invalide"),
        (["-e", "SELECT ?x WHERE { ?x ?p ?o }", "-f", "turtle"], "format 'turtle' impossible"),
        (["requete-inexistante"], "requête nommée inconnue"),
        (["objectifs-et-actions", "-p", "pays=fr"], "paramètre inconnu"),
        (["objectifs-et-actions", "-p", "commune"], "NOM=VALEUR"),
        (["absent.rq"], "introuvable"),
    ],
)
def test_bad_queries_exit_6_with_one_line(capsys, built_dist, argv, message):
    code, out, err = run(capsys, "query", "--dist", str(built_dist), *argv)
    assert code == 6
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_malformed_sparql_reports_the_parser_message(built_dist):
    result = subprocess.run(
        [sys.executable, "-m", "graphe.cli", "query", "--dist", str(built_dist), "-e", "SELECT ?x WHERE { ?x ?p }"],
        capture_output=True, text=True,
    )
    assert result.returncode == 6
    assert result.stderr.startswith("graphe: requête SPARQL invalide") and "Traceback" not in result.stderr
    assert "1:" in result.stderr  # the parser's position (line:column)


# --------------------------------------------------------------------------- validate


def test_validate_the_project(capsys):
    code, out, _ = run(capsys, "validate")
    assert code == 0 and out.strip()


def test_validate_an_unreadable_file_exits_2_with_file_and_line(capsys, tmp_path):
    bad = tmp_path / "casse.ttl"
    bad.write_text('@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n<urn:a> rdfs:label "x" ;\n  rdfs:label .\n')
    code, _, err = run(capsys, "validate", str(bad))
    assert code == 2 and "casse.ttl" in err and "ligne 3" in err


def test_validate_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(tmp_path / "absent.ttl"))
    assert code == 2 and "absent.ttl" in err


def test_validate_violations_exit_3(capsys, tmp_path):
    bad = tmp_path / "orphelin.ttl"
    bad.write_text(
        "@prefix cdv: <https://w3id.org/contrats-de-ville/ontologie#> .\n"
        "@prefix objectif: <https://w3id.org/contrats-de-ville/id/objectif/> .\n"
        "objectif:orphelin a cdv:Objectif .\n",
        encoding="utf-8",
    )
    from graphe import dataset

    code, out, err = run(capsys, "validate", *map(str, dataset.ontology_files()), str(bad))
    assert code == 3 and "orphelin" in out + err


# --------------------------------------------------------------------------- stats


def test_stats_table(capsys, built_dist, communes):
    code, out, _ = run(capsys, "stats", "--dist", str(built_dist))
    assert code == 0
    assert "Triplets par graphe" in out and "graphe:annexe-1" in out and "Par commune" in out
    assert all(c.label in out for c in communes)


def test_stats_json(capsys, built_dist, communes):
    code, out, _ = run(capsys, "stats", "--dist", str(built_dist), "-f", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["triplets_par_graphe"]["graphe:annexe-1"] > 1000
    assert doc["instances_par_classe"]["cdv:Commune"] == len(communes)
    by_name = {row["nom"]: row for row in doc["par_commune"]}
    assert set(by_name) == {c.label for c in communes}
    assert by_name["Champigny-sur-Marne"]["actions"] == "46"  # counted by hand in the annex


def test_unexpected_errors_are_one_line(tmp_path):
    """A file that is not a dump: no traceback, a one-line message and a non-zero code."""
    (tmp_path / "dataset.nq").write_text("ceci n'est pas du N-Quads\n")
    env = {k: v for k, v in os.environ.items() if k != "GRAPHE_DEBUG"}
    result = subprocess.run([sys.executable, "-m", "graphe.cli", "stats", "--dist", str(tmp_path)],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
