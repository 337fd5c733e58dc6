"""rudof (PyPI ``pyrudof``, a SHACL engine in Rust) as an optional, faster first pass; pySHACL stays the reference.

At France's size pySHACL is most of the build (≈ 480 s of 300×'s validation on 2 cores). rudof
reads the same ``ontology/shapes*.ttl`` and checks a batch several times faster. It is trusted
with one answer only — *this batch has no result at all* — and never writes the report:

- a batch rudof finds clean gets no result (the common case: valid data);
- a batch where rudof finds anything is validated again by pySHACL, whose results are the report
  (same messages, same report graph, same cache records as with pySHACL alone). A result of
  rudof's that pySHACL does not confirm therefore costs time, never a false violation;
- a shape rudof cannot read is not given to it. A SPARQL target (``sh:target`` with ``sh:select``,
  :data:`CDVSH.TermeOntologie`) is run by Oxigraph on the batch: when it selects a node, pySHACL
  validates the batch. Any other SPARQL feature (``sh:sparql`` constraints, custom components) or
  any constraint parameter outside :data:`TRUSTED` makes the engine refuse, in French, before
  anything runs: a check is never skipped in silence.

This is sound as long as rudof never misses a result pySHACL finds on the same data: the test
``tests/test_shacl_rudof.py`` runs both engines on every invalid case of ``tests/cases/invalid``
(every shape has one) and compares the shape and focus node they fire. Choosing the engine:
``graphe build --moteur-shacl rudof`` (or ``GRAPHE_MOTEUR_SHACL=rudof``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import SH

from graphe.errors import DataError

ENGINES = ("pyshacl", "rudof")
ENV = "GRAPHE_MOTEUR_SHACL"

#: The SHACL parameters rudof is trusted with: those of the shapes, each one fired by an invalid case
#: on both engines (tests/test_shacl_rudof.py). A shape using another one makes the engine refuse.
TRUSTED = {
    "targetClass", "targetSubjectsOf", "targetObjectsOf", "property", "path",
    "class", "datatype", "nodeKind", "minCount", "maxCount", "minInclusive", "minLength", "pattern",
    "languageIn", "uniqueLang", "lessThan", "not", "or", "hasValue",
    "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
}
#: What only describes a shape or names things: no constraint in it.
DESCRIPTIVE = {"name", "description", "message", "severity", "order", "group", "prefixes", "declare",
               "prefix", "namespace", "NodeShape", "PropertyShape", "Literal", "IRI", "BlankNode",
               "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral", "Violation", "Warning", "Info"}
#: What a SPARQL target is made of (run by Oxigraph, see :class:`Shapes`).
SPARQL_TARGET = {"target", "select", "SPARQLTarget"}


def engine(name: str | None = None) -> str:
    """The engine asked for (the option, else ``GRAPHE_MOTEUR_SHACL``, else pySHACL), checked."""
    name = (name or os.environ.get(ENV) or "pyshacl").strip().lower()
    if name not in ENGINES:
        raise DataError(f"moteur SHACL inconnu : « {name} » (au choix : {', '.join(ENGINES)})")
    if name == "rudof":
        try:
            import pyrudof  # noqa: F401
        except ImportError:
            raise DataError("le moteur SHACL rudof demande le paquet pyrudof : pip install pyrudof") from None
    return name


def version() -> str:
    from importlib.metadata import version as dist_version

    return dist_version("pyrudof")


@dataclass
class Shapes:
    """The shapes split for rudof: the Turtle it reads, and the SPARQL targets Oxigraph runs for pySHACL."""

    turtle: str  # every shape but those with a SPARQL target
    targets: dict[str, str]  # shape → its SPARQL SELECT, prefixes declared (selects ?this)


def split(shapes: Graph) -> Shapes:
    """Split ``shapes``; raise a French DataError when a shape needs what rudof is not trusted with."""
    sparql_shapes = {s for s in shapes.subjects(SH.target, None)}
    removed: set = set()
    targets: dict[str, str] = {}
    for shape in sorted(sparql_shapes, key=str):
        for target in shapes.objects(shape, SH.target):
            select = shapes.value(target, SH.select)
            if select is None or (target, RDF.type, SH.SPARQLTarget) not in shapes:
                raise DataError(f"{_name(shape)} : cible sh:target sans sh:select, que le moteur rudof ne sait pas "
                                "lire ; utiliser --moteur-shacl pyshacl")
            targets.setdefault(str(shape), "")
            targets[str(shape)] += _prefixes(shapes, target) + str(select) + "\n"
            removed |= _closure(shapes, target)
        removed.add(shape)
    for multi in list(targets):
        if targets[multi].count("SELECT") > 1:  # several targets: one query each would do, not needed yet
            raise DataError(f"{_name(URIRef(multi))} : plusieurs cibles SPARQL, que le moteur rudof ne sait pas "
                            "lire ; utiliser --moteur-shacl pyshacl")
    kept = Graph()
    refused = set()
    for s, p, o in shapes:
        if s in removed:
            continue
        kept.add((s, p, o))
        used = p if p != RDF.type else o  # a parameter, or a type (sh:SPARQLConstraint…)
        if isinstance(used, URIRef) and str(used).startswith(str(SH)):
            local = str(used)[len(str(SH)):]
            if local not in TRUSTED | DESCRIPTIVE:
                refused.add((_name(_owner(shapes, s)), local))
    if refused:
        shape, local = min(refused)
        raise DataError(f"{shape} : sh:{local} n'est pas vérifié pour le moteur rudof "
                        "(aucun cas invalide ne le compare à pySHACL) ; utiliser --moteur-shacl pyshacl")
    return Shapes(kept.serialize(format="turtle"), targets)


def _owner(shapes: Graph, node):
    """The named shape a blank node of the shapes graph hangs from (itself when named)."""
    seen = set()
    while isinstance(node, BNode) and node not in seen:
        seen.add(node)
        node = next(iter(shapes.subjects(None, node)), node)
    return node


def _closure(shapes: Graph, node) -> set:
    """``node`` and the blank nodes under it."""
    out, todo = {node}, [node]
    while todo:
        for o in shapes.objects(todo.pop(), None):
            if isinstance(o, BNode) and o not in out:
                out.add(o)
                todo.append(o)
    return out


def _prefixes(shapes: Graph, target) -> str:
    lines = []
    for declarations in shapes.objects(target, SH.prefixes):
        for declared in shapes.objects(declarations, SH.declare):
            prefix, namespace = shapes.value(declared, SH.prefix), shapes.value(declared, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _name(node) -> str:
    text = str(node)
    return "cdvsh:" + text.split("#", 1)[1] if "/formes#" in text else text


# --------------------------------------------------------------------------- one batch

_SESSIONS: dict = {}  # (process, shapes, purpose) → a rudof session: made after the pool forks (rudof's
# runtime does not survive a fork), its shapes read once


def _session(shapes: Shapes, purpose: str = "lots"):
    key = (os.getpid(), id(shapes), purpose)
    if key not in _SESSIONS:
        import pyrudof

        session = pyrudof.Rudof(pyrudof.RudofConfig())
        session.read_shacl(shapes.turtle, format=pyrudof.ShaclFormat.Turtle, reader_mode=pyrudof.ReaderMode.Strict)
        _SESSIONS.clear()  # one set of shapes at a time
        _SESSIONS[key] = session
    return _SESSIONS[key]


def needs_pyshacl(quads: list, shapes: Shapes, keep: set[str]) -> str | None:
    """Why pySHACL must validate this batch, or None: rudof found a result, or a SPARQL target selects a
    node, on a resource the batch reports (``keep``: its units' own IRIs) or on a blank node.

    pySHACL's results on other nodes (those of which a unit holds only the type) are dropped anyway
    (:func:`graphe.shacl_units._kept`): there rudof's are too.
    """
    import pyrudof

    session = _session(shapes)
    try:
        session.reset_data()
        data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
        session.read_data(data.decode("utf-8"), format=pyrudof.RDFFormat.NTriples, reader_mode=pyrudof.ReaderMode.Strict)
        report = session.validate_shacl(pyrudof.ShaclValidationMode.Native)
        session.reset_data()
    except Exception as exc:  # pyrudof's errors have no common base: whatever it cannot do, pySHACL does
        return f"rudof a échoué : {exc}"
    for result in report.violations:
        focus = str(result.focus_node)
        if focus.startswith("_:") or focus.strip("<>") in keep:
            return f"résultat rudof sur {focus}"
    if shapes.targets:
        store = ox.Store()
        store.bulk_extend(quads)
        for shape, query in shapes.targets.items():
            for row in store.query(query):
                if isinstance(row["this"], ox.BlankNode) or row["this"].value in keep:
                    return f"cible SPARQL de {_name(shape)}"
    return None


def fired(files: list[Path], shapes: Shapes, sources=None, base: int = 0) -> set[tuple[str | None, str | None]]:
    """(shape, focus node) of every result rudof finds on the union of ``files``, named as the report names
    them (:class:`graphe.validation_sources.Sources`, ``sources`` when the caller has them parsed) — for the
    test comparing the engines. The first ``base`` files stay loaded between calls that share them."""
    import pyrudof

    from graphe.validation_sources import Sources

    global _FIRED_BASE
    sources = sources or Sources.parse(files)
    session = _session(shapes, "fired")
    key = (id(session), *(id(g) for g in sources.graphs[:base]))
    if not base or _FIRED_BASE != key:
        session.reset_data()
        _FIRED_BASE = key if base else None
        _read(session, sources.graphs[:base] if base else sources.graphs)
    if base:
        session.begin_staging()
        _read(session, sources.graphs[base:])
    try:
        found = session.validate_shacl(pyrudof.ShaclValidationMode.Native).violations
    finally:
        if base:
            session.rollback_staging()
    return {(sources.name(_rdflib(v.source_shape)), sources.name(_rdflib(v.focus_node))) for v in found}


_FIRED_BASE = None


def _read(session, graphs: list[Graph]) -> None:
    import pyrudof

    text = "".join(g.serialize(format="nt") for g in graphs)
    if text.strip():
        session.read_data(text, format=pyrudof.RDFFormat.NTriples, reader_mode=pyrudof.ReaderMode.Strict, merge=True)


def _rdflib(text) -> URIRef | BNode:
    text = str(text)
    return BNode(text[2:]) if text.startswith("_:") else URIRef(text.strip("<>"))


def read_files(files: list[Path]) -> list:
    """The triples of ``files``, each file's blank nodes its own (two files may use the same label)."""
    from graphe.shacl_units import read_quads

    out = []
    for i, path in enumerate(files):
        out += relabel(read_quads(path), f"f{i}x")
    return out


def relabel(quads: list, prefix: str) -> list:
    """``quads`` with every blank node renamed ``{prefix}{label}``."""
    def term(t):
        return ox.BlankNode(prefix + t.value) if isinstance(t, ox.BlankNode) else t

    return [ox.Quad(term(q.subject), q.predicate, term(q.object)) for q in quads]


# --------------------------------------------------------------------------- a batch's data, as pySHACL gets it

def batch_quads(batch: list, subclass: list) -> list:
    """The triples :func:`graphe.shacl_units.validate_batch` gives pySHACL, as Oxigraph terms: each unit's
    file, the context it reads from other files, the types of what it cites, the subclass axioms."""
    from graphe.shacl_units import RDF_TYPE, SUBCLASS, read_quads

    files = {u.path for u in batch if not u.hub}
    wanted: dict[str, set] = {}
    for unit in batch:
        for path, iris in unit.context.items():
            if path not in files:
                wanted.setdefault(path, set()).update(iris)
    quads: list = []
    for i, path in enumerate(sorted(files)):
        quads += relabel(read_quads(Path(path)), f"u{i}x")
    for i, (path, iris) in enumerate(sorted(wanted.items())):
        quads += relabel(_about(read_quads(Path(path)), iris), f"c{i}x")
    kind, sub = ox.NamedNode(RDF_TYPE), ox.NamedNode(SUBCLASS)
    quads += [ox.Quad(ox.NamedNode(iri), kind, ox.NamedNode(cls)) for unit in batch for iri, cls in unit.types]
    quads += [ox.Quad(ox.NamedNode(a), sub, ox.NamedNode(b)) for a, b in subclass if not a.startswith("_:")]
    return quads


def _about(quads: list, iris: set[str]) -> list:
    """The quads about ``iris`` and the blank nodes hanging from them (as ``shacl_units._extract``)."""
    by_subject: dict = {}
    for q in quads:
        by_subject.setdefault(_key(q.subject), []).append(q)
    out, todo, seen = [], list(iris), set(iris)
    while todo:
        for q in by_subject.get(todo.pop(), ()):
            out.append(q)
            if isinstance(q.object, ox.BlankNode) and _key(q.object) not in seen:
                seen.add(_key(q.object))
                todo.append(_key(q.object))
    return out


def _key(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value
