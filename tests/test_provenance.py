"""Every fact is anchored to its passage (docs/modelling.md §4), checked on the real files.

One test per Turtle file lists every quote that is not at its offsets in the annex; the others
check the shape of the anchoring: passages on the annex, one passage per fact, mentions inside
their parent's passage.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from rdflib import RDF, Graph

from graphe import dataset, provenance
from graphe.errors import ProvenanceError
from graphe.namespaces import ANNEXE, CDV, OA

FILES = dataset.ontology_files() + dataset.data_files()

#: Classes whose instances state a fact of the annex and so carry exactly one cdv:passage.
FACT_CLASSES = [
    CDV.ContratDeVille, CDV.EnjeuTransversal, CDV.Axe, CDV.Objectif, CDV.AxePrioritaire,
    CDV.Action, CDV.Observation, CDV.Evenement,
]


@pytest.fixture(scope="module")
def graph() -> Graph:
    return dataset.union(dataset.load())


@pytest.fixture(scope="module")
def text() -> str:
    return provenance.source_text()


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_quote_is_at_its_offsets(path, text):
    problems = provenance.check(dataset.parse_file(path), text)
    assert not problems, f"{len(problems)} citation(s) mal placée(s):\n" + "\n".join(problems)


def test_the_data_is_anchored(graph):
    """Guard against a vacuous pass: the data states hundreds of anchors."""
    assert len(provenance.anchors(graph)) > 300


def test_every_passage_is_on_the_annex(graph):
    wrong = [t for t in set(graph.subjects(OA.hasSelector, None)) if graph.value(t, OA.hasSource) != ANNEXE]
    assert wrong == [], "passages sans oa:hasSource document:annexe-1"


def test_every_fact_has_one_passage(graph):
    facts = {s for cls in FACT_CLASSES for s in graph.subjects(RDF.type, cls)}
    counts = {f: len(set(graph.objects(f, CDV.passage))) for f in facts}
    wrong = sorted(f"{f}: {n} passage(s)" for f, n in counts.items() if n != 1)
    assert facts and wrong == []


def _span(graph: Graph, target) -> tuple[int, int]:
    start = end = None
    for sel in graph.objects(target, OA.hasSelector):
        start = graph.value(sel, OA.start, default=start)
        end = graph.value(sel, OA.end, default=end)
    return int(start), int(end)


def test_mentions_lie_inside_their_parent_passage(graph):
    wrong = []
    per_parent = defaultdict(set)
    for parent, mention in graph.subject_objects(CDV.mention):
        body = graph.value(mention, OA.hasBody)
        per_parent[parent].add(body)
        passage = graph.value(parent, CDV.passage)
        target = graph.value(mention, OA.hasTarget)
        if passage is None or target is None or body is None:
            wrong.append(f"{parent}: mention incomplète (passage, cible ou corps manquant)")
            continue
        (ps, pe), (ms, me) = _span(graph, passage), _span(graph, target)
        if not ps <= ms < me <= pe:
            wrong.append(f"{parent}: mention de {body} à {ms}–{me}, hors du passage {ps}–{pe}")
    assert wrong == []


def test_every_link_has_its_mention_and_every_mention_its_link(graph):
    """Modelling §4: X cdv:partenaire|dispositif|quartierCible|projet|instance B  ⇔  X has a mention whose body is B."""
    kinds = (CDV.partenaire, CDV.dispositif, CDV.quartierCible, CDV.projet, CDV.instance)
    links = {(x, b) for p in kinds for x, b in graph.subject_objects(p)}
    mentions = {(x, graph.value(m, OA.hasBody)) for x, m in graph.subject_objects(CDV.mention)}
    assert sorted(map(str, links - mentions)) == [], "liens sans mention"
    assert sorted(map(str, mentions - links)) == [], "mentions sans lien"


# --------------------------------------------------------------------------- the module itself


def test_locate_finds_the_first_occurrence_after_an_offset(text):
    start, end = provenance.locate("Maison de la Prévention")
    assert text[start:end] == "Maison de la Prévention"
    later = provenance.locate("Maison de la Prévention", after=end)
    assert later[0] > start and text[later[0] : later[1]] == "Maison de la Prévention"


def test_locate_refuses_a_quote_that_is_not_there():
    with pytest.raises(ProvenanceError, match="absente"):
        provenance.locate("Ce texte n'est pas dans l'annexe")


def test_a_shifted_anchor_is_reported(text):
    start, end = provenance.locate("Lutter contre la fracture numérique")
    good = provenance.Anchor(None, "Lutter contre la fracture numérique", start, end)
    shifted = provenance.Anchor(None, good.exact, start + 1, end + 1)
    outside = provenance.Anchor(None, good.exact, len(text), len(text) + 5)
    assert good.problem(text) is None
    assert "le document dit" in shifted.problem(text)
    assert f"la citation est à oa:start {start} ; oa:end {end}" in shifted.problem(text)
    assert "hors du texte" in outside.problem(text)


def test_an_anchor_on_an_unknown_document_reads_the_same_from_rdflib_and_oxigraph():
    """graphe validate (rdflib terms) and graphe build (Oxigraph's) report it in one wording."""
    import pyoxigraph as ox
    from rdflib import URIRef

    iri = "https://w3id.org/contrats-de-ville/id/document/absent"
    lines = {provenance.verdict(provenance.Anchor(None, "PRE", 0, 3, term), {}) for term in (URIRef(iri), ox.NamedNode(iri))}
    assert len(lines) == 1
    line = lines.pop()
    assert line.startswith("source ") and "absent" in line and "<" not in line and "inconnue" in line
    assert provenance.verdict(provenance.Anchor(None, "PRE", 0, 3, None), {}).startswith("source (aucune) inconnue")
