"""SHACL shapes and cross-entity checks (graphe.validate), on test cases and on the real data.

- ``tests/cases/valid/*.ttl`` form a small valid dataset (real annex offsets): it conforms.
- Each ``tests/cases/invalid/*.ttl`` adds to it what breaks one rule, named on its first line
  (``# shape: cdvsh:Objectif-axe`` or ``# check: mention-sans-lien``): validated with the valid
  dataset, it must break that rule and nothing else. Every shape and every check has a case.
- The real ontology and data conform.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery

from graphe import dataset, provenance
from graphe.errors import DataError
from graphe.namespaces import CDV, CDVSH, prefixes
from graphe.project import current
from graphe.validate import CHECK_SUFFIX, load_checks, load_shapes, validate

CASES = Path(__file__).parent / "cases"
VALID = sorted((CASES / "valid").glob("*.ttl"))
INVALID = sorted((CASES / "invalid").glob("*.ttl"))
BASE = [current().ontology / "cdv.ttl", current().ontology / "draft.ttl", *VALID]
DECLARATION = re.compile(r"^# (shape|check): (\S+)$")
SHAPES = load_shapes()
CHECKS = load_checks()


def declared_rule(case: Path) -> str:
    first = case.read_text(encoding="utf-8").splitlines()[0]
    m = DECLARATION.match(first)
    assert m, f"{case.name}: la première ligne doit être « # shape: cdvsh:… » ou « # check: … »"
    kind, rule = m.groups()
    if kind == "shape":
        assert rule.startswith("cdvsh:")
    else:
        assert rule in CHECKS, f"vérification inconnue: {rule}"
    return rule


def named_shapes() -> set[str]:
    """Every IRI-named shape of shapes.ttl that carries constraints, as cdvsh:Name."""
    found = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        for s in SHAPES.subjects(RDF.type, kind):
            if isinstance(s, URIRef) and (s, SH.message, None) in SHAPES:
                found.add("cdvsh:" + str(s)[len(str(CDVSH)) :])
    return found


# --------------------------------------------------------------------------- the rules themselves


def test_there_are_cases_and_rules():
    assert VALID and len(INVALID) > 80
    assert len(CHECKS) >= 12


def test_every_property_shape_is_named_and_says_what_failed_in_french():
    for shape in SHAPES.subjects(SH.path, None):
        if (None, SH.qualifiedValueShape, shape) in SHAPES:
            continue
        assert isinstance(shape, URIRef), f"forme de propriété anonyme: chemin {SHAPES.value(shape, SH.path)}"
        name = str(shape)[len(str(CDVSH)) :]
        messages = [m for m in SHAPES.objects(shape, SH.message) if isinstance(m, Literal)]
        assert [m.language for m in messages] == ["fr"], name
        assert any(n.language == "fr" for n in SHAPES.objects(shape, SH.name)), name


def test_shapes_use_only_terms_of_the_ontology():
    ontology = Graph().parse(current().ontology / "cdv.ttl").parse(current().ontology / "draft.ttl")
    for s, p, o in SHAPES:
        if p in (SH.path, SH["class"], SH.targetClass, SH.targetObjectsOf, SH.lessThan) and str(o).startswith(str(CDV)):
            assert (o, RDF.type, None) in ontology, f"{o} (utilisé par {s}) n'est pas défini dans cdv.ttl"


@pytest.mark.parametrize("name", sorted(CHECKS), ids=sorted(CHECKS))
def test_check_file_says_why_and_selects_focus_and_message(name):
    check = CHECKS[name]
    text = check.path.read_text(encoding="utf-8")
    assert text.startswith("# ") and len(check.purpose) > 40, "commencer par un commentaire qui dit pourquoi"
    assert check.path.name.endswith(CHECK_SUFFIX)
    projected = {str(v) for v in prepareQuery(text).algebra["PV"]}
    assert {"focus", "message"} <= projected


def test_every_shape_and_check_has_an_invalid_case():
    covered = {declared_rule(case) for case in INVALID}
    assert sorted(named_shapes() - covered) == [], "formes sans cas invalide"
    assert sorted(set(CHECKS) - covered) == [], "vérifications sans cas invalide"


# --------------------------------------------------------------------------- the cases


def test_the_valid_cases_conform():
    report = validate(BASE)
    assert report.conforms, report.text()
    assert report.violations == []


def test_the_valid_cases_quote_the_annex_at_their_offsets():
    graph = Graph()
    for case in VALID:
        graph.parse(case)
    assert provenance.check(graph) == []
    assert len(provenance.anchors(graph)) > 15


@pytest.mark.parametrize("case", INVALID, ids=[c.stem for c in INVALID])
def test_invalid_case_breaks_its_rule_and_nothing_else(case):
    expected = declared_rule(case)
    report = validate(BASE + [case])
    fired = sorted({v.rule for v in report.violations})
    assert fired == [expected], report.text()
    assert not report.conforms
    # every violation is traced to one of the files validated (the case, or what it adds to)
    files = {str(f.resolve().relative_to(current().root.resolve())) for f in BASE + [case]}
    assert {v.file for v in report.violations} <= files


# --------------------------------------------------------------------------- the report


def test_report_names_file_focus_rule_and_value(tmp_path):
    case = CASES / "invalid" / "mention-hors-passage.ttl"
    report = validate(BASE + [case])
    (violation,) = report.violations
    assert violation.rule == "mention-hors-passage" and violation.is_check
    assert violation.focus == "objectif:champigny-sante-1"
    assert violation.value == "partenaire:conseil-departemental"
    assert violation.file == "tests/cases/invalid/mention-hors-passage.ttl"
    text = report.text()
    assert "NON CONFORME" in text and "tests/cases/invalid/mention-hors-passage.ttl (1)" in text
    assert "Mention hors du passage : 8147–8168 n'est pas dans le passage 7750–7829." in text


def test_report_shows_a_blank_node_through_the_resource_it_hangs_from():
    report = validate(BASE + [CASES / "invalid" / "selecteurposition-ordre.ttl"])
    (violation,) = report.violations
    event = "evenement:champigny-signature-protocole-2019-02-05"
    assert violation.focus.startswith(f"{event} › cdv:passage › oa:hasSelector")
    assert violation.file == "tests/cases/invalid/selecteurposition-ordre.ttl"


def test_report_graph_is_a_shacl_report_with_the_checks():
    report = validate(BASE + [CASES / "invalid" / "terme-inconnu.ttl"])
    g = report.graph
    (node,) = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(node, SH.conforms) == Literal(False)
    (result,) = g.objects(node, SH.result)
    assert g.value(result, SH.sourceShape) == CDVSH["terme-inconnu"]
    assert g.value(result, SH.value) == CDV.partenaires
    assert g.value(CDVSH["terme-inconnu"], URIRef("http://www.w3.org/2000/01/rdf-schema#comment")) is not None


def test_conforming_report_graph_says_so():
    report = validate(BASE)
    (node,) = report.graph.subjects(RDF.type, SH.ValidationReport)
    assert report.graph.value(node, SH.conforms) == Literal(True)
    assert "données conformes" in report.text()


def test_unreadable_input_is_a_data_error_naming_file_and_line(tmp_path):
    bad = tmp_path / "casse.ttl"
    bad.write_text("@prefix cdv: <" + prefixes()["cdv"] + "> .\n\ncdv:a cdv:b .\ncdv:c cdv:d\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"casse\.ttl: ligne \d+"):
        validate(BASE + [bad])
    with pytest.raises(DataError, match="absent"):
        validate([tmp_path / "absent.ttl"])


# --------------------------------------------------------------------------- the real data


@pytest.fixture(scope="module")
def real_report():
    started = time.perf_counter()
    report = validate()
    report.elapsed = time.perf_counter() - started
    return report


def test_the_real_data_conforms(real_report):
    assert real_report.conforms, real_report.text()


def test_validation_of_the_real_data_runs_every_rule_on_every_file(real_report):
    assert len(real_report.files) == len(dataset.ontology_files() + dataset.data_files())
    assert real_report.rules["verifications"] == len(CHECKS)


def test_data_files_alone_are_validated_with_the_project_ontology():
    data = CASES / "invalid" / "rang-hors-ordre.ttl"
    report = validate([data])
    assert {str(f) for f in dataset.ontology_files()} <= {str(f) for f in report.files}
    assert "terme-inconnu" not in {v.rule for v in report.violations}
