"""The SKOS schemes as SKOS tools read them (Skosmos, pyLODE's vocabulary profile): from the source files.

Those tools do no reasoning: a concept must be typed skos:Concept in the file itself (cdv:Theme ⊑
skos:Concept is not enough), belong to its scheme, and the scheme must list its top concepts.
Data-driven over every skos:ConceptScheme of ontology/ and data/ttl/.
"""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SKOS

from graphe import dataset
from graphe.namespaces import CDV

SOURCE = Graph()
for _f in dataset.ontology_files() + dataset.data_files():
    dataset.parse_file(_f, into=SOURCE)

SCHEMES = sorted(SOURCE.subjects(RDF.type, SKOS.ConceptScheme))
#: The classes whose instances are concepts of a scheme.
CONCEPT_CLASSES = [CDV.Theme, CDV.Dispositif, CDV.Indicateur, CDV.Unite, CDV.Role]


def test_the_schemes_are_there():
    names = {str(s).rsplit("/", 2)[-2] for s in SCHEMES}
    assert {"theme", "dispositif", "role", "indicateur", "unite"} <= names


@pytest.mark.parametrize("scheme", SCHEMES, ids=[str(s).rsplit("/", 2)[-2] for s in SCHEMES])
def test_scheme_members_are_concepts_with_their_top_concepts(scheme: URIRef):
    members = set(SOURCE.subjects(SKOS.inScheme, scheme))
    assert members, "un schéma vide"
    untyped = sorted(m for m in members if (m, RDF.type, SKOS.Concept) not in SOURCE)
    assert untyped == [], "concepts non typés skos:Concept dans le fichier source"
    tops = set(SOURCE.objects(scheme, SKOS.hasTopConcept))
    assert tops == set(SOURCE.subjects(SKOS.topConceptOf, scheme)), "hasTopConcept et topConceptOf diffèrent"
    assert tops and tops <= members
    roots = {m for m in members if (m, SKOS.broader, None) not in SOURCE}
    assert roots == tops, "tout concept sans parent est un concept de tête, et seulement eux"
    for m in members:
        assert SOURCE.value(m, SKOS.prefLabel) is not None, m


@pytest.mark.parametrize("cls", CONCEPT_CLASSES, ids=lambda c: str(c).split("#")[1])
def test_every_instance_is_a_concept_of_a_scheme(cls):
    instances = set(SOURCE.subjects(RDF.type, cls))
    assert instances
    for i in instances:
        assert (i, RDF.type, SKOS.Concept) in SOURCE, i
        assert (i, SKOS.inScheme, None) in SOURCE, i
