"""Reasoning over the ontology and the data: HermiT's consistency check, and the entailments users need.

Two jobs, two tools:

- :func:`check` hands the ontology and data to owlready2 and runs HermiT (an OWL 2 DL reasoner):
  the graph must be consistent and no class unsatisfiable, else :class:`ReasoningFailed` says
  why in French (which resource is of two disjoint kinds, which value breaks a range…).
- :func:`infer` materialises the entailments the endpoint serves in ``graphe:inferences``: the
  rdf:type closure along the class hierarchy (an association is a cdv:Partenaire and an
  org:Organization), domains and ranges, inverse properties, sub-properties, property chains
  (a sub-objective's axis, a contract's axes) and transitive properties (SKOS
  broaderTransitive / narrowerTransitive), with skos:narrower from skos:broader.

:func:`infer` uses a small forward-chaining rule set read from the ontology's own axioms
(OWL 2 RL rules cax-sco, cax-eqc, prp-dom, prp-rng, prp-spo1, prp-spo2, prp-inv, prp-symp, prp-trp, plus
ObjectHasSelf for the one "rolification" of cdv.ttl) rather than HermiT's output or owlrl:
HermiT, through owlready2, reports only named individuals (not passages and mentions) and
leaves out property values that follow from an inverse; owlrl computes the whole OWL 2 RL
closure of every triple — on the real data (7 000 triples) 3.8 s and 9 000 new triples, of
which the 950 below are the useful ones, the rest owl:sameAs x x, owl:Thing, literal types and
schema triples — and does not know ObjectHasSelf (cdv:aPourAxe). The rules take 0.15 s. The
test suite checks them against both on the real data: the same types as HermiT for every named
individual, and exactly owlrl's entailments about individuals, plus cdv:aPourAxe.

What HermiT is given is an OWL 2 DL view of the graph (:func:`owl_view`): datatypes outside the
OWL 2 datatype map (xsd:gYear, xsd:date, xsd:gYearMonth…) become plain strings and ranges over
them rdfs:Literal; class assertions on properties (``cdv:annee a qb:DimensionProperty``: a pun
owlready2 mistakes for a change of the property's type) are dropped; properties and classes
that no vocabulary declares (dcat:, void:, adms: metadata…) are declared as annotation
properties and classes. The published graph itself is not changed.
"""

from __future__ import annotations

import io
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, Node, URIRef
from rdflib.collection import Collection

from graphe import dataset
from graphe.errors import ReasoningFailed
from graphe.namespaces import curie, prefixes

#: XML Schema datatypes (a plain Namespace: rdflib's XSD warns when pytest probes the module).
XSD = Namespace(prefixes()["xsd"])

#: The OWL 2 datatype map (OWL 2 Structural Specification §4): what HermiT accepts.
OWL2_DATATYPES = {
    OWL.real, OWL.rational, RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, RDF.langString,
    XSD.decimal, XSD.integer, XSD.nonNegativeInteger, XSD.nonPositiveInteger, XSD.positiveInteger,
    XSD.negativeInteger, XSD.long, XSD.int, XSD.short, XSD.byte, XSD.unsignedLong, XSD.unsignedInt,
    XSD.unsignedShort, XSD.unsignedByte, XSD.double, XSD.float, XSD.string, XSD.normalizedString,
    XSD.token, XSD.language, XSD.Name, XSD.NCName, XSD.NMTOKEN, XSD.boolean, XSD.hexBinary,
    XSD.base64Binary, XSD.anyURI, XSD.dateTime, XSD.dateTimeStamp,
}

#: Vocabularies whose terms are OWL/RDF built-ins, never declared by the data.
BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))

#: Classes that say nothing a user asks for (every individual is an owl:Thing).
UNINTERESTING_CLASSES = {OWL.Thing, OWL.NamedIndividual, RDFS.Resource}


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` verified."""

    triples: int  # size of the OWL view handed to HermiT
    seconds: float


# --------------------------------------------------------------------------- the OWL view


def owl_view(graph: Graph) -> Graph:
    """The OWL 2 DL graph handed to HermiT (see the module docstring)."""
    declared_properties = {
        s for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
        for s in graph.subjects(RDF.type, kind)
    }
    declared_classes = set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDF.type, RDFS.Class))
    view = Graph()
    used_predicates, used_classes = set(), set()
    for s, p, o in graph:
        if p == RDF.type:
            if s in declared_properties and not _builtin(o):
                continue  # a pun on a property (cdv:annee a qb:DimensionProperty)
            if isinstance(o, URIRef) and not _builtin(o):
                used_classes.add(o)
        elif p == RDFS.range and o not in OWL2_DATATYPES and _is_datatype(o):
            o = RDFS.Literal
        else:
            used_predicates.add(p)
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES:
            o = Literal(str(o))
        view.add((s, p, o))
    for p in used_predicates - declared_properties:
        if not _builtin(p):
            view.add((p, RDF.type, OWL.AnnotationProperty))
    for c in used_classes - declared_classes:
        view.add((c, RDF.type, OWL.Class))
    return view


def _builtin(term: Node) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(BUILTIN_NAMESPACES)


def _is_datatype(term: Node) -> bool:
    return isinstance(term, URIRef) and (
        str(term).startswith(str(XSD)) or term in (RDF.langString, RDF.PlainLiteral, RDFS.Literal)
    )


# --------------------------------------------------------------------------- HermiT


def check(ds: Dataset | Graph) -> CheckResult:
    """Run HermiT on ontology + data; raise :class:`ReasoningFailed` if inconsistent or unsatisfiable."""
    import owlready2
    from owlready2.base import OwlReadyInconsistentOntologyError, OwlReadyJavaError

    if shutil.which(owlready2.JAVA_EXE) is None:
        raise ReasoningFailed(
            f"Java introuvable ({owlready2.JAVA_EXE}) : HermiT, le raisonneur, tourne sur une JVM "
            "(paquet Debian default-jre-headless)"
        )
    asserted = dataset.union(ds)
    view = owl_view(asserted)
    started = time.perf_counter()
    world = owlready2.World()
    try:
        onto = world.get_ontology("https://w3id.org/contrats-de-ville/graphe/raisonnement")
        onto.load(fileobj=io.BytesIO(view.serialize(format="nt", encoding="utf-8")), format="ntriples")
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except OwlReadyInconsistentOntologyError:
            causes = explain(asserted)
            listing = "\n".join(f"  - {c}" for c in causes) or (
                "  - aucune cause simple trouvée (classes disjointes, valeur unique, type de valeur) : "
                "lancer `graphe validate` et relire les derniers ajouts"
            )
            raise ReasoningFailed(f"HermiT : l'ontologie et les données sont incohérentes.\n{listing}") from None
        except OwlReadyJavaError as exc:
            raise ReasoningFailed(f"HermiT a échoué : {str(exc).strip()[:2000]}") from None
        unsatisfiable = sorted(
            _name(URIRef(c.iri)) for c in world.inconsistent_classes() if URIRef(c.iri) != OWL.Nothing
        )
        if unsatisfiable:
            raise ReasoningFailed(
                "HermiT : classes insatisfiables (aucune instance possible) : "
                + ", ".join(unsatisfiable)
                + " — revoir les axiomes de disjonction et de sous-classe de ontology/cdv.ttl"
            )
    finally:
        world.close()
    return CheckResult(triples=len(view), seconds=round(time.perf_counter() - started, 3))


# --------------------------------------------------------------------------- the rules


class Rules:
    """The entailment rules of an ontology: its hierarchy, domains, ranges, inverses, chains."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.superclasses = self._closure(self._class_edges(graph))
        self.superproperties = self._closure(
            {(s, o) for s, o in graph.subject_objects(RDFS.subPropertyOf) if _iri(s) and _iri(o)}
            | self._equivalences(graph, OWL.equivalentProperty)
        )
        self.inverse: dict[Node, set[Node]] = defaultdict(set)
        for p, q in graph.subject_objects(OWL.inverseOf):
            if _iri(p) and _iri(q):
                self.inverse[p].add(q)
                self.inverse[q].add(p)
        self.transitive = set(graph.subjects(RDF.type, OWL.TransitiveProperty))
        self.symmetric = set(graph.subjects(RDF.type, OWL.SymmetricProperty))
        self.domain = {p: c for p, c in graph.subject_objects(RDFS.domain) if _iri(c) and not _is_datatype(c)}
        self.range = {p: c for p, c in graph.subject_objects(RDFS.range) if _iri(c) and not _is_datatype(c)}
        # domains and ranges that are unions: they type nothing, but can make a graph inconsistent
        self.union_domain = self._unions(graph, RDFS.domain)
        self.union_range = self._unions(graph, RDFS.range)
        self.chains = [(p, self._steps(graph, head)) for p, head in graph.subject_objects(OWL.propertyChainAxiom)]
        self.self_properties: dict[Node, set[Node]] = defaultdict(set)  # class → p with (x p x)
        for cls, restriction in graph.subject_objects(RDFS.subClassOf):
            if (restriction, OWL.hasSelf, None) in graph and _iri(cls):
                self.self_properties[cls].add(graph.value(restriction, OWL.onProperty))
        self.technical = {p for props in self.self_properties.values() for p in props}
        self.object_properties = set(graph.subjects(RDF.type, OWL.ObjectProperty)) - self.technical
        self.disjoint = self._disjoint_pairs(graph)

    @classmethod
    def _unions(cls, graph: Graph, prop: URIRef) -> dict[Node, list[Node]]:
        """Property → the members of its domain (or range) when that is an owl:unionOf."""
        found = {p: cls._union(graph, c) for p, c in graph.subject_objects(prop)}
        return {p: members for p, members in found.items() if members}

    @staticmethod
    def _union(graph: Graph, expression: Node) -> list[Node]:
        members = graph.value(expression, OWL.unionOf) if _anonymous(expression) else None
        return [m for m in Collection(graph, members) if _iri(m)] if members is not None else []

    def disjoint_with(self, a: Node, b: Node) -> bool:
        """Whether the ontology makes classes ``a`` and ``b`` disjoint (directly or through super-classes)."""
        above_a = {a} | self.superclasses.get(a, set())
        above_b = {b} | self.superclasses.get(b, set())
        return any(frozenset((x, y)) in self.disjoint for x in above_a for y in above_b)

    @staticmethod
    def _class_edges(graph: Graph) -> set[tuple[Node, Node]]:
        edges = {(s, o) for s, o in graph.subject_objects(RDFS.subClassOf) if _iri(s) and _iri(o)}
        return edges | Rules._equivalences(graph, OWL.equivalentClass)

    @staticmethod
    def _equivalences(graph: Graph, prop: URIRef) -> set[tuple[Node, Node]]:
        pairs = {(s, o) for s, o in graph.subject_objects(prop) if _iri(s) and _iri(o)}
        return pairs | {(o, s) for s, o in pairs}

    @staticmethod
    def _closure(edges: set[tuple[Node, Node]]) -> dict[Node, set[Node]]:
        """Node → every node reachable through ``edges`` (itself excluded unless on a cycle)."""
        direct: dict[Node, set[Node]] = defaultdict(set)
        for a, b in edges:
            direct[a].add(b)
        closed = {}
        for start in list(direct):
            seen, todo = set(), list(direct[start])
            while todo:
                n = todo.pop()
                if n not in seen:
                    seen.add(n)
                    todo.extend(direct.get(n, ()))
            closed[start] = seen
        return closed

    @staticmethod
    def _steps(graph: Graph, head: Node) -> list[tuple[Node, bool]]:
        """A property chain as (property, inverted?) steps."""
        steps = []
        for item in Collection(graph, head):
            inverse_of = graph.value(item, OWL.inverseOf) if _anonymous(item) else None
            steps.append((inverse_of, True) if inverse_of is not None else (item, False))
        return steps

    @staticmethod
    def _disjoint_pairs(graph: Graph) -> set[frozenset]:
        pairs = {frozenset((a, b)) for a, b in graph.subject_objects(OWL.disjointWith) if _iri(a) and _iri(b)}
        for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
            members = [m for m in Collection(graph, graph.value(group, OWL.members)) if _iri(m)]
            pairs |= {frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :]}
        return pairs

    def properties_above(self, p: Node) -> set[Node]:
        return self.superproperties.get(p, set())


class Closure:
    """Forward chaining of :class:`Rules` over a graph's individuals, with the reason of each type."""

    def __init__(self, rules: Rules, graph: Graph):
        self.rules = rules
        self.facts: dict[Node, set[tuple[Node, Node]]] = defaultdict(set)  # property → {(s, o)}
        self.types: dict[Node, set[Node]] = defaultdict(set)
        self.why: dict[tuple[Node, Node], tuple] = {}  # (node, class) → reason of its first derivation
        interesting = rules.object_properties | rules.technical | set(rules.domain) | set(rules.range)
        interesting |= {p for p, _ in rules.chains} | set(rules.superproperties) | set(rules.inverse)
        interesting |= {step for _, steps in rules.chains for step, _ in steps} | rules.transitive | rules.symmetric
        for s, p, o in graph:
            if p == RDF.type:
                self._type(s, o, ("asserted",))
            elif p in interesting:
                self.facts[p].add((s, o))
        self._saturate()

    def _type(self, node: Node, cls: Node, reason: tuple) -> bool:
        if cls in self.types[node]:
            return False
        self.types[node].add(cls)
        self.why.setdefault((node, cls), reason)
        return True

    def _saturate(self) -> None:
        rules = self.rules
        changed = True
        while changed:
            changed = False
            # types: hierarchy and ObjectHasSelf
            for node, classes in list(self.types.items()):
                for cls in list(classes):
                    for sup in rules.superclasses.get(cls, ()):
                        changed |= self._type(node, sup, ("subclass", cls))
                    for p in rules.self_properties.get(cls, ()):
                        if (node, node) not in self.facts[p]:
                            self.facts[p].add((node, node))
                            changed = True
            # properties: sub-properties, inverses, transitivity, chains
            for p in list(self.facts):
                pairs = self.facts[p]
                new = set()
                for q in rules.properties_above(p):
                    new |= {(q, s, o) for s, o in pairs if (s, o) not in self.facts[q]}
                for q in rules.inverse.get(p, ()):
                    new |= {(q, o, s) for s, o in pairs if (o, s) not in self.facts[q]}
                if p in rules.symmetric:
                    new |= {(p, o, s) for s, o in pairs if (o, s) not in pairs}
                if p in rules.transitive:
                    new |= {(p, s, o2) for s, o in pairs for o2 in self._objects(p, o) if (s, o2) not in pairs}
                for q, s, o in new:
                    self.facts[q].add((s, o))
                    changed = True
            for target, steps in rules.chains:
                for s, o in self._follow(steps):
                    if (s, o) not in self.facts[target]:
                        self.facts[target].add((s, o))
                        changed = True
            # domains and ranges
            for p, pairs in list(self.facts.items()):
                dom, rng = rules.domain.get(p), rules.range.get(p)
                for s, o in list(pairs):
                    if dom is not None:
                        changed |= self._type(s, dom, ("domain", p, o))
                    if rng is not None and not isinstance(o, Literal):
                        changed |= self._type(o, rng, ("range", p, s))

    def _objects(self, p: Node, s: Node) -> set[Node]:
        return {o for s2, o in self.facts.get(p, ()) if s2 == s}

    def _follow(self, steps: list[tuple[Node, bool]]) -> set[tuple[Node, Node]]:
        """The (start, end) pairs linked by a property chain."""
        def pairs(step):
            p, inverted = step
            found = self.facts.get(p, set())
            return {(o, s) for s, o in found} if inverted else found

        current = set(pairs(steps[0]))
        for step in steps[1:]:
            by_start = defaultdict(set)
            for a, b in pairs(step):
                by_start[a].add(b)
            current = {(s, e) for s, m in current for e in by_start.get(m, ())}
        return current

    def triples(self):
        """Every (s, p, o) the closure holds, technical properties and dull classes left out."""
        for node, classes in self.types.items():
            for cls in classes:
                if cls not in UNINTERESTING_CLASSES and _iri(cls):
                    yield node, RDF.type, cls
        for p, pairs in self.facts.items():
            if p in self.rules.technical or not _iri(p):
                continue
            for s, o in pairs:
                yield s, p, o

    def reason(self, node: Node, cls: Node) -> str:
        """Why ``node`` has type ``cls``, in French, down to the asserted fact."""
        steps = []
        while True:
            why = self.why.get((node, cls), ("asserted",))
            if why[0] == "subclass":
                steps.append(f"{_name(why[1])} ⊑ {_name(cls)}")
                cls = why[1]
                continue
            if why[0] == "asserted":
                head = f"déclaré {_name(cls)}"
            elif why[0] == "domain":
                head = f"sujet de {_name(why[1])} {_name(why[2])}, dont le domaine est {_name(cls)}"
            else:
                head = f"objet de {_name(why[2])} {_name(why[1])}, dont la portée est {_name(cls)}"
            return head + "".join(f", or {s}" for s in reversed(steps))


def _iri(term: Node) -> bool:
    """A named term: an IRI that is not a Skolem IRI standing for a blank node."""
    return isinstance(term, URIRef) and not _skolem(term)


#: The path RDF 1.1 (§3.5) reserves for Skolem IRIs: the build turns blank nodes into them.
SKOLEM_MARK = "/.well-known/genid/"


def _skolem(term: Node) -> bool:
    return isinstance(term, URIRef) and SKOLEM_MARK in str(term)


def _anonymous(term: Node) -> bool:
    """A blank node, or the Skolem IRI the build gave one: an expression, never a named term."""
    return isinstance(term, BNode) or _skolem(term)


# --------------------------------------------------------------------------- entry points


def infer(ds: Dataset | Graph) -> Graph:
    """The entailments of ontology + data that are not asserted, for ``graphe:inferences``.

    Memberships of class expressions (``owl:unionOf`` ranges, restrictions) are left out: they
    name nothing a query can ask for, and once skolemised they would read as classes of their own.
    """
    asserted = dataset.union(ds)
    closure = Closure(Rules(asserted), asserted)
    expressions = {
        node for p in (OWL.unionOf, OWL.intersectionOf, OWL.complementOf, OWL.oneOf, OWL.onProperty)
        for node in asserted.subjects(p, None)
    }
    out = Graph()
    for triple in closure.triples():
        if triple not in asserted and not (triple[1] == RDF.type and triple[2] in expressions):
            out.add(triple)
    return out


def explain(graph: Graph) -> list[str]:
    """Readable causes of an inconsistency: disjoint kinds, repeated unique values, out-of-range values."""
    rules = Rules(graph)
    closure = Closure(rules, graph)
    causes = []
    for node, classes in closure.types.items():
        for pair in rules.disjoint:
            a, b = sorted(pair)
            if a in classes and b in classes:
                causes.append(
                    f"{_name(node)} est à la fois {_name(a)} ({closure.reason(node, a)}) "
                    f"et {_name(b)} ({closure.reason(node, b)}), classes disjointes"
                )
    unions = [("sujet", p, m) for p, m in rules.union_domain.items()]
    unions += [("objet", p, m) for p, m in rules.union_range.items()]
    for role, p, members in unions:
        for s, o in graph.subject_objects(p):
            subject = s if role == "sujet" else o
            if isinstance(subject, Literal):
                continue
            kinds = closure.types.get(subject, set())
            clash = next((k for k in sorted(kinds) if all(rules.disjoint_with(k, m) for m in members)), None)
            if clash is not None:
                causes.append(
                    f"{_name(subject)} est {role} de {_name(p)} ({_name(s)} {_name(p)} {_name(o)}), qui demande "
                    f"{' ou '.join(_name(m) for m in members)}, mais il est {_name(clash)} "
                    f"({closure.reason(subject, clash)}), classe disjointe de toutes"
                )
    functional = set(graph.subjects(RDF.type, OWL.FunctionalProperty))
    functional &= set(graph.subjects(RDF.type, OWL.DatatypeProperty))
    for p in functional:
        values = defaultdict(set)
        for s, o in graph.subject_objects(p):
            values[s].add(o)
        for s, found in values.items():
            if len({_value_key(v) for v in found}) > 1:
                shown = ", ".join(sorted(_name(v) for v in found))
                causes.append(f"{_name(s)} a plusieurs valeurs pour {_name(p)}, qui n'en admet qu'une : {shown}")
    for p, datatype in graph.subject_objects(RDFS.range):
        if datatype in RANGE_TESTS:
            for s, o in graph.subject_objects(p):
                if isinstance(o, Literal) and not RANGE_TESTS[datatype](o):
                    causes.append(f"{_name(s)} {_name(p)} {_name(o)} : hors de la portée {_name(datatype)}")
    return sorted(set(causes))


def _value_key(literal: Node):
    try:
        return literal.toPython() if isinstance(literal, Literal) and literal.language is None else literal
    except Exception:  # an ill-typed literal is its own key
        return literal


def _integer(o: Literal):
    value = o.toPython()
    return value if isinstance(value, int) and not isinstance(value, bool) else None


#: Ranges whose values can be checked without a reasoner: what a wrong literal looks like.
RANGE_TESTS = {
    XSD.positiveInteger: lambda o: (v := _integer(o)) is not None and v > 0,
    XSD.nonNegativeInteger: lambda o: (v := _integer(o)) is not None and v >= 0,
    XSD.integer: lambda o: _integer(o) is not None,
    XSD.decimal: lambda o: isinstance(o.toPython(), (int, Decimal)) and not isinstance(o.toPython(), bool),
    XSD.string: lambda o: o.language is None and o.datatype in (None, XSD.string),
}


def _name(term: Node) -> str:
    if isinstance(term, URIRef):
        return curie(str(term)) or f"<{term}>"
    if isinstance(term, BNode):
        return "[nœud anonyme]"
    if isinstance(term, Literal) and term.language:
        return f"« {term} »@{term.language}"
    if isinstance(term, Literal) and term.datatype is not None:
        return f"« {term} » ({_name(term.datatype)})"
    return f"« {term} »" if isinstance(term, Literal) else str(term)
