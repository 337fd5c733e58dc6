"""The OWL 2 DL view of a Store's triples, cut into modules HermiT checks apart (see modules.py).

Two passes over the Store, no rdflib graph of the data:

1. :class:`Partition` reads every asserted triple once: which predicates and classes are used
   (to declare those no vocabulary declares), the object property assertions between
   individuals (as integers), each resource's weight; then picks the shared individuals, cuts
   the rest into connected components and packs them into modules of similar size.
2. :meth:`Partition.write` reads the triples again and writes each to where it belongs, in files
   HermiT's command line reads directly (N-Triples, and OWL functional syntax for a module's
   assertions: fss.py): the TBox and the shared part to every module, a component's
   assertions to its module, an assertion that only types as its class assertions
   (modules.py). Annotations of individuals are left out (they mean nothing to a reasoner and
   are a third of what the JVM would parse).

The view is :func:`graphe.reasoning.hermit.owl_view`'s: datatypes outside the OWL 2 datatype
map read as strings, ranges over them as rdfs:Literal, a class assertion on a property (a
pun owlready2 and the OWL API misread) dropped, undeclared predicates and classes declared.
Skolem IRIs of class expressions become blank nodes again (the OWL API reads an expression only
as one), and anonymous individuals become IRIs (:meth:`Partition._term`).
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, URIRef

from graphe.namespaces import readable
from graphe.reasoning import fss
from graphe.reasoning.modules import FORBIDDEN_TERMS, Plan
from graphe.reasoning.rules import BUILTIN_NAMESPACES, SKOLEM_MARK, XSD, _is_datatype
from graphe.reasoning.source import asserted, to_ox, vocabulary

_TYPE = to_ox(RDF.type)
_IMPORTS = to_ox(OWL.imports)
_RANGE = to_ox(RDFS.range)
_LITERAL = to_ox(RDFS.Literal)
ALL, DROP = -1, -2  # where a triple goes besides a module number
#: The IRIs anonymous individuals are given (see Partition._term).
ANONYMOUS = "urn:x-graphe:anonyme:"

#: The OWL 2 datatype map (OWL 2 Structural Specification §4): what HermiT accepts.
OWL2_DATATYPES = {
    OWL.real, OWL.rational, RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal, RDF.langString,
    XSD.decimal, XSD.integer, XSD.nonNegativeInteger, XSD.nonPositiveInteger, XSD.positiveInteger,
    XSD.negativeInteger, XSD.long, XSD.int, XSD.short, XSD.byte, XSD.unsignedLong, XSD.unsignedInt,
    XSD.unsignedShort, XSD.unsignedByte, XSD.double, XSD.float, XSD.string, XSD.normalizedString,
    XSD.token, XSD.language, XSD.Name, XSD.NCName, XSD.NMTOKEN, XSD.boolean, XSD.hexBinary,
    XSD.base64Binary, XSD.anyURI, XSD.dateTime, XSD.dateTimeStamp,
}
_OWL2 = {to_ox(d) for d in OWL2_DATATYPES}
_UNIVERSAL = {to_ox(p) for p in FORBIDDEN_TERMS}

#: A resource pointed to (or pointing) this many times is shared (a vocabulary term, the
#: source document): any choice is sound (modules.py), this one keeps the modules apart.
SHARED_DEGREE = 4


def _readable(term) -> str:
    return readable(term.value) if isinstance(term, ox.NamedNode) else "[nœud anonyme]"


_XSD = "http://www.w3.org/2001/XMLSchema#"
#: Lexical forms that are surely valid, by datatype (the rest is handed to HermiT as is).
_VALID_FORMS = {
    _XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    _XSD + "nonNegativeInteger": re.compile(r"\+?[0-9]+"),
    _XSD + "positiveInteger": re.compile(r"\+?0*[1-9][0-9]*"),
    _XSD + "decimal": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"),
    _XSD + "boolean": re.compile(r"true|false|1|0"),
}


def _surely_valid(literal: ox.Literal) -> bool:
    """A string (any lexical form is one), or a number whose lexical form is plainly right."""
    if literal.language is not None or literal.datatype.value == _XSD + "string":
        return True
    form = _VALID_FORMS.get(literal.datatype.value)
    return form is not None and form.fullmatch(literal.value) is not None


def _builtin(term) -> bool:
    return isinstance(term, ox.NamedNode) and term.value.startswith(BUILTIN_NAMESPACES)


class Partition:
    """The modules of a Store's asserted triples (one when the ontology or data forbid the split)."""

    def __init__(self, store: ox.Store, axioms, modules: int = 2, module_lines: int | None = None):
        self.store, self.plan = store, Plan(axioms)
        kinds = {k: {to_ox(s) for s in axioms.subjects(RDF.type, k)} for k in (
            OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Class, RDFS.Class)}
        self.object_properties = kinds[OWL.ObjectProperty]
        self.properties = kinds[OWL.ObjectProperty] | kinds[OWL.DatatypeProperty] | kinds[OWL.AnnotationProperty]
        self.logical = kinds[OWL.ObjectProperty] | kinds[OWL.DatatypeProperty]
        self.classes = kinds[OWL.Class] | kinds[RDFS.Class]
        self.schema_nodes = {to_ox(s) for s in axioms.subjects()} | self.properties | self.classes
        self.skolem: dict[str, ox.BlankNode] = {}
        self.refusal = self.plan.refusal
        self._read()
        wanted = max(1, modules)
        if module_lines:  # small modules: one JVM parsing a large one holds too much memory
            wanted = max(wanted, -(-sum(self.weight) // module_lines))
        self.count = 1 if self.refusal else wanted
        self._cut()

    # ------------------------------------------------------------------ pass 1

    def _id(self, term) -> int:
        n = self.ids.get(term)
        if n is None:
            n = self.ids[term] = len(self.nodes)
            self.nodes.append(term)
        return n

    def _read(self) -> None:
        self.ids: dict = {}
        self.nodes: list = []
        self.weight = array("l")
        self.edges = (array("l"), array("l"), [])  # subject, object, predicate (ox)
        self.used_predicates, self.used_classes = set(), set()
        self.pinned: set[int] = set()
        values: dict = {}  # (functional property, direction, resource) → its one value
        for t in asserted(self.store):
            s, p, o = t.subject, t.predicate, t.object
            if p == _TYPE:
                if isinstance(o, ox.NamedNode) and not _builtin(o):
                    self.used_classes.add(o)
            else:
                self.used_predicates.add(p)
                if p in _UNIVERSAL and self.refusal is None:  # x owl:bottomObjectProperty y is a contradiction
                    self.refusal = f"les données emploient {readable(p.value)}"
            edge = p in self.object_properties and not isinstance(o, ox.Literal)
            if edge and self._reduced(p) is not None:  # it only types its ends: no tie between them
                self._id(o)
                edge = False
            if edge:
                si, oi = self._id(s), self._id(o)
                for q, forwards in self._functional_keys(p):
                    key, value = (q, forwards, si if forwards else oi), oi if forwards else si
                    if values.setdefault(key, value) != value and self.refusal is None:
                        self.refusal = f"{_readable(self.nodes[key[2]])} a deux valeurs pour la propriété fonctionnelle {readable(q)}"
            if s in self.schema_nodes:
                if edge and o not in self.schema_nodes:
                    self.pinned.add(self._id(o))  # in every module, with the TBox that points to it
                continue
            si = self._id(s)
            while len(self.weight) <= len(self.nodes):
                self.weight.append(0)
            self.weight[si] += 1
            if edge:
                self.edges[0].append(si)
                self.edges[1].append(oi)
                self.edges[2].append(p)
        while len(self.weight) < len(self.nodes):
            self.weight.append(0)

    def _reduced(self, p: ox.NamedNode) -> tuple[list, list] | None:
        """The classes an assertion of ``p`` gives its subject and object, if that is all it says."""
        cache = self.__dict__.setdefault("_red", {})
        if p not in cache:
            found = None
            if p in self.logical:
                found = self.plan.reduction(URIRef(p.value), data=p not in self.object_properties)
            cache[p] = None if found is None else ([to_ox(c) for c in found[0]], [to_ox(c) for c in found[1]])
        return cache[p]

    def _home(self, term) -> int:
        return 0 if self.count == 1 else self.module[self.ids[term]]

    def _functional_keys(self, p: ox.NamedNode):
        cache = self.__dict__.setdefault("_fk", {})
        if p not in cache:
            cache[p] = self.plan.functional_keys(URIRef(p.value))
        return cache[p]

    # ------------------------------------------------------------------ the cut

    def _cut(self) -> None:
        n = len(self.nodes)
        self.shared: set[int] = set()
        self.facts: set[tuple] = set()  # (shared resource, class): what links say of it (F)
        self.module = array("l", [0]) * n
        if self.count == 1:
            return
        subjects, objects, predicates = self.edges
        degree = Counter(subjects) + Counter(objects)
        shared = {i for i, d in degree.items() if d >= SHARED_DEGREE}
        # a schema term used as an individual, a resource the TBox points to: in every module
        schema = {self.ids[t] for t in self.schema_nodes if t in self.ids} | self.pinned
        shared |= schema
        terms = {self.ids[t] for t in vocabulary(self.store) if t in self.ids}
        allowed, demoted = self._allowed, set()
        changed = True
        while changed:  # a link that may not cross: both ends shared, or neither
            changed = False
            for s, o, p in zip(subjects, objects, predicates):
                if (s in shared) != (o in shared):
                    end, other = (o, s) if o in shared else (s, o)
                    if not allowed(p, end == o):
                        if other in terms and other not in demoted:  # a sub-theme of a shared theme…
                            shared.add(other)
                        elif end in schema:
                            self.refusal, self.count = f"{_readable(self.nodes[end])} est relié par {readable(p.value)}", 1
                            return
                        else:  # once and for all: each resource changes side at most twice
                            shared.discard(end)
                            demoted.add(end)
                        changed = True
        parent = list(range(n))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for s, o, p in zip(subjects, objects, predicates):
            if s in shared or o in shared:
                if (s in shared) != (o in shared):
                    end = o if o in shared else s
                    for c in self.plan.shared_end_classes(URIRef(p.value), end == o):
                        if not _is_datatype(c):
                            self.facts.add((self.nodes[end], to_ox(c)))
                continue
            a, b = find(s), find(o)
            if a != b:
                parent[a] = b
        sizes: Counter = Counter()
        for i in range(n):
            if i not in shared:
                sizes[find(i)] += self.weight[i] + 1
        load = [0] * self.count
        place = {}
        for root, size in sorted(sizes.items(), key=lambda kv: -kv[1]):  # largest first, to the lightest module
            k = min(range(self.count), key=load.__getitem__)
            place[root] = k
            load[k] += size
        for i in range(n):
            self.module[i] = ALL if i in shared else place[find(i)]
        self.shared = shared

    def _allowed(self, p: ox.NamedNode, shared_is_object: bool) -> bool:
        cache = self.__dict__.setdefault("_links", {})
        key = (p, shared_is_object)
        if key not in cache:
            cache[key] = self.plan.link_allowed(URIRef(p.value), shared_is_object)
        return cache[key]

    # ------------------------------------------------------------------ pass 2

    def route(self, t: ox.Triple) -> int:
        """The module of an asserted triple: a number, ALL (TBox, shared part) or DROP."""
        s, p, o = t.subject, t.predicate, t.object
        if p == _IMPORTS:
            return DROP
        if s in self.schema_nodes:
            return ALL
        if p == _TYPE:
            if s in self.properties and not _builtin(o):
                return DROP  # a pun on a property (cdv:annee a qb:DimensionProperty)
        elif p not in self.logical and p not in _UNIVERSAL:
            return DROP  # an annotation (rdfs:label, dct:description, undeclared metadata): no meaning
        if self.count == 1:
            return 0
        home = self.module[self.ids[s]]
        if home == ALL and p in self.object_properties and not isinstance(o, ox.Literal):
            return self.module[self.ids[o]]  # a link from a shared resource goes with the other end
        return home

    def line(self, t: ox.Triple) -> str:
        """The triple as the OWL view states it, in N-Triples."""
        s, p, o = self._term(t.subject), t.predicate, t.object
        if p == _RANGE and o not in _OWL2 and isinstance(o, ox.NamedNode) and _is_datatype(URIRef(o.value)):
            o = _LITERAL
        elif isinstance(o, ox.Literal):
            if o.language is None and o.datatype not in _OWL2:
                o = ox.Literal(o.value)
        else:
            o = self._term(o)
        return f"{s} {p} {o} .\n"

    def _term(self, term):
        """The term as HermiT is given it: class expressions as blank nodes, individuals as IRIs.

        A Skolem IRI in the schema stands for a class expression, which the OWL API reads only
        as a blank node; an anonymous individual becomes an IRI of its own (``urn:x-graphe:…``),
        which is as consistent and can be named from both files of a module (fss.py).
        """
        if isinstance(term, ox.NamedNode):
            if SKOLEM_MARK in term.value and term in self.schema_nodes:
                blank = self.skolem.get(term.value)
                if blank is None:
                    blank = self.skolem[term.value] = ox.BlankNode(f"sk0x{len(self.skolem)}")
                return blank
        elif isinstance(term, ox.BlankNode) and term not in self.schema_nodes:
            return ox.NamedNode(ANONYMOUS + term.value)
        return term

    def declarations(self) -> list[str]:
        """Declarations of the predicates and classes the data use and no vocabulary declares."""
        out = [f"{p} {_TYPE} {to_ox(OWL.AnnotationProperty)} .\n"
               for p in self.used_predicates - self.properties if not _builtin(p)]
        out += [f"{c} {_TYPE} {to_ox(OWL.Class)} .\n" for c in self.used_classes - self.classes]
        return out

    def write(self, folder: Path, functional: bool = True) -> tuple[Path, list[Path], int]:
        """The TBox alone and the modules, written in ``folder``: the TBox's file, the files to give
        HermiT (one per module), and how many lines the view has (its shared part counted once).

        ``functional``: each module's assertions in functional syntax (fss.py), importing an
        N-Triples file with the rest; else one N-Triples file per module.
        """
        tbox_path = folder / "tbox.nt"
        nt_paths = [folder / f"module-{k}.nt" for k in range(self.count)]
        fss_paths = [folder / f"module-{k}.ofn" for k in range(self.count)] if functional else []
        nt = [p.open("w", encoding="utf-8") for p in nt_paths]
        ax = [p.open("w", encoding="utf-8") for p in fss_paths]
        for k, f in enumerate(ax):
            f.write(fss.header(k, nt_paths[k]))
        lines = 0

        def emit(home: int, text: str, axiom: str | None) -> None:
            files = ax if functional and axiom is not None else nt
            for f in files if home == ALL else [files[home]]:
                f.write(axiom if functional and axiom is not None else text)

        with tbox_path.open("w", encoding="utf-8") as tbox:
            for text in self.declarations():
                for f in [tbox, *nt]:
                    f.write(text)
            for node, cls in self.facts:
                node, cls = self._term(node), self._term(cls)
                emit(ALL, f"{node} {_TYPE} {cls} .\n", fss.class_assertion(node, cls))
            typed: set = set()  # the class assertions already written for reduced ones
            for t in asserted(self.store):
                k = self.route(t)
                if k == DROP:
                    continue
                lines += 1
                if t.subject in self.schema_nodes:
                    text = self.line(t)
                    for f in [tbox, *nt]:
                        f.write(text)
                    continue
                reduced = None if t.predicate == _TYPE else self._reduced(t.predicate)
                if reduced is not None and isinstance(t.object, ox.Literal) and not _surely_valid(t.object):
                    reduced = None  # an ill-typed value would be an inconsistency: HermiT reads it
                if reduced is None:
                    emit(k, self.line(t), self._axiom(t))
                    continue
                lines -= 1
                ends = [(t.subject, reduced[0])]
                if not isinstance(t.object, ox.Literal):
                    ends.append((t.object, reduced[1]))
                for node, classes in ends:
                    for c in classes:
                        if (node, c) not in typed:
                            typed.add((node, c))
                            lines += 1
                            n, cls = self._term(node), self._term(c)
                            emit(self._home(node), f"{n} {_TYPE} {cls} .\n", fss.class_assertion(n, cls))
        for f in ax:
            f.write(fss.FOOTER)
        for f in nt + ax:
            f.close()
        return tbox_path, fss_paths if functional else nt_paths, lines

    def _axiom(self, t: ox.Triple) -> str | None:
        """A module's triple in functional syntax (None: N-Triples says it)."""
        s, p = self._term(t.subject), t.predicate
        if p == _TYPE:
            return fss.class_assertion(s, self._term(t.object))
        o = t.object
        if isinstance(o, ox.Literal):
            if o.language is None and o.datatype not in _OWL2:
                o = ox.Literal(o.value)
        else:
            o = self._term(o)
        return fss.property_assertion(s, p, o, data=p not in self.object_properties)

    def triples_of(self, k: int):
        """The asserted triples of module ``k`` as stated (for explaining why it is inconsistent)."""
        for t in asserted(self.store):
            where = self.route(t)
            if where in (ALL, k):
                yield t
            elif where != DROP and not isinstance(t.object, ox.Literal) and t.predicate in self.object_properties:
                if self._reduced(t.predicate) is not None and self._home(t.object) in (ALL, k):
                    yield t  # its object's type is in module k
