"""Reasoning (graphe.reasoning): HermiT's consistency check and the materialised entailments.

On the real ontology and data: HermiT finds them consistent with no unsatisfiable class, and
the inferences put associations among cdv:Partenaire and org:Organization, fill the inverse
properties, the property chains and the SKOS closure. The rules are checked against HermiT
itself: both give every named individual the same types. Broken inputs (built from the valid
test case, tests/cases/valid/) make HermiT fail with a French explanation of the cause.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef, namespace
from rdflib.namespace import SKOS

from graphe import dataset, reasoning
from graphe.errors import ReasoningFailed
from graphe.namespaces import CDV, GRAPH_INFERENCES, ORG, PROV, prefixes
from graphe.project import current

VALID = [current().ontology / "cdv.ttl", *sorted((Path(__file__).parent / "cases" / "valid").glob("*.ttl"))]
ID = "https://w3id.org/contrats-de-ville/id/"


def node(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return URIRef(prefixes()[prefix] + local)


def parse(files) -> Graph:
    g = Graph()
    for f in files:
        dataset.parse_file(f, into=g)
    return g


@pytest.fixture(scope="module")
def real():
    """The real dataset, its union, and its inferences (with the time they took)."""
    ds = dataset.load()
    started = time.perf_counter()
    inferred = reasoning.infer(ds)
    seconds = time.perf_counter() - started
    return ds, dataset.union(ds), inferred, seconds


@pytest.fixture(scope="module")
def valid() -> Graph:
    return parse(VALID)


# --------------------------------------------------------------------------- HermiT: consistency


@pytest.mark.slow
def test_hermit_finds_the_ontology_alone_consistent():
    result = reasoning.check(parse([current().ontology / "cdv.ttl"]))
    assert result.triples > 800


@pytest.mark.slow
def test_hermit_finds_the_real_data_consistent_with_no_unsatisfiable_class(real):
    ds, _, _, _ = real
    result = reasoning.check(ds)
    assert result.triples > 0  # how long it takes is measured by bench/timings.py, not asserted


@pytest.mark.slow
def test_hermit_finds_the_valid_case_consistent(valid):
    reasoning.check(valid)


#: Additions to the valid case that make it inconsistent, with what the explanation must say.
INCONSISTENT = {
    "axe-partenaire": (
        [("objectif:champigny-sante-1", "cdv:axe", "partenaire:urps")],
        "partenaire:urps est à la fois org:Organization",
    ),
    "rang-nul": (
        [("objectif:champigny-sante-1", "cdv:rang", Literal(0))],
        "hors de la portée xsd:positiveInteger",
    ),
    "valeur-unique": (
        [("observation:champigny-ecart-taux-emploi-2009", "cdv:valeur", Literal("16", datatype=namespace.XSD.decimal))],
        "plusieurs valeurs pour cdv:valeur",
    ),
    "quartier-cible-sur-une-observation": (
        [("observation:champigny-ecart-taux-emploi-2009", "cdv:quartierCible", "qpv:bois-l-abbe")],
        "observation:champigny-ecart-taux-emploi-2009 est sujet de cdv:quartierCible",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(INCONSISTENT))
def test_hermit_rejects_inconsistent_data_and_says_why(valid, name):
    additions, expected = INCONSISTENT[name]
    broken = Graph()
    broken += valid
    for s, p, o in additions:
        broken.add((node(s), node(p), o if isinstance(o, Literal) else node(o)))
    with pytest.raises(ReasoningFailed) as failure:
        reasoning.check(broken)
    message = str(failure.value)
    assert message.startswith("HermiT : l'ontologie et les données sont incohérentes.")
    assert expected in message, message


@pytest.mark.slow
def test_hermit_reports_unsatisfiable_classes(valid):
    broken = Graph()
    broken += valid
    impossible = CDV.ObjectifEtAxe
    broken.add((impossible, RDF.type, OWL.Class))
    broken.add((impossible, RDFS.subClassOf, CDV.Objectif))
    broken.add((impossible, RDFS.subClassOf, CDV.Axe))
    with pytest.raises(ReasoningFailed, match=r"classes insatisfiables .*: cdv:ObjectifEtAxe —"):
        reasoning.check(broken)


def test_missing_java_is_a_clear_error(valid, monkeypatch):
    import owlready2

    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/java")
    with pytest.raises(ReasoningFailed, match="Java introuvable"):
        reasoning.check(valid)


# --------------------------------------------------------------------------- what HermiT is given


def test_owl_view_is_within_what_hermit_accepts(real):
    _, asserted, _, _ = real
    view = reasoning.owl_view(asserted)
    for s, p, o in view:
        if isinstance(o, Literal) and o.datatype is not None:
            assert o.datatype in reasoning.OWL2_DATATYPES, (s, p, o)
        if p == RDFS.range and str(o).startswith(str(namespace.XSD)):
            assert o in reasoning.OWL2_DATATYPES
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    properties = {s for k in kinds for s in view.subjects(RDF.type, k)}
    for p in set(view.predicates()):
        assert p in properties or str(p).startswith(reasoning.BUILTIN_NAMESPACES), p
    for prop in properties:
        for cls in view.objects(prop, RDF.type):
            assert str(cls).startswith(reasoning.BUILTIN_NAMESPACES), (prop, cls)
    # the published data keeps its datatypes
    assert (None, CDV.annee, Literal("2014", datatype=namespace.XSD.gYear)) in asserted


# --------------------------------------------------------------------------- inferences on the real data


def test_inference_is_only_new(real):
    _, asserted, inferred, _ = real
    assert len(inferred) > 500
    assert not [t for t in inferred if t in asserted]


def test_inferred_types_are_named_classes_even_after_skolemisation():
    """The build skolemises before reasoning: a union range must not turn into a 'class' of its own."""
    from graphe.build import skolemize

    ds = skolemize(dataset.load())
    inferred = reasoning.infer(ds)
    asserted = dataset.union(ds)
    declared = set(asserted.subjects(RDF.type, OWL.Class)) | set(asserted.subjects(RDF.type, RDFS.Class))
    expressions = set(asserted.subjects(OWL.unionOf, None))
    assert expressions, "the ontology has union ranges (cdv:zone…)"
    kinds = set(inferred.objects(None, RDF.type))
    assert not kinds & expressions
    assert kinds <= declared


@pytest.fixture(scope="module")
def skolemised():
    """The dataset as the build reasons on it: blank nodes already Skolem IRIs."""
    from graphe.build import skolemize

    ds = skolemize(dataset.load())
    return dataset.union(ds), reasoning.infer(ds)


@pytest.mark.parametrize("kind", ["brut", "skolemise"])
def test_no_inferred_triple_has_an_anonymous_predicate(real, skolemised, kind):
    """The chain of cdv:aPourAxe holds [ owl:inverseOf cdv:contrat ]: that expression is no property."""
    inferred = real[2] if kind == "brut" else skolemised[1]
    anonymous = sorted({str(p) for _, p, _ in inferred if not isinstance(p, URIRef) or "/.well-known/genid/" in p})
    assert anonymous == []


@pytest.mark.parametrize("kind", ["brut", "skolemise"])
def test_every_inferred_predicate_is_declared_in_the_ontology(real, skolemised, kind):
    asserted, inferred = (real[1], real[2]) if kind == "brut" else skolemised
    ontology = Graph()
    for f in dataset.ontology_files():
        dataset.parse_file(f, into=ontology)
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
    declared = {s for k in kinds for s in ontology.subjects(RDF.type, k)} | {RDF.type}
    predicates = {p for _, p, _ in inferred}
    assert CDV.aPourAxe in predicates and CDV.partenaireDe in predicates
    assert predicates - declared == set()


def test_skolemised_chain_still_gives_the_contracts_their_axes(skolemised):
    asserted, inferred = skolemised
    axes = set(asserted.subjects(RDF.type, CDV.Axe))
    assert axes and all((asserted.value(a, CDV.contrat), CDV.aPourAxe, a) in inferred for a in axes)


def test_associations_are_partners_and_organisations(real):
    _, asserted, inferred, _ = real
    associations = set(asserted.subjects(RDF.type, CDV.Association))
    assert associations, "des associations dans partenaires.ttl"
    for a in associations:
        assert (a, RDF.type, CDV.Partenaire) in inferred
        assert (a, RDF.type, ORG.Organization) in inferred
    public = set(asserted.subjects(RDF.type, CDV.EtablissementPublic))
    cv = URIRef(prefixes()["cv"] + "PublicOrganisation")
    assert public and all((p, RDF.type, cv) in inferred for p in public)


def test_every_link_has_its_inverse(real):
    _, asserted, inferred, _ = real
    both = asserted + inferred
    pairs = [(p, q) for p, q in asserted.subject_objects(OWL.inverseOf) if str(p).startswith(str(CDV))]
    assert len(pairs) >= 8
    checked = 0
    for p, q in pairs:
        for s, o in asserted.subject_objects(p):
            assert (o, q, s) in both, (s, p, o)
            checked += 1
        for s, o in asserted.subject_objects(q):
            assert (o, p, s) in both, (s, q, o)
    assert checked > 100
    partners = set(asserted.objects(None, CDV.partenaire))
    assert partners and all((p, CDV.partenaireDe, None) in inferred for p in partners)


def test_skos_closure_of_the_themes(real):
    _, asserted, inferred, _ = real
    both = asserted + inferred
    broader = list(asserted.subject_objects(SKOS.broader))
    assert broader
    for narrow, broad in broader:
        assert (broad, SKOS.narrower, narrow) in both
        assert (narrow, SKOS.broaderTransitive, broad) in both
        assert (broad, SKOS.narrowerTransitive, narrow) in both
        for higher in asserted.objects(broad, SKOS.broader):
            assert (narrow, SKOS.broaderTransitive, higher) in both


def test_contracts_have_their_axes_and_axes_their_objectives(real):
    _, asserted, inferred, _ = real
    axes = set(asserted.subjects(RDF.type, CDV.Axe))
    assert axes
    for axe in axes:
        contract = asserted.value(axe, CDV.contrat)
        assert (contract, CDV.aPourAxe, axe) in inferred
    for enjeu in asserted.subjects(RDF.type, CDV.EnjeuTransversal):
        contract = asserted.value(enjeu, CDV.contrat)
        assert (contract, CDV.aPourAxe, enjeu) not in inferred
    assert not list(inferred.triples((None, CDV.estUnAxe, None))), "propriété technique non publiée"


def test_the_chain_gives_a_sub_objective_the_axis_of_its_parent(real):
    _, asserted, _, _ = real
    subs = list(asserted.subject_objects(CDV.objectifParent))
    assert subs, "des objectifs opérationnels (Saint-Maur-des-Fossés)"
    without = Graph()
    without += asserted
    for sub, _ in subs:
        without.remove((sub, CDV.axe, None))
    inferred = reasoning.infer(without)
    for sub, parent in subs:
        assert (sub, CDV.axe, asserted.value(parent, CDV.axe)) in inferred


def test_passages_and_actions_get_their_provenance_types(real):
    _, asserted, inferred, _ = real
    action = next(asserted.subjects(RDF.type, CDV.Action))
    assert (action, RDF.type, PROV.Activity) in inferred
    passage = asserted.value(action, CDV.passage)
    assert (action, PROV.wasInfluencedBy, passage) in inferred


def test_inferences_go_to_their_own_graph_when_the_dataset_has_them(real):
    ds, _, inferred, _ = real
    copy = dataset.load()
    target = copy.graph(GRAPH_INFERENCES)
    for t in inferred:
        target.add(t)
    assert len(reasoning.infer(copy)) == len(inferred), "graphe:inferences is not an input"


@pytest.mark.slow
def test_rules_and_hermit_agree_on_the_types_of_named_individuals(real):
    """Every type HermiT gives a named individual is in the inferences, and no other."""
    import owlready2

    _, asserted, _, _ = real
    view = reasoning.owl_view(asserted)
    world = owlready2.World()
    try:
        onto = world.get_ontology(ID + "test")
        onto.load(fileobj=io.BytesIO(view.serialize(format="nt", encoding="utf-8")), format="ntriples")
        owlready2.sync_reasoner_hermit(world, debug=0)
        closure = reasoning.Closure(reasoning.Rules(asserted), asserted)
        classes = set(asserted.subjects(RDF.type, OWL.Class))
        compared = 0
        for s in {s for s in asserted.subjects(RDF.type, None) if isinstance(s, URIRef)} - classes:
            entity = world[str(s)]
            if not isinstance(entity, owlready2.Thing):
                continue
            hermit = {URIRef(c.iri) for c in entity.INDIRECT_is_a if isinstance(c, owlready2.ThingClass)}
            ours = {c for c in closure.types[s] if isinstance(c, URIRef)}
            assert hermit - {OWL.Thing} == ours - reasoning.UNINTERESTING_CLASSES, s
            compared += 1
        assert compared > 300
    finally:
        world.close()


@pytest.mark.slow
def test_rules_and_owlrl_agree_on_the_real_data(real):
    """The rules give what owlrl's OWL 2 RL closure gives on individuals, plus cdv:aPourAxe (ObjectHasSelf)."""
    import owlrl

    _, asserted, inferred, _ = real
    closed = Graph()
    closed += asserted
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closed)
    sound = [t for t in inferred if t not in closed]
    assert {p for _, p, _ in sound} == {CDV.aPourAxe}, "au-delà d'OWL 2 RL, seule la rolification"
    ontology = parse([current().ontology / "cdv.ttl"])
    terms = set(ontology.subjects())
    object_properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    builtin = reasoning.BUILTIN_NAMESPACES
    missing = []
    for s, p, o in closed:
        if (s, p, o) in asserted or (s, p, o) in inferred or s in terms or isinstance(s, Literal):
            continue
        if p == RDF.type and isinstance(o, URIRef) and not str(o).startswith(builtin):
            missing.append((s, p, o))
        elif p in object_properties and p != CDV.estUnAxe:
            missing.append((s, p, o))
    assert missing == []
