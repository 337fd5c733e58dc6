"""The OWL ontology (ontology/cdv.ttl) against its contract, docs/modelling.md §2–3.

Data-driven both ways: the tables of the modelling guide are parsed, and every class and
property they list must be in the ontology with the super-classes, domains, ranges, inverses
and Data Cube roles they give; every term of the ontology must carry French and English
labels, a French definition and rdfs:isDefinedBy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, SKOS

from graphe.namespaces import CDV, QB, prefixes
from graphe.project import current

ONTOLOGY_IRI = URIRef("https://w3id.org/contrats-de-ville/ontologie")
DCTERMS = "http://purl.org/dc/terms/"
MODELLING = current().root / "docs" / "modelling.md"

#: Terms of cdv.ttl that modelling.md does not list, and why.
TECHNICAL_TERMS = {
    CDV.estUnAxe: "propriété technique qui définit cdv:aPourAxe (rolification)",
}


def _graph() -> Graph:
    return Graph().parse(current().ontology / "cdv.ttl", format="turtle")


ONTOLOGY = _graph()
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
TERMS = sorted(
    {s for kind in KINDS for s in ONTOLOGY.subjects(RDF.type, kind) if str(s).startswith(str(CDV))}
)


def expand(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return URIRef(prefixes()[prefix] + local)


def curies(cell: str) -> list[URIRef]:
    """The backticked prefixed names of a table cell, in order."""
    return [expand(c) for c in re.findall(r"`([a-z]+:[A-Za-z]+)`", cell)]


def table_rows(section: str) -> list[list[str]]:
    """The rows of the first table under the ``## {section}`` heading of modelling.md."""
    text = MODELLING.read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]


CLASS_ROWS = table_rows("2. Classes")
PROPERTY_ROWS = table_rows("3. Properties")


def union_members(node) -> set[URIRef]:
    """A class expression's named classes: itself, or the members of its owl:unionOf."""
    if isinstance(node, URIRef):
        return {node}
    members = ONTOLOGY.value(node, OWL.unionOf)
    return set(Collection(ONTOLOGY, members)) if members is not None else set()


# --------------------------------------------------------------------------- header


def test_header_describes_the_ontology():
    o = ONTOLOGY_IRI
    assert (o, RDF.type, OWL.Ontology) in ONTOLOGY
    titles = {t.language for t in ONTOLOGY.objects(o, URIRef(DCTERMS + "title"))}
    assert titles == {"fr", "en"}
    descriptions = {t.language for t in ONTOLOGY.objects(o, URIRef(DCTERMS + "description"))}
    assert descriptions == {"fr", "en"}
    assert ONTOLOGY.value(o, OWL.versionInfo) == Literal("0.1.0")
    assert ONTOLOGY.value(o, OWL.versionIRI) == URIRef(str(o) + "/0.1.0")
    assert isinstance(ONTOLOGY.value(o, URIRef(DCTERMS + "license")), URIRef)
    for prop in ("creator", "created", "modified"):
        assert ONTOLOGY.value(o, URIRef(DCTERMS + prop)) is not None, prop
    declared = {
        (str(ONTOLOGY.value(d, SH.prefix)), str(ONTOLOGY.value(d, SH.namespace)))
        for d in ONTOLOGY.objects(o, SH.declare)
    }
    assert declared == {("cdv", str(CDV))}


# --------------------------------------------------------------------------- every term


def test_the_ontology_has_terms():
    assert len(TERMS) > 50


@pytest.mark.parametrize("term", TERMS, ids=[t.split("#")[1] for t in TERMS])
def test_term_is_labelled_defined_and_attributed(term):
    labels = [lab for lab in ONTOLOGY.objects(term, RDFS.label) if isinstance(lab, Literal)]
    assert sorted(lab.language for lab in labels) == ["en", "fr"], "un libellé fr et un en"
    definitions = [d.language for d in ONTOLOGY.objects(term, SKOS.definition)]
    assert definitions.count("fr") == 1, "une définition en français"
    assert set(ONTOLOGY.objects(term, RDFS.isDefinedBy)) == {ONTOLOGY_IRI}


def test_external_terms_are_declared_with_their_vocabulary():
    """Every non-cdv: term the ontology uses in an axiom is declared and says where it comes from."""
    used = set()
    for s, p, o in ONTOLOGY:
        if p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf, OWL.disjointWith):
            used |= {t for t in (s, o) if isinstance(t, URIRef)}
    builtin = (str(CDV), str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#")
    external = {t for t in used if not str(t).startswith(builtin)}
    assert external, "des alignements sur des vocabulaires externes"
    for term in sorted(external):
        assert (term, RDFS.isDefinedBy, None) in ONTOLOGY, f"{term}: rdfs:isDefinedBy manquant"
        kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
        assert set(ONTOLOGY.objects(term, RDF.type)) & kinds, term


# --------------------------------------------------------------------------- modelling.md §2


def test_the_class_table_is_read():
    assert len(CLASS_ROWS) == 33


@pytest.mark.parametrize("row", CLASS_ROWS, ids=[r[0].strip("`") for r in CLASS_ROWS])
def test_class_of_the_modelling_guide(row):
    cls = curies(row[0])[0]
    assert (cls, RDF.type, OWL.Class) in ONTOLOGY
    expected = set(curies(row[1]))
    assert expected <= set(ONTOLOGY.objects(cls, RDFS.subClassOf)), f"super-classes attendues: {expected}"


# --------------------------------------------------------------------------- modelling.md §3


def test_the_property_table_is_read():
    assert len(PROPERTY_ROWS) == 43


def _expected_domains_and_ranges() -> dict[URIRef, tuple[set | None, set | None]]:
    """Property → (domain classes, range) from the "domain → range" column (None: unconstrained)."""
    found, last_domain, last_range = {}, None, None
    for row in PROPERTY_ROWS:
        prop = curies(row[0])[0]
        left, _, right = row[1].partition("→")
        if "same domains" in left:
            domain = last_domain
        else:
            domain = set(curies(left)) or None
        if "idem" in right:
            rng = last_range
        else:
            rng = set(curies(right)) or None
        if rng is None and not curies(right):
            rng = _classes_in_words(right) or None
        if domain and "same domains" not in left:
            last_domain = domain
        last_range = rng
        found[prop] = (domain, rng)
    return found


#: Classes the guide names in words ("→ commune, quartier or territoire").
WORDS = {
    "commune": CDV.Commune, "quartier": CDV.Quartier, "territoire": CDV.Territoire,
    "contract": CDV.ContratDeVille, "axe": CDV.Axe, "action": CDV.Action, "dispositif": CDV.Dispositif,
}


def _classes_in_words(cell: str) -> set[URIRef]:
    return {WORDS[w] for w in re.findall(r"[a-z]+", cell) if w in WORDS}


EXPECTED = _expected_domains_and_ranges()


@pytest.mark.parametrize("row", PROPERTY_ROWS, ids=[r[0].strip("`") for r in PROPERTY_ROWS])
def test_property_of_the_modelling_guide(row):
    prop = curies(row[0])[0]
    kinds = set(ONTOLOGY.objects(prop, RDF.type))
    assert kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}, "propriété non déclarée"
    if not str(prop).startswith(str(CDV)):
        return  # a reused property: declared, its own vocabulary defines the rest
    domain, rng = EXPECTED[prop]
    if domain:
        declared = ONTOLOGY.value(prop, RDFS.domain)
        assert declared is not None and union_members(declared) == domain
    if rng:
        declared = ONTOLOGY.value(prop, RDFS.range)
        assert declared is not None and union_members(declared) == rng
    inverse = curies(row[2])
    if inverse and "axes only" not in row[2]:
        assert (prop, OWL.inverseOf, inverse[0]) in ONTOLOGY or (inverse[0], OWL.inverseOf, prop) in ONTOLOGY
    roles = {
        "qb dimension": QB.DimensionProperty,
        "qb measure": QB.MeasureProperty,
        "qb attribute": QB.AttributeProperty,
    }
    for words, role in roles.items():
        if row[3].startswith(words):
            assert role in kinds, f"{prop} devrait être un {role}"


def test_axes_of_a_contract_are_the_inverse_of_cdv_contrat_for_axes():
    """modelling.md: cdv:aPourAxe is the inverse of cdv:contrat, axes only (a chain through cdv:estUnAxe)."""
    head = ONTOLOGY.value(CDV.aPourAxe, OWL.propertyChainAxiom)
    first, second = list(Collection(ONTOLOGY, head))
    assert ONTOLOGY.value(first, OWL.inverseOf) == CDV.contrat and second == CDV.estUnAxe
    restrictions = [r for r in ONTOLOGY.objects(CDV.Axe, RDFS.subClassOf) if (r, OWL.hasSelf, None) in ONTOLOGY]
    assert [ONTOLOGY.value(r, OWL.onProperty) for r in restrictions] == [CDV.estUnAxe]


def test_sub_objectives_inherit_the_axis_of_their_parent():
    head = ONTOLOGY.value(CDV.axe, OWL.propertyChainAxiom)
    assert list(Collection(ONTOLOGY, head)) == [CDV.objectifParent, CDV.axe]


def test_passages_are_provenance():
    prov = "http://www.w3.org/ns/prov#"
    assert (CDV.passage, RDFS.subPropertyOf, URIRef(prov + "wasInfluencedBy")) in ONTOLOGY


def test_every_term_is_in_the_modelling_guide():
    text = MODELLING.read_text(encoding="utf-8")
    missing = [t for t in TERMS if f"`cdv:{t.split('#')[1]}`" not in text and t not in TECHNICAL_TERMS]
    assert missing == [], "termes à documenter dans docs/modelling.md"


def test_partner_kinds_are_partners_and_organisations():
    kinds = [s for s in ONTOLOGY.subjects(RDFS.subClassOf, CDV.Partenaire)]
    assert len(kinds) == 9
    org = URIRef(prefixes()["org"] + "Organization")
    assert (CDV.Partenaire, RDFS.subClassOf, org) in ONTOLOGY


def test_the_ontology_file_is_the_one_the_dataset_loads():
    from graphe import dataset

    assert current().ontology / "cdv.ttl" in dataset.ontology_files()
    assert Path(current().ontology / "shapes.ttl") not in dataset.ontology_files()
