"""The dataset's description of itself: VoID + DCAT (DCAT-AP where it fits), with its dumps.

``dist/void.ttl`` is what ``https://w3id.org/contrats-de-ville/void`` (and the server's
``/.well-known/void``) answers, and it must stand on its own wherever it is copied: every IRI
in it is absolute, dumps included (``…/dumps/{file}``, which w3id.org redirects to the server's
``/dumps/``). The dataset's title, description, licence, publisher, language, coverage and
keywords are the referentiel's (``data/ttl/referentiel.ttl``), copied with the resources they
point to; the statistics, partitions, dumps, checksums and the release's version and date are
computed here. The release date is the date of the last change to the sources
(``SOURCE_DATE_EPOCH`` or the last commit touching them, else the ontology's
``dcterms:modified``), never the clock: the same sources give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF

from graphe import formats
from graphe.build import ox_stats, oxstore
from graphe.build.dumps import GRAPH_FILES
from graphe.build.skolem import relabel
from graphe.errors import DataError
from graphe.namespaces import (
    CDV,
    DCAT,
    GRAPH_ONTOLOGIE,
    GRAPH_REFERENTIEL,
    ID_BASE,
    PUBLIC_BASE,
    QB,
    SD,
    SPDX,
    VOID,
    bind_all,
)
from graphe.project import Project, current

DUMPS = PUBLIC_BASE + "dumps/"
DESCRIPTION = URIRef(PUBLIC_BASE + "void")
ENDPOINT = URIRef(PUBLIC_BASE + "sparql")
ONTOLOGY = URIRef(str(CDV).rstrip("#"))

#: EU file types (DCAT-AP dcterms:format) and IANA media types (dcat:mediaType) of the dumps.
FILE_TYPES = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
FILE_TYPE = {"nquads": "RDF_N_QUADS", "trig": "RDF_TRIG", "turtle": "RDF_TURTLE", "jsonld": "JSON_LD"}
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")

#: What is copied of the resources the dataset's description points to (publisher, coverage).
NAMING = (RDF.type, RDFS.label, FOAF.name, DCAT.startDate, DCAT.endDate)

#: A few resources to start from (void:exampleResource): the first of each of these classes.
EXAMPLE_CLASSES = (CDV.ContratDeVille, CDV.Objectif, CDV.Action, CDV.Partenaire, CDV.Observation)
RDF_TYPE = ox.NamedNode(str(RDF.type))


def dataset_iri(ref: Graph) -> URIRef:
    """The dataset as the referentiel ``ref`` describes it (a void:Dataset or dcat:Dataset that is not the qb cube)."""
    candidates = sorted(
        {s for cls in (VOID.Dataset, DCAT.Dataset) for s in ref.subjects(RDF.type, cls)} - set(ref.subjects(RDF.type, QB.DataSet))
    )
    if not candidates:
        raise DataError("referentiel: aucun jeu de données décrit (void:Dataset ou dcat:Dataset) pour porter la description VoID")
    return URIRef(candidates[0])


def dump_iri(fname: str) -> URIRef:
    return URIRef(DUMPS + fname)


def void_graph(
    store: ox.Store, st: ox_stats.StoreStats, dumps: dict[str, tuple[int, str]], version: str, project: Project | None = None,
) -> Graph:
    """VoID + DCAT: who, what, where (dumps, endpoint), how much (partitions), which release.

    ``store``: the build's (:mod:`graphe.build.oxstore`), of which only the referentiel and the
    ontology are copied out; ``dumps``: each dump's size and SHA-256, read from its file.
    """
    g = bind_all(Graph(), project)
    ref = oxstore.rdflib_graph(store, [GRAPH_REFERENTIEL])
    d = dataset_iri(ref)
    _metadata(g, ref, d)
    g.add((DESCRIPTION, RDF.type, VOID.DatasetDescription))
    g.add((DESCRIPTION, FOAF.primaryTopic, d))
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCAT.version, Literal(version)))
    g.add((d, DCTERMS.modified, Literal(release_date(store, project), datatype=XSD.date)))
    g.add((d, VOID.uriSpace, Literal(ID_BASE)))
    g.add((d, VOID.sparqlEndpoint, ENDPOINT))
    g.add((d, DCTERMS.conformsTo, ONTOLOGY))
    for example in examples(store):
        g.add((d, VOID.exampleResource, example))
    _statistics(g, d, st)
    _service(g, d)
    _distributions(g, d, dumps)
    return relabel(g)  # stable labels for the partitions and checksums: the file is byte-stable


def _metadata(g: Graph, ref: Graph, d: URIRef) -> None:
    """The referentiel's description of ``d``, with one level of what it points to (publisher, period)."""
    for p, o in ref.predicate_objects(d):
        g.add((d, p, o))
        if p in (DCTERMS.publisher, DCTERMS.temporal, DCTERMS.spatial) and isinstance(o, URIRef):
            for p2 in NAMING:
                for o2 in ref.objects(o, p2):
                    g.add((o, p2, o2))
    missing = [p for p in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.publisher) if g.value(d, p) is None]
    if missing:
        names = ", ".join(str(p).rsplit("/", 1)[-1] for p in missing)
        raise DataError(f"referentiel: la description du jeu de données {d} n'a pas de {names}")


def _statistics(g: Graph, d: URIRef, st: ox_stats.StoreStats) -> None:
    nni = XSD.nonNegativeInteger

    def count(n: int) -> Literal:
        return Literal(n, datatype=nni)

    def term(nt: str) -> URIRef:
        return URIRef(nt[1:-1])

    u = st.union
    g.add((d, VOID.triples, count(u.triples)))
    g.add((d, VOID.distinctSubjects, count(u.subjects)))
    g.add((d, VOID.distinctObjects, count(u.objects)))
    g.add((d, VOID.properties, count(len(u.properties))))
    g.add((d, VOID.classes, count(len(u.classes))))
    for cls, members in u.classes.items():
        part = BNode()
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], term(cls)))
        g.add((part, VOID.entities, count(members)))
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
        g.add((sub, VOID.sparqlEndpoint, ENDPOINT))
        dump = GRAPH_FILES.get(sub)
        if dump:
            g.add((sub, VOID.dataDump, dump_iri(dump)))


def _service(g: Graph, d: URIRef) -> None:
    """The SPARQL endpoint as a DCAT data service serving the dataset."""
    g.add((ENDPOINT, RDF.type, DCAT.DataService))
    g.add((ENDPOINT, DCAT.endpointURL, ENDPOINT))
    g.add((ENDPOINT, DCAT.servesDataset, d))
    g.add((ENDPOINT, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    for p in (DCTERMS.title, DCTERMS.license, DCTERMS.publisher):
        for o in g.objects(d, p):
            g.add((ENDPOINT, p, o))


def _distributions(g: Graph, d: URIRef, dumps: dict[str, tuple[int, str]]) -> None:
    licence = g.value(d, DCTERMS.license)
    for fname, (size, sha256) in sorted(dumps.items()):
        dist = dump_iri(fname)
        fmt = formats.for_file(fname)
        if fname.startswith("dataset."):
            g.add((d, VOID.dataDump, dist))
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(fname)))
        g.add((dist, DCAT.accessURL, dist))
        g.add((dist, DCAT.downloadURL, dist))
        g.add((dist, DCAT.mediaType, URIRef(MEDIA_TYPES + fmt.media_type)))
        if fmt.name in FILE_TYPE:
            g.add((dist, DCTERMS["format"], URIRef(FILE_TYPES + FILE_TYPE[fmt.name])))
        if licence is not None:
            g.add((dist, DCTERMS.license, licence))
        g.add((dist, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary)))


def examples(store: ox.Store) -> list[URIRef]:
    """The first resource (by IRI) of each of :data:`EXAMPLE_CLASSES` that has one."""
    found = []
    for cls in EXAMPLE_CLASSES:
        members = (q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(str(cls))))
        first = min((s for s in members if s.startswith(ID_BASE) and "/.well-known/" not in s), default=None)
        if first is not None:
            found.append(URIRef(first))
    return found


def release_date(store: ox.Store, project: Project | None = None) -> dt.date:
    """When the sources last changed: SOURCE_DATE_EPOCH, the last commit touching them, or the ontology's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    root = (project or current()).root
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "log", "-1", "--format=%cs", "--", "ontology", "data"],
            capture_output=True, text=True, timeout=10, check=False,
        )
        if done.returncode == 0 and done.stdout.strip():
            return dt.date.fromisoformat(done.stdout.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    modified = oxstore.rdflib_graph(store, [GRAPH_ONTOLOGIE]).value(ONTOLOGY, DCTERMS.modified)
    if modified is None:
        raise DataError("date de la publication introuvable : ni SOURCE_DATE_EPOCH, ni historique git, ni dcterms:modified de l'ontologie")
    return dt.date.fromisoformat(str(modified))
