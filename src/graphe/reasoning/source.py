"""Where reasoning reads the asserted triples from: a pyoxigraph Store, or an rdflib graph.

The build keeps its data in a pyoxigraph Store (hundreds of thousands of quads at national
scale); the tests and the older callers hand an rdflib Graph or Dataset. Both are read the same
way here, as a stream of pyoxigraph triples (Rust objects, hashable, a few hundred nanoseconds
each), so the consistency check and the rules have one implementation:

- :func:`as_store` gives a Store for either input; an rdflib graph is copied term by term,
  keeping its blank-node labels, so that the inferences can be handed back as the same
  rdflib terms (:func:`graphe.terms.from_ox`);
- :func:`asserted` streams the asserted triples of a Store: every graph but
  ``graphe:inferences`` and ``graphe:derivees`` (as :func:`graphe.dataset.union` does);
- :func:`schema` is the small rdflib graph of the ontology's axioms (class and property
  axioms, the lists and restrictions they use): what :class:`~graphe.reasoning.rules.Rules`
  reads, a few thousand triples whatever the size of the data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, Dataset, Graph, URIRef

from graphe.namespaces import GRAPH_DERIVEES, GRAPH_INFERENCES, GRAPH_ONTOLOGIE
from graphe.terms import from_ox, to_ox

#: The graphs that hold what was inferred or derived: never an input of reasoning.
NOT_ASSERTED = {ox.NamedNode(str(GRAPH_INFERENCES)), ox.NamedNode(str(GRAPH_DERIVEES))}

#: Predicates of the ontology's axioms (annotations such as rdfs:label are not axioms).
AXIOM_PREDICATES = {
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
    OWL.equivalentProperty, OWL.inverseOf, OWL.disjointWith, OWL.AllDisjointClasses, OWL.members,
    OWL.propertyChainAxiom, OWL.onProperty, OWL.hasSelf, OWL.someValuesFrom, OWL.allValuesFrom,
    OWL.hasValue, OWL.oneOf, OWL.unionOf, OWL.intersectionOf, OWL.complementOf, OWL.cardinality,
    OWL.minCardinality, OWL.maxCardinality, OWL.qualifiedCardinality, OWL.minQualifiedCardinality,
    OWL.maxQualifiedCardinality, OWL.onClass, OWL.onDataRange, OWL.hasKey, OWL.disjointUnionOf,
    OWL.propertyDisjointWith, OWL.sameAs, OWL.differentFrom, OWL.distinctMembers,
    OWL.sourceIndividual, OWL.assertionProperty, OWL.targetIndividual, OWL.targetValue,
    OWL.onDatatype, OWL.withRestrictions, OWL.datatypeComplementOf, OWL.onProperties, RDF.first, RDF.rest,
}
_AXIOM_PREDICATES = {ox.NamedNode(str(p)) for p in AXIOM_PREDICATES}
_TYPE = ox.NamedNode(str(RDF.type))
#: rdf:type objects that make a triple part of the schema (owl:Class, owl:ObjectProperty…),
#: but not the types every individual may carry.
_SCHEMA_TYPE_SPACES = (str(OWL), str(RDFS), str(RDF))
_INDIVIDUAL_TYPES = {ox.NamedNode(str(OWL.NamedIndividual)), ox.NamedNode(str(OWL.Thing))}


def as_store(x) -> ox.Store:
    """A Store holding ``x``'s asserted triples (``x`` itself when it is one)."""
    if isinstance(x, ox.Store):
        return x
    if isinstance(x, Dataset):  # its graphs keep their names: the ontology's is read apart
        graphs = [g for g in x.graphs() if g.identifier not in (GRAPH_INFERENCES, GRAPH_DERIVEES)]
    elif isinstance(x, Graph):
        graphs = [x]
    else:
        raise TypeError(f"raisonnement : un Store pyoxigraph ou un graphe rdflib attendu, pas {type(x).__name__}")
    store = ox.Store()
    for g in graphs:
        name = ox.NamedNode(str(g.identifier)) if isinstance(x, Dataset) and isinstance(g.identifier, URIRef) else None
        store.bulk_extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), name) for s, p, o in g)
    return store


def vocabulary(store: ox.Store) -> set:
    """The resources the ontology's own graph describes (themes, dispositifs, roles…), if it has one."""
    graph = ox.NamedNode(str(GRAPH_ONTOLOGIE))
    return {q.subject for q in store.quads_for_pattern(None, None, None, graph)}


def asserted(store: ox.Store) -> Iterator[ox.Triple]:
    """Every asserted triple of ``store`` (a triple stated in two graphs comes twice)."""
    for q in store.quads_for_pattern(None, None, None, None):
        if q.graph_name not in NOT_ASSERTED:
            yield q.triple


def is_axiom(t: ox.Triple) -> bool:
    """Whether a triple belongs to the ontology's axioms (see :data:`AXIOM_PREDICATES`)."""
    p = t.predicate
    if p == _TYPE:
        o = t.object
        return isinstance(o, ox.NamedNode) and o.value.startswith(_SCHEMA_TYPE_SPACES) and o not in _INDIVIDUAL_TYPES
    return p in _AXIOM_PREDICATES


def schema(store: ox.Store) -> Graph:
    """The ontology's axioms found in ``store``, as a small rdflib graph.

    Read through the Store's indexes, predicate by predicate (and rdf:type by object), not by
    scanning every triple: at 300× a scan of 2.4 M quads, for a few thousand axioms.
    """
    out = Graph()
    kinds = [solution["o"] for solution in store.query("SELECT DISTINCT ?o { GRAPH ?g { ?s a ?o } }")]
    kinds += [solution["o"] for solution in store.query("SELECT DISTINCT ?o { ?s a ?o }")]
    patterns = [(None, p) for p in _AXIOM_PREDICATES]
    patterns += [(o, _TYPE) for o in set(kinds) if is_axiom(ox.Triple(_TYPE, _TYPE, o))]
    for o, p in patterns:
        for q in store.quads_for_pattern(None, p, o, None):
            if q.graph_name not in NOT_ASSERTED:
                out.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    return out
