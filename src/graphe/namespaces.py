"""The one table of prefixes and namespaces, read from ``ontology/prefixes.ttl``.

Everything that binds a prefix (rdflib graphs, SPARQL text given to users, serialisations)
takes it from here, so an IRI can never be spelt two ways. The table is the project's
(:mod:`graphe.project`: read when first used, once per project); the namespace constants
below (``CDV``, ``GRAPHE``…) name this ontology's IRIs, the same in every project built on it,
so they are read once from the checkout's table. Graph names and the document IRI are
derived from them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from graphe.project import CHECKOUT, Project, current, read_prefix_table

if TYPE_CHECKING:
    from rdflib import Graph, Namespace, URIRef

G = TypeVar("G", bound="Graph")  # bind_all returns what it was given: a Graph or a Dataset


def prefixes(project: Project | None = None) -> dict[str, str]:
    """Prefix → namespace IRI of ``project`` (the current one by default), in the table's order.

    >>> prefixes()["cdv"]
    'https://w3id.org/contrats-de-ville/ontologie#'
    """
    return (project or current()).prefixes


@lru_cache(maxsize=8)
def _by_length(project: Project) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(project.prefixes.items(), key=lambda kv: -len(kv[1])))


def curie(iri: str, project: Project | None = None) -> str | None:
    """``iri`` as a prefixed name of the table (longest namespace first), or None.

    >>> curie("https://w3id.org/contrats-de-ville/id/commune/94017"), curie("http://x/y")
    ('commune:94017', None)
    """
    for prefix, ns in _by_length(project or current()):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return None


def readable(iri: str, project: Project | None = None) -> str:
    """``iri`` as people read it in a message: its prefixed name, or ``<iri>`` when none fits.

    >>> readable("https://w3id.org/contrats-de-ville/id/commune/94017"), readable("http://x/y")
    ('commune:94017', '<http://x/y>')
    """
    return curie(str(iri), project) or f"<{iri}>"


def sparql_prologue(names: list[str] | None = None, project: Project | None = None) -> str:
    """PREFIX lines for a SPARQL query, for the query page and the CLI."""
    table = prefixes(project)
    chosen = names if names is not None else list(table)
    return "".join(f"PREFIX {p}: <{table[p]}>\n" for p in chosen)


def bind_all(graph: G, project: Project | None = None) -> G:
    """Bind every project prefix on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, ns in prefixes(project).items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """This ontology's namespaces (prefix → IRI), for constants: the same in every project built
    on it (``NAMESPACES``). What a project binds and shows is its own table, :func:`prefixes`."""
    return read_prefix_table(Project(CHECKOUT).prefixes_file)


def _public_base() -> str:
    return _table()["document"][: -len("id/document/")]


#: rdflib Namespaces by name, made on first use (PEP 562) so that importing this module does
#: not import rdflib (the query processes and the supervisor of graphe serve never need it):
#: CDV, CDVSH, GRAPHE, DOCUMENT, OA, ORG, CV, QB, IGEO, ADMS, PROV, SD, VOID, DCAT, SPDX, and
#: the graph IRIs GRAPH_ONTOLOGIE, GRAPH_ANNEXE, GRAPH_REFERENTIEL, GRAPH_INFERENCES, GRAPH_DERIVEES, ANNEXE.
_NAMESPACES = {name: name.lower() for name in (
    "CDV", "CDVSH", "GRAPHE", "DOCUMENT", "OA", "ORG", "CV", "QB", "IGEO", "ADMS", "PROV", "SD", "VOID", "DCAT", "SPDX",
)}
_TERMS = {
    "GRAPH_ONTOLOGIE": ("graphe", "ontologie"), "GRAPH_ANNEXE": ("graphe", "annexe-1"),
    "GRAPH_REFERENTIEL": ("graphe", "referentiel"), "GRAPH_INFERENCES": ("graphe", "inferences"),
    "GRAPH_DERIVEES": ("graphe", "derivees"), "ANNEXE": ("document", "annexe-1"),
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
    GRAPH_DERIVEES: URIRef
    ANNEXE: URIRef


#: Read on first use too (PEP 562): the supervisor of graphe serve, which imports the settings,
#: then never reads the table, nor imports its parser.
_DERIVED = {
    "NAMESPACES": lambda: _table(),
    #: Base of every resource IRI (``…/id/{type}/{slug}``), the parent of the per-type namespaces.
    "ID_BASE": lambda: _table()["document"][: -len("document/")],
    #: The service's own IRI: the base IRI relative IRIs in a query resolve against (``<s>`` is
    #: then ``…/contrats-de-ville/s``, and ``<id/commune/94017>`` the commune's IRI).
    "SERVICE_IRI": lambda: _table()["graphe"][: -len("graphe/")] + "sparql",
    #: The public base of every address graphe answers (w3id.org redirects it to the server).
    "PUBLIC_BASE": _public_base,
}

if TYPE_CHECKING:
    NAMESPACES: dict[str, str]
    ID_BASE: str
    SERVICE_IRI: str
    PUBLIC_BASE: str


def __getattr__(name: str):
    if name in _DERIVED:
        value = _DERIVED[name]()
    elif name in _NAMESPACES:
        from rdflib import Namespace

        value = Namespace(_table()[_NAMESPACES[name]])
    elif name in _TERMS:
        from rdflib import URIRef

        prefix, local = _TERMS[name]
        value = URIRef(_table()[prefix] + local)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def local_href(iri: str) -> str:
    """Where ``iri`` is answered on this server when it is one of ours (``/id/…``,
    ``/ontologie#Terme``, ``/formes#Forme``, ``/graphe/…``), else the IRI itself.

    >>> local_href(prefixes()["cdv"] + "Commune"), local_href("http://x/y")
    ('/ontologie#Commune', 'http://x/y')
    """
    base = _public_base()
    return "/" + iri[len(base):] if iri.startswith(base) and len(iri) > len(base) else iri

