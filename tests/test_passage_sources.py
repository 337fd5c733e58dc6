"""``passage-en-double`` compares offsets together with their source document.

With one annex per contract, two resources may quote the same offsets of two different
documents: those are two passages, not one entered twice. The invalid case (two actions at the
same offsets of the annex) must still fire; the same case with the second action's passage in
another document must not.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from graphe import checks as oxigraph_checks
from graphe import dataset
from graphe.project import current
from graphe.validate import load_checks

CASES = Path(__file__).parent / "cases"
CASE = CASES / "invalid" / "passage-en-double.ttl"
OTHER = "<https://w3id.org/contrats-de-ville/id/document/autre-annexe>"


def _rows(case_text: str) -> list:
    union = Graph()
    for path in [current().ontology / "cdv.ttl", *sorted((CASES / "valid").glob("*.ttl"))]:
        dataset.parse_file(path, into=union)
    union.parse(data=case_text, format="turtle")
    rows = list(oxigraph_checks.run(union, [load_checks()["passage-en-double"]]))  # as the build runs it
    assert len(union.query(load_checks()["passage-en-double"].query)) == len(rows)  # rdflib agrees
    return rows


def test_same_offsets_in_the_same_document_are_a_duplicate():
    assert len(_rows(CASE.read_text(encoding="utf-8"))) == 1


def test_same_offsets_in_another_document_are_another_passage():
    text = CASE.read_text(encoding="utf-8")
    assert text.count("oa:hasSource document:annexe-1") == 1  # the case's one added passage
    moved = text.replace("oa:hasSource document:annexe-1", f"oa:hasSource {OTHER}")
    assert _rows(moved) == []
