"""SHACL validation file by file: each file with the context its resources need, in parallel, cached.

pySHACL on the union of every file costs the whole dataset at every build and again when one
file changes; at France's size (≈ 2 M triples) that is the build's longest stage. Each file is
validated instead as a *unit*:

- every triple, in any file, about a resource the file describes (its subjects) or cites (the
  IRIs it links to, rdf:type aside): a resource stated in several files is checked whole;
- the rdf:type of every IRI those resources cite (what ``sh:class`` checks);
- every ``rdfs:subClassOf`` of the project (what ``sh:targetClass`` and ``sh:class`` follow).

The shapes check a node through its own triples and its values' types only (no ``sh:node``, no
path longer than one step, no SPARQL constraint: ``tests/test_validation_units.py`` keeps it
so), so pySHACL finds on those resources exactly what it finds on the whole graph. A result on a
node of which the unit holds only the type is dropped: that node's own unit reports it. What a
unit reads grows with the file, not with the dataset.

A unit's result is cached under a key made of its content: the file's bytes and path, the bytes
of every file its context comes from, the types it was given, the subclass axioms and the rules
(:func:`graphe.validation_cache.rules_digest`: shapes, prefixes, graphe's version and code).
Anything a unit read that changes gives another key, so a cache hit can never hide a violation;
a file nobody touched, whose context nobody touched, is not re-validated. Units not in the cache
are validated in batches (pySHACL's fixed cost per call is ~25 ms) in a process pool.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict, deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from graphe import dataset
from graphe.errors import DataError
from graphe.validation_cache import Cache, digest, file_digest

RDF_TYPE = str(RDF.type)
SUBCLASS = str(RDFS.subClassOf)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Triples per pySHACL call: large enough that its fixed cost does not count, small enough to share out.
BATCH_TRIPLES = 40_000
#: A resource described in more files than this is a hub: checked once on its own (:meth:`Plan._hub`).
HUB_FILES = 16
#: From how many files to read their summaries in a pool.
PARALLEL_FILES = 64
#: What a file's summary looks like; a new layout gets new cache keys.
SUMMARY_FORMAT = "2"


# --------------------------------------------------------------------------- reading files fast


def read_quads(path: Path) -> list:
    """The file's triples as Oxigraph terms (its parser is ~20× rdflib's); rdflib names a syntax error."""
    try:
        return list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=Path(path).resolve().as_uri()))
    except (SyntaxError, ValueError, OSError):
        graph = dataset.parse_file(Path(path))  # a French DataError naming file and line, or rdflib's reading
        from graphe.checks import _Terms

        terms = _Terms()
        return [ox.Quad(terms.ox(s), terms.ox(p), terms.ox(o)) for s, p, o in graph]


def summarize(path: Path) -> dict:
    """What the plan needs of a file: per IRI it describes, the IRIs it cites and its types.

    A blank node's triples count for the IRI it hangs from (``""`` when it hangs from none).
    """
    quads = read_quads(path)
    parent: dict[str, str] = {}
    for q in quads:
        if isinstance(q.object, ox.BlankNode) and isinstance(q.subject, (ox.NamedNode, ox.BlankNode)):
            parent.setdefault(q.object.value, _key(q.subject))

    def owner(key: str) -> str:
        seen = set()
        while key.startswith("_:") and key not in seen:
            seen.add(key)
            key = parent.get(key[2:], "")
        return "" if key.startswith("_:") else key

    refs: dict[str, set] = defaultdict(set)
    types: dict[str, set] = defaultdict(set)
    subclass = []
    for q in quads:
        s = owner(_key(q.subject))
        refs[s]  # every described IRI is a key
        if q.predicate.value == RDF_TYPE:
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                types[q.subject.value].add(q.object.value)
        elif isinstance(q.object, ox.NamedNode):
            refs[s].add(q.object.value)
        if q.predicate.value == SUBCLASS and isinstance(q.object, ox.NamedNode):
            subclass.append((_key(q.subject), q.object.value))
    return {
        "triples": len(quads),
        "refs": {s: sorted(r) for s, r in refs.items()},
        "types": {s: sorted(t) for s, t in types.items()},
        "subclass": sorted(subclass),
    }


def _key(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


# --------------------------------------------------------------------------- the plan


@dataclass
class Unit:
    """One file and what its validation reads."""

    index: int
    path: str
    context: dict[str, list[str]]  # other file → the IRIs whose triples are taken from it
    keep: list[str]  # IRIs whose results this unit reports (their triples are all in it)
    types: list[tuple[str, str]]  # (IRI, class) of the values those resources cite
    triples: int
    key: str
    hub: bool = False  # a resource described in many files, validated once on its own (``path`` is "")


class Plan:
    """Every file's unit, from the files' summaries (cached by content, so only changed files are read)."""

    def __init__(self, files: list[Path], cache: Cache, rules: str, workers: int | None = None):
        self.files = [Path(f) for f in files]
        self.hashes = [_digest(f) for f in self.files]
        self.summaries = self._summaries(cache, workers)
        self.where: dict[str, list[int]] = defaultdict(list)
        self.types: dict[str, set] = defaultdict(set)
        self.subclass = sorted({tuple(p) for s in self.summaries for p in s["subclass"]})
        for i, summary in enumerate(self.summaries):
            for iri in summary["refs"]:
                if iri:
                    self.where[iri].append(i)
            for iri, classes in summary["types"].items():
                self.types[iri].update(classes)
        self.hubs = {iri for iri, found in self.where.items() if len(found) > HUB_FILES}
        base = digest("unités", rules, repr(self.subclass))
        self.units = [self._unit(i, base) for i in range(len(self.files))]
        self.units += [self._hub(k, iri, base) for k, iri in enumerate(sorted(self.hubs))]

    def _summaries(self, cache: Cache, workers: int | None) -> list[dict]:
        keys = [digest("résumé", SUMMARY_FORMAT, h) for h in self.hashes]
        found = [cache.get(k) for k in keys]
        missing = [i for i, s in enumerate(found) if s is None]
        paths = [self.files[i] for i in missing]
        for i, summary in zip(missing, _map(summarize, paths, workers, len(paths) >= PARALLEL_FILES)):
            cache.put(keys[i], summary)
            found[i] = summary
        return found

    def declares_ontology(self) -> bool:
        owl_ontology = "http://www.w3.org/2002/07/owl#Ontology"
        return any(owl_ontology in classes for s in self.summaries for classes in s["types"].values())

    def _unit(self, i: int, base: str) -> Unit:
        own = self.summaries[i]["refs"]
        cited = {iri for refs in own.values() for iri in refs}
        whole = ({iri for iri in own if iri} | cited) - self.hubs  # resources whose every triple the unit holds
        context: dict[int, set] = defaultdict(set)
        beyond: set[str] = set()
        for iri in whole:
            for j in self.where.get(iri, ()):
                if j != i:
                    context[j].add(iri)
                beyond.update(self.summaries[j]["refs"][iri])
        beyond |= self.hubs & ({iri for iri in own if iri} | cited)  # a hub: its types only, it has its own unit
        types = sorted((iri, c) for iri in beyond - whole for c in self.types.get(iri, ()))
        files = sorted(context)
        key = digest(base, str(self.files[i]), self.hashes[i],
                     *(f"{self.files[j]} {self.hashes[j]}" for j in files), repr(types))
        triples = self.summaries[i]["triples"] + len(types) + sum(
            self.summaries[j]["triples"] * len(context[j]) // max(1, len(self.summaries[j]["refs"])) for j in files)
        return Unit(i, str(self.files[i]), {str(self.files[j]): sorted(context[j]) for j in files},
                    sorted(whole), types, triples, key)


    def _hub(self, k: int, iri: str, base: str) -> Unit:
        """A resource stated in more than ``HUB_FILES`` files (the dataset's description, a source
        document every replica cites): its whole description is checked here, once, so that no file's
        unit reads hundreds of files; the files' units see only its types."""
        files = self.where[iri]
        beyond = {ref for j in files for ref in self.summaries[j]["refs"][iri]} - {iri}
        types = sorted((ref, c) for ref in beyond for c in self.types.get(ref, ()))
        key = digest(base, "nœud partagé", iri, *(f"{self.files[j]} {self.hashes[j]}" for j in files), repr(types))
        return Unit(len(self.files) + k, "", {str(self.files[j]): [iri] for j in files}, [iri], types,
                    len(files) * 4 + len(types), key, hub=True)


def _digest(path: Path) -> str:
    try:
        return file_digest(path)
    except OSError as exc:
        dataset.parse_file(path)  # says it in French: missing, a directory, not readable…
        raise DataError(f"{path}: illisible : {exc}") from None


def batches(units: list[Unit], size: int | None = None) -> list[list[Unit]]:
    """Units cut into batches of about ``size`` triples, those that read each other's files side by side
    (:func:`neighbourly`): a batch then holds its context instead of reading it again."""
    size = size or BATCH_TRIPLES
    out: list[list[Unit]] = [[]]
    total = 0
    for unit in neighbourly(units):
        if out[-1] and total + unit.triples > size:
            out.append([])
            total = 0
        out[-1].append(unit)
        total += unit.triples
    return [b for b in out if b]


def neighbourly(units: list[Unit]) -> list[Unit]:
    """``units`` with the files that cite one another next to each other: from each file in turn (in file
    order), every file linked to it through the context its units read, breadth first — but not
    through a file that more than ``HUB_FILES`` others read (a vocabulary) or that reads more than
    ``HUB_FILES`` others; the shared nodes' units (hubs) last, as before.

    File order puts a commune's file beside other communes' files of the same name: at 300× a batch
    of 26 such files read 113 other files as context, 4.5 times its own data, parsed and validated
    again in every batch that cites them.
    """
    files = [u for u in units if not u.hub]
    by_path = {u.path: u for u in files}
    readers: dict[str, list[str]] = defaultdict(list)
    for u in files:
        for path in u.context:
            if path in by_path:
                readers[path].append(u.path)
    links: dict[str, set[str]] = defaultdict(set)
    for path, read_by in readers.items():
        if len(read_by) <= HUB_FILES:  # a vocabulary every file reads (the ontology…) links nothing,
            for reader in read_by:  # nor does a file that reads every file (the ontology again)
                if len(by_path[reader].context) <= HUB_FILES:
                    links[reader].add(path)
                    links[path].add(reader)
    out: list[Unit] = []
    seen: set[str] = set()
    for start in sorted(files, key=lambda u: u.index):
        if start.path in seen:
            continue
        seen.add(start.path)
        todo = deque([start.path])
        while todo:
            path = todo.popleft()
            out.append(by_path[path])
            for nxt in sorted(links[path] - seen, key=lambda p: by_path[p].index):
                seen.add(nxt)
                todo.append(nxt)
    return out + sorted((u for u in units if u.hub), key=lambda u: u.index)


# --------------------------------------------------------------------------- validating a batch

_SHAPES: Graph | None = None  # set in the parent before the pool forks: the workers inherit it
_ORDER: dict[str, int] = {}  # file → its rank in the project (the report names the first file stating a triple)
_SUBCLASS: list = []
_PROJECT = None  # the project whose prefixes name the nodes of the report
_RUDOF = None  # the shapes split for rudof (graphe.shacl_rudof) when it makes the first pass, else None


def run(units: list[Unit], shapes: Graph, order: list[Path], subclass: list, project, workers: int | None = None,
        rudof=None):
    """(unit key, its results) as batches finish (see :func:`validate_batch`), in a pool when it pays.
    ``rudof``: :func:`graphe.shacl_rudof.split` of the shapes, for rudof's first pass."""
    global _SHAPES, _ORDER, _SUBCLASS, _PROJECT, _RUDOF
    _SHAPES, _ORDER, _SUBCLASS, _PROJECT = _copy(shapes), {str(p): i for i, p in enumerate(order)}, subclass, project
    _RUDOF = rudof
    todo = batches(units)
    for found in _map(validate_batch, todo, workers, len(todo) > 1):
        yield from found.items()


def _copy(shapes: Graph) -> Graph:
    """pySHACL adds a few axioms to the shapes graph it is given (``owl:Class rdfs:subClassOf
    rdfs:Class``…): it gets a copy, so that the parsed shapes the build publishes as
    ``formes.ttl`` do not depend on whether a cold cache made it run."""
    out = Graph()
    for prefix, namespace in shapes.namespaces():
        out.bind(prefix, namespace)
    out += shapes
    return out


def _map(fn, items: list, workers: int | None, parallel: bool):
    """``fn`` over ``items``, in a pool of forked processes (they inherit the shapes) when it pays."""
    workers = min(workers or os.cpu_count() or 1, len(items))
    if workers <= 1 or not parallel:
        yield from map(fn, items)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(fn, items, chunksize=1 if fn is validate_batch else 16)


def validate_batch(batch: list[Unit]) -> dict[str, list]:
    """pySHACL once on the batch's units; each unit's results as records (:func:`record`).
    With rudof's first pass, a batch rudof finds clean has no result and pySHACL does not run."""
    from graphe.validate import Sources

    if _RUDOF is not None:
        from graphe import shacl_rudof

        keep = {iri for unit in batch for iri in unit.keep}
        if shacl_rudof.needs_pyshacl(shacl_rudof.batch_quads(batch, _SUBCLASS), _RUDOF, keep) is None:
            return {unit.key: [] for unit in batch}

    data = Graph()
    parts: dict[str, Graph] = {}
    for unit in batch:
        if not unit.hub:
            parts[unit.path] = dataset.parse_file(Path(unit.path))
    wanted: dict[str, set] = defaultdict(set)
    for unit in batch:
        for path, iris in unit.context.items():
            if path not in parts:
                wanted[path].update(iris)
    for path, iris in wanted.items():
        parts[path] = _extract(Path(path), iris)
    for part in parts.values():
        data += part
    extra = Graph()
    for unit in batch:
        for iri, cls in unit.types:
            extra.add((URIRef(iri), RDF.type, URIRef(cls)))
    for sub, sup in _SUBCLASS:
        if not sub.startswith("_:"):
            extra.add((URIRef(sub), RDFS.subClassOf, URIRef(sup)))
    data += extra

    _, results, _ = shacl_validate(data, shacl_graph=_SHAPES, inference="none", advanced=True,
                                   allow_warnings=True, inplace=True)
    ordered = sorted(parts, key=lambda p: _ORDER.get(p, len(_ORDER)))
    sources = Sources([], [], _PROJECT)
    sources.files, sources.graphs, sources.union = [Path(p) for p in ordered], [parts[p] for p in ordered], data
    found = list(results.subjects(RDF.type, SH.ValidationResult))
    out: dict[str, list] = {}
    for unit in batch:
        mine = parts[unit.path] if not unit.hub else Graph()
        keep = {URIRef(iri) for iri in unit.keep}
        out[unit.key] = [record(sources, results, r) for r in found
                         if _kept(results.value(r, SH.focusNode), keep, mine, sources)]
    return out


def _kept(focus, keep: set, mine: Graph, sources) -> bool:
    if isinstance(focus, BNode):
        if (focus, None, None) in mine or (None, None, focus) in mine:
            return True
        owner, _ = sources.owner(focus)
        return owner in keep
    return focus in keep


def _extract(path: Path, iris: set[str]) -> Graph:
    """The triples of ``path`` about ``iris`` and the blank nodes hanging from them."""
    quads = read_quads(path)
    by_subject: dict[str, list] = defaultdict(list)
    for q in quads:
        by_subject[_key(q.subject)].append(q)
    graph, bnodes = Graph(), {}
    todo = list(iris)
    seen = set(todo)
    while todo:
        for q in by_subject.get(todo.pop(), ()):
            graph.add((_rdflib(q.subject, bnodes), _rdflib(q.predicate, bnodes), _rdflib(q.object, bnodes)))
            if isinstance(q.object, ox.BlankNode) and _key(q.object) not in seen:
                seen.add(_key(q.object))
                todo.append(_key(q.object))
    return graph


def _rdflib(term, bnodes: dict):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return bnodes.setdefault(term.value, BNode())
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:  # rdflib reads "x" as a literal without datatype
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def record(sources, results: Graph, result) -> dict:
    """A result as JSON: the Violation's fields and the result's own triples (for the report graph)."""
    found = sources.shacl_violation(results, result)
    triples = [(p.n3(), o.n3()) for p, o in results.predicate_objects(result) if not isinstance(o, BNode)
               or p == SH.focusNode or p == SH.value]
    return {"violation": found.__dict__.copy(), "triples": triples}
