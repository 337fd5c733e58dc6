"""The dataset's description of itself: VoID + DCAT, with the dumps and their checksums."""

from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import RDF, XSD, BNode, Dataset, Graph, Literal, URIRef

from graphe import stats
from graphe.build.dumps import GRAPH_FILES
from graphe.build.skolem import relabel
from graphe.errors import DataError
from graphe.namespaces import DCAT, GRAPH_REFERENTIEL, ID_BASE, QB, SD, SPDX, VOID, bind_all

#: Media types of the dumps (IANA), for the DCAT distributions.
MEDIA_TYPES = {
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
}


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

