"""Mentions are links, both ways, checked over the whole annex (docs/modelling.md §4).

Every name the graph knows for a partner, dispositif, quartier or project (label, preferred, other
and hidden labels — the annex's own wording —, acronym) is, wherever the annex's commune sections use it, inside the passage of a
resource that mentions that entity; and every mention quotes one of its entity's names.
"""

from __future__ import annotations

import re

import pytest
from rdflib import RDF, RDFS, URIRef
from rdflib.namespace import SKOS

from graphe import dataset, provenance, reasoning
from graphe.namespaces import CDV, OA

TEXT = provenance.source_text()
DS = dataset.load()
DS.default_union = True
INFERRED = reasoning.infer(DS)
#: The commune sections (the annex's introduction names no partner).
FIRST = TEXT.index("Orientations et objectifs du contrat de ville de la commune de")

#: Mentions that refer to an entity without naming it, read so on purpose.
INDIRECT = {
    ("dispositif/clauses-insertion", "heures d'insertion"): "heures d'insertion des chantiers du NPRU",
    ("dispositif/clauses-insertion", "clauses sociales Grand Paris"): "les clauses sociales des chantiers du Grand Paris",
    ("partenaire/champigny-mission-contrat-de-ville", "chargée du contrat de ville"): "la chargée de mission",
    ("commune/94017", "Ville"): "la Ville qui finance, dans la partie de Champigny-sur-Marne",
    ("commune/94033", "commune"): "la commune qui porte la vie de quartier, dans la partie de Fontenay-sous-Bois",
}


def entities() -> list[URIRef]:
    found = set()
    for kind in (CDV.Partenaire, CDV.Dispositif, CDV.Quartier, CDV.Projet):
        found |= set(DS.subjects(RDF.type, kind)) | set(INFERRED.subjects(RDF.type, kind))
    return sorted(found)


def names(entity) -> set[str]:
    return {str(o) for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.notation) for o in DS.objects(entity, p)}


def normal(name: str) -> str:
    """Compared without HTML tags, case or a leading article ("les Larris" ~ "Larris")."""
    name = re.sub(r"<[^>]+>", "", name).casefold().strip()
    return re.sub(r"^(?:le |la |les |l')", "", name)


def span(node) -> tuple[int, int]:
    for sel in DS.objects(node, OA.hasSelector):
        if (start := DS.value(sel, OA.start)) is not None:
            return int(start), int(DS.value(sel, OA.end))
    raise AssertionError(f"passage sans positions : {node}")


def short(iri) -> str:
    return str(iri).split("/id/", 1)[1]


ENTITIES = entities()


def test_there_are_entities_to_check():
    assert len(ENTITIES) > 80  # partners, dispositifs, quartiers


@pytest.mark.parametrize("entity", ENTITIES, ids=[short(e) for e in ENTITIES])
def test_every_use_of_a_name_is_within_a_passage_that_mentions_it(entity):
    passages = [
        span(p)
        for x, m in DS.subject_objects(CDV.mention)
        if DS.value(m, OA.hasBody) == entity
        for p in DS.objects(x, CDV.passage)
    ]
    unlinked = []
    for name in (n for n in names(entity) if len(n) >= 3):
        for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", TEXT):
            if m.start() >= FIRST and not any(s <= m.start() and m.end() <= e for s, e in passages):
                unlinked.append(f"{name!r} à {m.start()}: …{TEXT[max(0, m.start() - 50):m.end() + 20]}…")
    assert unlinked == [], f"{short(entity)} nommé sans lien ni mention"


def test_every_mention_quotes_a_name_of_its_entity():
    wrong = []
    for mention in DS.subjects(RDF.type, CDV.Mention):
        body = DS.value(mention, OA.hasBody)
        target = DS.value(mention, OA.hasTarget)
        quote = next(str(DS.value(s, OA.exact)) for s in DS.objects(target, OA.hasSelector) if DS.value(s, OA.exact))
        if (short(body), quote) in INDIRECT:
            continue
        if normal(quote) not in {normal(n) for n in names(body)}:
            wrong.append(f"{short(body)}: {quote!r}")
    assert wrong == [], "mentions qui ne citent aucun nom de leur entité"
