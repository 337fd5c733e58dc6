"""Building the published dataset: parse → validate → check provenance → reason → write ``dist/``.

Invalid data never replaces valid data (DESIGN §1): every check runs before anything is
written, the outputs go to a fresh temporary directory beside ``dist/``, and that directory is
swapped in with one rename at the very end. A failure at any step raises a
:class:`graphe.errors.GrapheError` (its ``exit_code`` is the CLI's) and leaves the previous
``dist/`` byte-for-byte as it was.

The outputs are deterministic — the same inputs give the same bytes — so the version (the
SHA-256 of ``dataset.nq``) names the content. Blank nodes (passages, selectors, mentions) are
replaced by Skolem IRIs under ``…/id/.well-known/genid/`` derived from what they say and where
they hang (:func:`skolemize`), and every serialisation is sorted. Only ``build.json`` varies
between two builds of the same input (it records timings), which is why ``SHA256SUMS`` does not
list it.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, XSD, BNode, Dataset, Graph, Literal, URIRef
from rdflib.plugins.serializers.turtle import TurtleSerializer

from graphe import __version__, dataset, paths, provenance, stats
from graphe.draft.publication import refuse_drafts
from graphe.errors import DataError, GrapheError, ProvenanceError, ValidationFailed
from graphe.namespaces import (
    DCAT,
    GRAPH_ANNEXE,
    GRAPH_INFERENCES,
    GRAPH_ONTOLOGIE,
    GRAPH_REFERENTIEL,
    ID_BASE,
    QB,
    SD,
    SPDX,
    VOID,
    bind_all,
    curie,
    prefixes,
)

#: Where blank nodes become IRIs (RDF 1.1 §3.5 Skolemization, under the project's id space).
GENID = ID_BASE + ".well-known/genid/"

#: Named graphs in publication order, with the Turtle dump each one gets.
GRAPH_FILES = {
    GRAPH_ONTOLOGIE: "ontologie.ttl",
    GRAPH_ANNEXE: "annexe-1.ttl",
    GRAPH_REFERENTIEL: "referentiel.ttl",
    GRAPH_INFERENCES: "inferences.ttl",
}

#: Media types of the dumps (IANA), for the DCAT distributions.
MEDIA_TYPES = {
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
}



@dataclass
class BuildResult:
    """What a successful build produced."""

    dist: Path
    version: str
    triples: dict[str, int]
    timings: dict[str, float]
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"jeu de données construit dans {self.dist}", f"version {self.version}"]
        lines += [f"  {g}: {n} triplets" for g, n in self.triples.items()]
        lines.append("durées: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items()))
        return "\n".join(lines)


# --------------------------------------------------------------------------- the pipeline


def build(dist: Path | None = None) -> BuildResult:
    """Build the dataset into ``dist`` (default ``paths.DIST``); raise a GrapheError on failure."""
    dist = Path(dist) if dist is not None else paths.DIST
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = round(now - clock, 3)
        clock = now

    files = dataset.ontology_files() + dataset.data_files()
    if not files:
        raise DataError(f"aucun fichier Turtle dans {paths.ONTOLOGY} ni {paths.DATA_TTL}")
    if not paths.SOURCE.is_file():
        raise DataError(f"{paths.SOURCE}: annexe source introuvable")
    ds = dataset.load(files)
    lap("lecture")

    report = _validate(files)
    refuse_drafts(ds)
    lap("validation")

    anchors = check_provenance(ds, files)
    lap("provenance")

    ds = skolemize(ds)
    inferred = _reason(ds)
    target = ds.graph(GRAPH_INFERENCES)
    for triple in inferred:
        target.add(triple)
    lap("raisonnement")

    try:
        dist.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dist.name}-", dir=dist.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; dist/ is published (served, downloaded)
    except OSError as exc:
        raise GrapheError(f"{dist}: écriture impossible: {exc}") from None
    try:
        version, triples, written = write_outputs(ds, report, tmp, files, anchors, timings)
        lap("ecriture")
        _record_timings(tmp, timings)
        _swap(tmp, dist)
    except OSError as exc:
        raise GrapheError(f"{dist}: écriture impossible, le précédent jeu reste en place: {exc}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return BuildResult(dist, version, triples, timings, written)


def _validate(files: list[Path]):
    """SHACL + cross-entity checks; a failure carries the readable report."""
    from graphe.validate import validate

    report = validate(files)
    if not report.conforms:
        n = len(report.violations)
        raise ValidationFailed(f"validation: {n} violation(s), rien n'est publié", report=report.text())
    return report


def _reason(ds: Dataset) -> Graph:
    """HermiT consistency, then the entailments (``infer`` leaves out what is asserted)."""
    from graphe import reasoning

    reasoning.check(ds)
    return reasoning.infer(ds)


def check_provenance(ds: Dataset, files: list[Path] = ()) -> int:
    """Every quote must be at its offsets in the annex; return how many anchors hold.

    The error names, for each wrong anchor, the file that states it and the resource it anchors.
    """
    union = dataset.union(ds)
    try:
        text = paths.SOURCE.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{paths.SOURCE}: {exc}") from None
    found = provenance.anchors(union)
    bad = [(a, p) for a in found if (p := a.problem(text))]
    if bad:
        stated_in = {}
        for f in files:
            for a in provenance.anchors(dataset.parse_file(f)):
                stated_in.setdefault((a.exact, a.start, a.end), _rel(f))
        problems = sorted(
            f"{stated_in.get((a.exact, a.start, a.end), '?')}: {provenance.describe(union, a.target)}: {p}" for a, p in bad
        )
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ProvenanceError(f"{len(problems)} citation(s) absente(s) de leurs positions dans {paths.SOURCE.name}:\n{listing}")
    return len(found)




# --------------------------------------------------------------------------- skolemization


def skolemize(ds: Dataset) -> Dataset:
    """A copy of ``ds`` whose blank nodes are Skolem IRIs that depend only on the data.

    A blank node's name hashes what it says (its outgoing triples, recursively) and where it
    hangs (the subjects and properties pointing to it, by their own final names), so it does
    not depend on parse order. Blank nodes that agree on both are interchangeable copies; they
    are numbered in any order, which gives the same bytes whatever the order.

    >>> from rdflib import Dataset, URIRef, BNode, Literal
    >>> a, b, p = URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:p")
    >>> def one():
    ...     d = Dataset(); g = d.graph(URIRef("urn:g")); n = BNode()
    ...     g.add((a, p, n)); g.add((n, p, Literal("x"))); g.add((b, p, BNode()))
    ...     return sorted(skolemize(d).quads((None, None, None, None)))
    >>> one() == one()
    True
    """
    quads = [(s, p, o, g) for s, p, o, g in ds.quads((None, None, None, None)) if g is not None]
    names = skolem_names(quads)

    def sk(term):
        return URIRef(GENID + names[term]) if isinstance(term, BNode) else term

    out = bind_all(Dataset())
    for s, p, o, g in quads:
        out.graph(g).add((sk(s), p, sk(o)))
    return out


def skolem_names(quads: list[tuple]) -> dict[BNode, str]:
    """Stable names (hex) for the blank nodes of ``quads``."""
    out_edges: dict[BNode, list[tuple]] = defaultdict(list)
    in_edges: dict[BNode, list[tuple]] = defaultdict(list)
    graphs: dict[BNode, set[str]] = defaultdict(set)
    for s, p, o, g in quads:
        if isinstance(s, BNode):
            out_edges[s].append((p, o))
            graphs[s].add(str(g))
        if isinstance(o, BNode):
            in_edges[o].append((s, p, g))
            graphs[o].add(str(g))
    bnodes = set(graphs)

    content: dict[BNode, str] = {}

    def content_hash(b: BNode, stack: frozenset = frozenset()) -> str:
        if b in content:
            return content[b]
        if b in stack:  # a cycle of blank nodes: cut it, deterministically
            return "cycle"
        lines = sorted(
            f"{p.n3()} {content_hash(o, stack | {b}) if isinstance(o, BNode) else o.n3()}" for p, o in out_edges[b]
        )
        lines += sorted(graphs[b])
        content[b] = _sha("\n".join(lines))
        return content[b]

    # Kahn layers: a blank node is named once every blank node pointing to it has its name.
    parents = {b: {s for s, _, _ in in_edges[b] if isinstance(s, BNode)} for b in bnodes}
    names: dict[BNode, str] = {}
    layer = [b for b in bnodes if not parents[b]]
    remaining = set(bnodes)
    while remaining:
        if not layer:  # only cycles left: name them by content and IRI context alone
            layer = list(remaining)
        raw: dict[str, list[BNode]] = defaultdict(list)
        for b in layer:
            context = sorted(
                f"{names.get(s, 'cycle') if isinstance(s, BNode) else s.n3()} {p.n3()} {g}" for s, p, g in in_edges[b]
            )
            raw[_sha(content_hash(b) + "\n" + "\n".join(context))].append(b)
        for label, same in raw.items():
            for i, b in enumerate(same):
                names[b] = label[:32] if len(same) == 1 else f"{label[:32]}-{i}"
        remaining -= set(layer)
        layer = [b for b in remaining if parents[b] <= names.keys()]
    return names


def relabel(graph: Graph) -> Graph:
    """A copy of ``graph`` whose blank nodes have stable labels (named as :func:`skolemize` would).

    For the documents about the data (VoID, SHACL report): they keep their blank nodes, which
    rdflib's Turtle writer then nests as ``[ … ]`` in an order that depends only on the labels.
    """
    name = URIRef("urn:x-graphe:tmp")
    quads = [(s, p, o, name) for s, p, o in graph]
    names = skolem_names(quads)
    out = bind_all(Graph())
    for prefix, ns in graph.namespaces():
        if prefix not in prefixes():
            out.bind(prefix, ns)
    for s, p, o, _ in quads:
        out.add((BNode("b" + names[s]) if isinstance(s, BNode) else s, p, BNode("b" + names[o]) if isinstance(o, BNode) else o))
    return out


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- serialisations


def named_graphs(ds: Dataset) -> dict[URIRef, Graph]:
    """The non-empty named graphs, in publication order (known graphs first, then by IRI)."""
    order = list(GRAPH_FILES)
    found = {g.identifier: g for g in ds.graphs() if len(g) and str(g.identifier) != "urn:x-rdflib:default"}
    return dict(sorted(found.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), str(kv[0]))))


def to_nquads(ds: Dataset) -> str:
    """N-Quads, one line per quad, sorted."""
    out = Dataset()
    for name, g in named_graphs(ds).items():
        target = out.graph(name)
        for t in g:
            target.add(t)
    with warnings.catch_warnings():  # rdflib's N-Quads writer still calls Dataset.contexts()
        warnings.simplefilter("ignore", DeprecationWarning)
        lines = out.serialize(format="nquads").splitlines()
    return "".join(sorted(f"{line}\n" for line in lines if line.strip()))


class LexicalTurtle(TurtleSerializer):
    """rdflib's Turtle writer, except that a literal keeps its lexical form.

    rdflib writes numbers bare and rewrites them on the way (``"14"^^xsd:decimal`` becomes
    ``14.0``): a different RDF term, so the Turtle dumps would disagree with the N-Quads. A
    literal is written bare only when the bare form is its lexical form.
    """

    def label(self, node, position):
        if isinstance(node, Literal) and node.datatype is not None:
            plain = super().label(node, position)
            if plain.startswith('"') or plain == str(node):
                return plain
            return node._literal_n3(use_plain=False, qname_callback=lambda dt: self.get_pname(dt, True))
        return super().label(node, position)


def serialize_turtle(graph: Graph) -> str:
    """``graph`` in Turtle through :class:`LexicalTurtle` (rdflib sorts subjects and objects)."""
    buffer = io.BytesIO()
    LexicalTurtle(graph).serialize(buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def to_turtle(graph: Graph) -> str:
    """Turtle with the project's prefixes (only those used)."""
    g = bind_all(Graph())
    g += graph
    return serialize_turtle(g)


def _split_prefixes(turtle: str) -> tuple[list[str], str]:
    head, body = [], []
    for line in turtle.splitlines():
        (head if line.startswith("@prefix") else body).append(line)
    return head, "\n".join(body).strip("\n")


def to_trig(ds: Dataset) -> str:
    """TriG: the union of the prefixes used, then each named graph's Turtle in publication order."""
    heads: set[str] = set()
    blocks = []
    for name, g in named_graphs(ds).items():
        head, body = _split_prefixes(to_turtle(g))
        heads.update(head)
        # not indented: a multi-line literal would change
        blocks.append(f"<{name}> {{\n{body}\n}}\n")
    return "\n".join(sorted(heads)) + "\n\n" + "\n".join(blocks)


def to_jsonld(ds: Dataset) -> str:
    """JSON-LD (flattened, one node object per subject per graph), sorted, compact IRIs by the prefix table."""
    table = prefixes()
    by_length = sorted(table.items(), key=lambda kv: -len(kv[1]))

    def compact(iri: str) -> str:
        for prefix, ns in by_length:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns) :].startswith("//"):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def value(o):
        if isinstance(o, Literal):
            v: dict = {"@value": str(o)}
            if o.language:
                v["@language"] = o.language
            elif o.datatype and o.datatype != XSD.string:
                v["@type"] = compact(str(o.datatype))
            return v
        return {"@id": compact(str(o))}

    def sort_key(v: dict) -> tuple:
        return tuple(sorted(v.items()))

    graphs = []
    for name, g in named_graphs(ds).items():
        nodes = []
        for s in sorted(set(g.subjects())):
            node: dict = {"@id": compact(str(s))}
            types = sorted(compact(str(t)) for t in g.objects(s, RDF.type))
            if types:
                node["@type"] = types
            for p in sorted(set(g.predicates(s)) - {RDF.type}):
                node[compact(str(p))] = sorted((value(o) for o in g.objects(s, p)), key=sort_key)
            nodes.append(node)
        graphs.append({"@id": compact(str(name)), "@graph": nodes})
    doc = {"@context": dict(table), "@graph": graphs}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


# --------------------------------------------------------------------------- VoID + DCAT


def dataset_iri(ds: Dataset) -> URIRef:
    """The dataset as the referentiel describes it (a void:Dataset or dcat:Dataset that is not the qb cube)."""
    ref = ds.graph(GRAPH_REFERENTIEL)
    candidates = sorted(
        {s for cls in (VOID.Dataset, DCAT.Dataset) for s in ref.subjects(RDF.type, cls)} - set(ref.subjects(RDF.type, QB.DataSet))
    )
    if not candidates:
        raise DataError("referentiel: aucun jeu de données décrit (void:Dataset ou dcat:Dataset) pour porter la description VoID")
    return URIRef(candidates[0])


def void_graph(ds: Dataset, st: stats.DatasetStats, dumps: dict[str, bytes], version: str) -> Graph:
    """VoID + DCAT: triples per graph, class and property partitions, dumps with checksums, version."""
    g = bind_all(Graph())
    d = dataset_iri(ds)
    nni = XSD.nonNegativeInteger

    def count(n: int) -> Literal:
        return Literal(n, datatype=nni)

    def term(nt: str) -> URIRef:
        return URIRef(nt[1:-1])

    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCAT.version, Literal(version)))
    g.add((d, VOID.uriSpace, Literal(ID_BASE)))
    u = st.union
    g.add((d, VOID.triples, count(u.triples)))
    g.add((d, VOID.distinctSubjects, count(len(u.subjects))))
    g.add((d, VOID.distinctObjects, count(len(u.objects))))
    g.add((d, VOID.properties, count(len(u.properties))))
    g.add((d, VOID.classes, count(len(u.classes))))
    for cls, members in u.classes.items():
        part = BNode()
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], term(cls)))
        g.add((part, VOID.entities, count(len(members))))
    for prop, n in u.properties.items():
        part = BNode()
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, term(prop)))
        g.add((part, VOID.triples, count(n)))
    for name, gs in st.graphs.items():
        sub = term(name)
        g.add((d, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, SD.name, sub))
        g.add((sub, VOID.triples, count(gs.triples)))
        g.add((sub, VOID.classes, count(len(gs.classes))))
        g.add((sub, VOID.properties, count(len(gs.properties))))
        dump = GRAPH_FILES.get(sub)
        if dump:
            g.add((sub, VOID.dataDump, URIRef(dump)))
    for fname, data in sorted(dumps.items()):
        dist = URIRef(fname)  # relative: resolves beside void.ttl wherever dist/ is published
        media = MEDIA_TYPES[Path(fname).suffix]
        if fname.startswith("dataset."):
            g.add((d, VOID.dataDump, dist))
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, dist))
        g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{media}")))
        g.add((dist, DCAT.byteSize, count(len(data))))
        checksum = BNode()
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)))
    # skolemize the partitions and checksums so the file is stable too
    return relabel(g)


# --------------------------------------------------------------------------- writing


def write_outputs(
    ds: Dataset, report, out: Path, files: list[Path], anchors: int, timings: dict[str, float]
) -> tuple[str, dict[str, int], list[str]]:
    """Write every output into ``out``; return (version, triples per graph, file names)."""
    dumps: dict[str, bytes] = {}
    nquads = to_nquads(ds).encode("utf-8")
    version = hashlib.sha256(nquads).hexdigest()
    dumps["dataset.nq"] = nquads
    dumps["dataset.trig"] = to_trig(ds).encode("utf-8")
    graphs = named_graphs(ds)
    for name in [*GRAPH_FILES, *(g for g in graphs if g not in GRAPH_FILES)]:
        fname = GRAPH_FILES.get(name, f"{str(name).rstrip('/').rsplit('/', 1)[-1]}.ttl")
        dumps[fname] = to_turtle(graphs.get(name, Graph())).encode("utf-8")  # empty graphs too: a fixed set of files
    dumps["dataset.jsonld"] = to_jsonld(ds).encode("utf-8")

    st = stats.compute(stats.rdflib_quads(ds))
    other: dict[str, bytes] = {}
    other["void.ttl"] = serialize_turtle(void_graph(ds, st, dumps, version)).encode("utf-8")
    other["shacl-report.ttl"] = _report_turtle(report).encode("utf-8")
    other["shacl-report.txt"] = (report.text().rstrip("\n") + "\n").encode("utf-8")

    for fname, data in {**dumps, **other}.items():
        (out / fname).write_bytes(data)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {fname}\n" for fname, data in sorted({**dumps, **other}.items()))
    (out / "SHA256SUMS").write_text(sums, encoding="utf-8")

    triples = {_short(g): n for g, n in st.triples_per_graph().items()}
    triples["total"] = st.union.triples
    meta = {
        "version": version,
        "graphe": __version__,
        "source": {
            "annexe": {"file": _rel(paths.SOURCE), "sha256": _file_sha(paths.SOURCE)},
            "files": {_rel(p): _file_sha(p) for p in files},
        },
        "counts": {
            "triples": triples,
            "instances": {_short(c): n for c, n in st.instances().items()},
            "anchors": anchors,
            "inferences": len(ds.graph(GRAPH_INFERENCES)),
        },
        "timings": {},
        "files": sorted([*dumps, *other, "SHA256SUMS"]),
    }
    (out / "build.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return version, triples, sorted([*dumps, *other, "SHA256SUMS", "build.json"])


def _record_timings(out: Path, timings: dict[str, float]) -> None:
    path = out / "build.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    timings["total"] = round(sum(v for k, v in timings.items() if k != "total"), 3)
    meta["timings"] = timings
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _report_turtle(report) -> str:
    g = report.graph
    if g is None:
        return ""
    return serialize_turtle(relabel(g))


def _short(nt_or_iri: str) -> str:
    iri = nt_or_iri[1:-1] if nt_or_iri.startswith("<") else nt_or_iri
    return curie(iri) or iri


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT.resolve()))
    except ValueError:
        return str(path)


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the swap


def _swap(new: Path, dist: Path) -> None:
    """Put ``new`` in place of ``dist`` in one step; ``new`` then holds the old output (removed by the caller)."""
    if not dist.exists():
        os.rename(new, dist)
        return
    if _exchange(new, dist):
        return
    # No renameat2 (not Linux, or a file system without RENAME_EXCHANGE): two renames, undone on failure.
    old = new.with_name(new.name + "-ancien")
    os.rename(dist, old)
    try:
        os.rename(new, dist)
    except OSError:
        os.rename(old, dist)
        raise
    shutil.rmtree(new, ignore_errors=True)
    os.rename(old, new)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with Linux renameat2(RENAME_EXCHANGE); False when unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def ensure_built(dist: Path | None = None) -> Path:
    """``dist`` (default ``paths.DIST``), building it first when it holds no dataset yet."""
    dist = Path(dist) if dist is not None else paths.DIST
    if not (dist / "dataset.nq").is_file():
        build(dist)
    return dist


def open_store(dist: Path | None = None):
    """The built dataset (``dist/dataset.nq``) in an in-memory Oxigraph store, for queries and stats."""
    import pyoxigraph as ox

    dist = Path(dist) if dist is not None else paths.DIST
    nq = dist / "dataset.nq"
    if not nq.is_file():
        raise DataError(f"{nq}: jeu de données non construit (lancer `graphe build`)")
    store = ox.Store()
    try:
        store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, OSError) as exc:
        raise DataError(f"{nq}: {exc}") from None
    return store
