"""The one table of prefixes and namespaces, read from ``ontology/prefixes.ttl``.

Everything that binds a prefix (rdflib graphs, SPARQL text given to users, serialisations)
takes it from here, so an IRI can never be spelt two ways. Graph names and the document IRI
are derived from the same table.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from graphe.paths import PREFIXES

if TYPE_CHECKING:
    from rdflib import Graph, Namespace, URIRef

G = TypeVar("G", bound="Graph")  # bind_all returns what it was given: a Graph or a Dataset
_SH = "http://www.w3.org/ns/shacl#"


@lru_cache(maxsize=1)
def prefixes() -> dict[str, str]:
    """Prefix → namespace IRI, in the order of the table file.

    Read with pyoxigraph, not rdflib: the query processes and the endpoint's hot path need the
    table but not rdflib (30 MB and 0.2 s of imports per process).

    >>> prefixes()["cdv"]
    'https://w3id.org/contrats-de-ville/ontologie#'
    """
    import pyoxigraph as ox

    quads = list(ox.parse(path=str(PREFIXES), format=ox.RdfFormat.TURTLE))
    values: dict[tuple, str] = {(q.subject, q.predicate.value): q.object.value for q in quads}
    table = {}
    for q in quads:
        if q.predicate.value == _SH + "declare":
            table[values[(q.object, _SH + "prefix")]] = values[(q.object, _SH + "namespace")]
    order = PREFIXES.read_text(encoding="utf-8")
    return dict(sorted(table.items(), key=lambda kv: order.index(f'"{kv[0]}"')))


@lru_cache(maxsize=1)
def _by_length() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(prefixes().items(), key=lambda kv: -len(kv[1])))


def curie(iri: str) -> str | None:
    """``iri`` as a prefixed name of the table (longest namespace first), or None.

    >>> curie("https://w3id.org/contrats-de-ville/id/commune/94017"), curie("http://x/y")
    ('commune:94017', None)
    """
    for prefix, ns in _by_length():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return None


def readable(iri: str) -> str:
    """``iri`` as people read it in a message: its prefixed name, or ``<iri>`` when none fits.

    >>> readable("https://w3id.org/contrats-de-ville/id/commune/94017"), readable("http://x/y")
    ('commune:94017', '<http://x/y>')
    """
    return curie(str(iri)) or f"<{iri}>"


def sparql_prologue(names: list[str] | None = None) -> str:
    """PREFIX lines for a SPARQL query, for the query page and the CLI."""
    table = prefixes()
    chosen = names if names is not None else list(table)
    return "".join(f"PREFIX {p}: <{table[p]}>\n" for p in chosen)


def bind_all(graph: G) -> G:
    """Bind every project prefix on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, ns in prefixes().items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


#: rdflib Namespaces by name, made on first use (PEP 562) so that importing this module does
#: not import rdflib: CDV, CDVSH, GRAPHE, DOCUMENT, OA, ORG, CV, QB, IGEO, ADMS, PROV, SD,
#: VOID, DCAT, SPDX, and the graph IRIs GRAPH_* and ANNEXE below.
_NAMESPACES = {name: name.lower() for name in (
    "CDV", "CDVSH", "GRAPHE", "DOCUMENT", "OA", "ORG", "CV", "QB", "IGEO", "ADMS", "PROV", "SD", "VOID", "DCAT", "SPDX",
)}
_TERMS = {
    "GRAPH_ONTOLOGIE": ("graphe", "ontologie"), "GRAPH_ANNEXE": ("graphe", "annexe-1"),
    "GRAPH_REFERENTIEL": ("graphe", "referentiel"), "GRAPH_INFERENCES": ("graphe", "inferences"),
    "ANNEXE": ("document", "annexe-1"),
}

if TYPE_CHECKING:
    CDV: Namespace
    CDVSH: Namespace
    GRAPHE: Namespace
    DOCUMENT: Namespace
    OA: Namespace
    ORG: Namespace
    CV: Namespace
    QB: Namespace
    IGEO: Namespace
    ADMS: Namespace
    PROV: Namespace
    SD: Namespace
    VOID: Namespace
    DCAT: Namespace
    SPDX: Namespace
    GRAPH_ONTOLOGIE: URIRef
    GRAPH_ANNEXE: URIRef
    GRAPH_REFERENTIEL: URIRef
    GRAPH_INFERENCES: URIRef
    ANNEXE: URIRef


def __getattr__(name: str):
    if name in _NAMESPACES:
        from rdflib import Namespace

        value = Namespace(prefixes()[_NAMESPACES[name]])
    elif name in _TERMS:
        from rdflib import URIRef

        prefix, local = _TERMS[name]
        value = URIRef(prefixes()[prefix] + local)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


#: Base of every resource IRI (``…/id/{type}/{slug}``), the parent of the per-type namespaces.
ID_BASE = prefixes()["document"][: -len("document/")]

#: The service's own IRI: the base IRI relative IRIs in a query resolve against (``<s>`` is
#: then ``…/contrats-de-ville/s``, and ``<id/commune/94017>`` the commune's IRI).
SERVICE_IRI = prefixes()["graphe"][: -len("graphe/")] + "sparql"

#: The public base of every address graphe answers (w3id.org redirects it to the server).
PUBLIC_BASE = ID_BASE[: -len("id/")]


def local_href(iri: str) -> str:
    """Where ``iri`` is answered on this server when it is one of ours (``/id/…``,
    ``/ontologie#Terme``, ``/formes#Forme``, ``/graphe/…``), else the IRI itself.

    >>> local_href(prefixes()["cdv"] + "Commune"), local_href("http://x/y")
    ('/ontologie#Commune', 'http://x/y')
    """
    return "/" + iri[len(PUBLIC_BASE):] if iri.startswith(PUBLIC_BASE) and len(iri) > len(PUBLIC_BASE) else iri

