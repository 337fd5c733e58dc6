"""When HermiT may check the data in pieces, and why that gives the same verdict as one check.

HermiT's cost at national scale is mostly the OWL API reading millions of triples in one JVM
(bench/README.md). The data of two contracts say nothing about each other, so the ABox is cut
into *modules* checked apart, in parallel on the machine's cores. A module is the TBox, the
*shared part*, and a set of whole *components*; a refusal of any module refuses the whole.

Everything below holds when the ontology stays within :data:`ALLOWED` (:meth:`Plan._refusal`):
named classes, sub/equivalent/disjoint classes, unions of classes, ``C ⊑ ∃s.Self``, domains
and ranges, sub/equivalent/inverse properties, functional, transitive and symmetric properties,
property chains — no nominal (``owl:oneOf``, ``owl:hasValue``), no existential or universal
restriction, no cardinality, no key, no top/bottom property, no ``owl:sameAs`` or
``owl:differentFrom`` (in the data either). Then no axiom creates an element, and equalities
only come from functional properties.

**Assertions that only type.** An assertion ``p(x, y)`` whose property implies (closing over
sub-properties, equivalences, inverses, symmetry: :meth:`Plan.implied`) no functional or
transitive property, no step of a chain, and (a data property) no datatype range, is handed to
HermiT as the class assertions it entails — ``x`` in the domains, ``y`` in the ranges
(:meth:`Plan.reduction`; ``oa:hasSource`` or ``oa:exact`` say nothing at all). The two are
equally consistent: the types are entailed by the assertion, and any model of the types can be
given the edge and the edges it implies, which no axiom then contradicts. Such an assertion no
longer ties ``x`` to ``y``. (A data value is dropped only when it is a string or a plainly
well-formed integer, decimal or boolean: an ill-typed value would be an inconsistency.)

**Soundness** (a module is inconsistent ⇒ the whole is): a module holds asserted triples and
types the whole entails; OWL is monotonic.

**Completeness** (every module consistent ⇒ the whole is): a model of the whole is glued from
the modules' models.

- *Shared* individuals ``U`` — resources of the ontology's own graph (themes, dispositifs,
  roles), resources with at least a few links (indicators, units), schema terms used as
  individuals — are in every module with all their own assertions ``A_U``. Which ones does
  not matter to the argument, only to the modules' sizes. The other individuals fall into the
  connected components of the graph of their remaining object property assertions with each
  other; a component is in one module, with its *links* (its assertions with ``U``).
- A link ``p(x, u)`` is allowed (:meth:`Plan.link_allowed`) when no property it implies is
  transitive, a step of a property chain, a ``Self`` property, or functional *from u's side*
  (u's values would merge across modules); else ``u`` is not shared (or, for a vocabulary
  resource, ``x`` is shared too). What an allowed link says about ``u`` is its domain or
  range classes: those types (entailed by the whole) are in every module.
- Given models ``I_k`` of the modules, let ``G`` give every individual the types and data
  values of its own module's model (a shared one: module 0's), and as object property edges
  the closure of the asserted ones and of the ``Self`` loops of its types under
  sub-properties, inverses, symmetry, transitivity and chains. No rule joins a link with
  another edge (chains and transitivity never cross one), so every edge of ``G`` lies within
  ``U``, within one component, or is the closure of one link, and is an edge of the owning
  module's model: its ends' types satisfy the domains and ranges (at ``u`` through the types
  added to every module). Class axioms hold node by node; the edge set is closed by
  construction.
- Functional properties are simple in OWL 2 DL (no chain, no transitivity below them) and no
  ``Self`` property lies below one (checked), so their edges in ``G`` are the asserted ones
  closed under sub-properties and inverses; the data must give each resource at most one
  value of each (:meth:`Plan.functional_keys`, checked on the asserted triples). Then ``G``
  is a model of the whole.

Anything outside this — a construct not in :data:`ALLOWED`, a ``Self`` property below a
functional one, a resource with two values of a functional property, a schema term used as an
individual through a link not allowed — and the data is checked as one module, as before.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import OWL, RDF, RDFS, BNode, Graph, Node, URIRef
from rdflib.collection import Collection

from graphe.namespaces import readable
from graphe.reasoning.rules import _is_datatype

#: What the ontology may say for the split to be complete (see the module docstring).
ALLOWED = {
    RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith, OWL.members, RDFS.domain, RDFS.range,
    RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom, OWL.onProperty,
    OWL.hasSelf, OWL.unionOf, RDF.first, RDF.rest,
}
#: The rdf:type objects allowed in the ontology (property characteristics, declarations).
ALLOWED_TYPES = {
    OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Ontology,
    OWL.FunctionalProperty, OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.Restriction,
    OWL.AllDisjointClasses, RDFS.Datatype, RDF.Property, RDF.List, OWL.NamedIndividual, OWL.Thing,
    OWL.DeprecatedClass, OWL.DeprecatedProperty,
}
#: Terms whose mere presence breaks the argument (universal properties).
FORBIDDEN_TERMS = {OWL.topObjectProperty, OWL.bottomObjectProperty, OWL.topDataProperty, OWL.bottomDataProperty}

Oriented = tuple[Node, bool]  # (property, True when read forwards)


class Plan:
    """What the ontology allows: whether to split at all, which links may cross a module's edge."""

    def __init__(self, axioms: Graph):
        self.axioms = axioms
        self.refusal = self._refusal(axioms)
        self.functional = set(axioms.subjects(RDF.type, OWL.FunctionalProperty))
        self.transitive = set(axioms.subjects(RDF.type, OWL.TransitiveProperty))
        self.symmetric = set(axioms.subjects(RDF.type, OWL.SymmetricProperty))
        self.chained = set()
        for head in axioms.objects(None, OWL.propertyChainAxiom):
            for step in Collection(axioms, head):
                self.chained.add(axioms.value(step, OWL.inverseOf) if isinstance(step, BNode) else step)
        self.self_properties = {axioms.value(r, OWL.onProperty) for r in axioms.subjects(OWL.hasSelf, None)}
        self._above: dict[Oriented, set[Oriented]] = {}
        if self.refusal is None:
            for s in self.self_properties:
                if any(q in self.functional for q, _ in self.implied(s, True)):
                    self.refusal = f"la propriété {readable(s)} (owl:hasSelf) est sous une propriété fonctionnelle"
        # oriented property → the classes its subject (True) or object (False) end must be in
        self.ends: dict[Oriented, set] = defaultdict(set)
        for p, c in axioms.subject_objects(RDFS.domain):
            self.ends[(p, True)].add(c)
        for p, c in axioms.subject_objects(RDFS.range):
            self.ends[(p, False)].add(c)

    @staticmethod
    def _refusal(axioms: Graph) -> str | None:
        """Why the ontology cannot be split (None when it can)."""
        for s, p, o in axioms:
            if s in FORBIDDEN_TERMS or o in FORBIDDEN_TERMS or p in FORBIDDEN_TERMS:
                return f"l'ontologie emploie {readable(s if s in FORBIDDEN_TERMS else o)}"
            if p == RDF.type:
                if o not in ALLOWED_TYPES:
                    return f"l'ontologie déclare {readable(s)} de type {readable(o)}"
            elif p not in ALLOWED:
                return f"l'ontologie emploie {readable(p)}"
        for restriction in axioms.subjects(OWL.onProperty, None):
            if {q for _, q in axioms.subject_predicates(restriction)} - {RDFS.subClassOf}:
                return "une restriction ailleurs qu'en super-classe"
        return None

    def implied(self, p: URIRef, forwards: bool) -> set[Oriented]:
        """Every (property, direction) an edge of ``p`` read ``forwards`` implies, itself included."""
        key = (p, forwards)
        if key not in self._above:
            seen: set[Oriented] = set()
            todo: list[Oriented] = [key]
            while todo:
                q, fwd = todo.pop()
                if (q, fwd) in seen:
                    continue
                seen.add((q, fwd))
                todo += [(r, fwd) for r in self.axioms.objects(q, RDFS.subPropertyOf)]
                todo += [(r, fwd) for r in self.axioms.objects(q, OWL.equivalentProperty)]
                todo += [(r, fwd) for r in self.axioms.subjects(OWL.equivalentProperty, q)]
                todo += [(r, not fwd) for r in self.axioms.objects(q, OWL.inverseOf) if isinstance(r, URIRef)]
                todo += [(r, not fwd) for r in self.axioms.subjects(OWL.inverseOf, q) if isinstance(r, URIRef)]
                if q in self.symmetric:
                    todo.append((q, not fwd))
            self._above[key] = seen
        return self._above[key]

    def link_allowed(self, p: URIRef, shared_is_object: bool) -> bool:
        """May an assertion of ``p`` link a component to a shared individual (at that end)?"""
        for q, fwd in self.implied(p, True):
            if q in self.transitive or q in self.chained or q in self.self_properties:
                return False
            shared_is_subject_of_q = (not shared_is_object) == fwd
            if q in self.functional and shared_is_subject_of_q:
                return False
        return True

    def shared_end_classes(self, p: URIRef, shared_is_object: bool) -> set:
        """The classes a link of ``p`` puts its shared end in (domains and ranges, unions included)."""
        found = set()
        for q, fwd in self.implied(p, True):
            subject_end = (not shared_is_object) == fwd
            found |= self.ends.get((q, subject_end), set())
        return found

    def reduction(self, p: URIRef, data: bool) -> tuple[set, set] | None:
        """The classes an assertion of ``p`` puts its subject and its object in, when that is all it says.

        None when the assertion says more (see "Assertions that only type" above): a property it
        implies is functional, transitive or a step of a chain, or (a data property) has a
        range that is a datatype.
        """
        if self.refusal is not None:
            return None
        subject, object_ = set(), set()
        for q, fwd in self.implied(p, True):
            if q in self.functional or q in self.transitive or q in self.chained:
                return None
            at_subject, at_object = self.ends.get((q, fwd), set()), self.ends.get((q, not fwd), set())
            if data:
                if at_object - {RDFS.Literal}:
                    return None
                at_object = set()
            if any(_is_datatype(c) for c in at_subject | at_object):
                return None
            subject |= at_subject
            object_ |= at_object
        return subject, object_

    def functional_keys(self, p: URIRef) -> list[Oriented]:
        """The functional properties an edge of ``p`` gives a value of: (q, True) keys it by its subject."""
        return [(q, fwd) for q, fwd in self.implied(p, True) if q in self.functional]

