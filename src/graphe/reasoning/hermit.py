"""HermiT's consistency check on an OWL 2 DL view of the graph, and French causes when it fails."""

from __future__ import annotations

import io
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from rdflib import OWL, RDF, RDFS, Dataset, Graph, Literal, Node, URIRef

from graphe import dataset
from graphe.errors import ReasoningFailed
from graphe.reasoning.partition import OWL2_DATATYPES
from graphe.reasoning.rules import BUILTIN_NAMESPACES, XSD, Closure, Rules, _is_datatype, _name


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` verified."""

    triples: int  # size of the OWL view handed to HermiT (the shared part counted once)
    seconds: float
    modules: int = 1  # how many modules HermiT checked apart
    refusal: str | None = None  # why the data was checked as one module, if it was


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


# --------------------------------------------------------------------------- HermiT


def check_owlready(ds: Dataset | Graph) -> CheckResult:
    """HermiT through owlready2 on the whole graph: the way :func:`check` used to do it.

    Kept as the reference the benchmark (bench/reasoning_scale.py) compares the new path with.
    """
    import owlready2
    from owlready2.base import OwlReadyInconsistentOntologyError, OwlReadyJavaError

    if shutil.which(owlready2.JAVA_EXE) is None:
        raise ReasoningFailed(
            f"Java introuvable ({owlready2.JAVA_EXE}) : HermiT, le raisonneur, tourne sur une JVM "
            "(paquet Debian default-jre-headless)"
        )
    asserted = dataset.union(ds)
    view = owl_view(asserted)
    size, data = len(view), view.serialize(format="nt", encoding="utf-8")
    del view  # at 300× a copy of every triple: not kept while Java runs
    started = time.perf_counter()
    world = owlready2.World()
    try:
        onto = world.get_ontology("https://w3id.org/contrats-de-ville/graphe/raisonnement")
        onto.load(fileobj=io.BytesIO(data), format="ntriples")
        del data
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except OwlReadyInconsistentOntologyError:
            raise inconsistent(asserted) from None
        except OwlReadyJavaError as exc:
            raise ReasoningFailed(f"HermiT a échoué : {str(exc).strip()[:2000]}") from None
        refuse_unsatisfiable([c.iri for c in world.inconsistent_classes()])
    finally:
        world.close()
    return CheckResult(triples=size, seconds=round(time.perf_counter() - started, 3))


def inconsistent(graph: Graph) -> ReasoningFailed:
    """The refusal of an inconsistent graph, with its causes in French (:func:`explain`)."""
    causes = explain(graph)
    listing = "\n".join(f"  - {c}" for c in causes) or (
        "  - aucune cause simple trouvée (classes disjointes, valeur unique, type de valeur) : "
        "lancer `graphe validate` et relire les derniers ajouts"
    )
    return ReasoningFailed(f"HermiT : l'ontologie et les données sont incohérentes.\n{listing}")


def refuse_unsatisfiable(iris) -> None:
    """Refuse, naming them, classes that can have no instance (owl:Nothing itself aside)."""
    unsatisfiable = sorted({_name(URIRef(iri)) for iri in iris if URIRef(iri) != OWL.Nothing})
    if unsatisfiable:
        raise ReasoningFailed(
            "HermiT : classes insatisfiables (aucune instance possible) : "
            + ", ".join(unsatisfiable)
            + " — revoir les axiomes de disjonction et de sous-classe de ontology/cdv.ttl"
        )


# --------------------------------------------------------------------------- the rules

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
