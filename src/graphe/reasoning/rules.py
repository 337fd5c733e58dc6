"""The entailments graphe materialises: forward-chaining rules read off the ontology's own axioms.

Why rules and not HermiT's output or owlrl: see the package docstring.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, Node, URIRef
from rdflib.collection import Collection

from graphe import dataset
from graphe.namespaces import NAMESPACES, curie

#: XML Schema datatypes (a plain Namespace: rdflib's XSD warns when pytest probes the module).
XSD = Namespace(NAMESPACES["xsd"])


#: Vocabularies whose terms are OWL/RDF built-ins, never declared by the data.
BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))

#: Classes that say nothing a user asks for (every individual is an owl:Thing).
UNINTERESTING_CLASSES = {OWL.Thing, OWL.NamedIndividual, RDFS.Resource}



def _is_datatype(term: Node) -> bool:
    return isinstance(term, URIRef) and (
        str(term).startswith(str(XSD)) or term in (RDF.langString, RDF.PlainLiteral, RDFS.Literal)
    )

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


def reference_inferences(ds: Dataset | Graph) -> Graph:
    """The entailments of ontology + data that are not asserted, computed by :class:`Closure`.

    The reference :func:`graphe.reasoning.infer` is tested against (and the "before" of
    bench/reasoning_scale.py): same rules, one Python operation per fact and round.

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
