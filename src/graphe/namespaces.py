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
from typing import TypeVar

from rdflib import Graph, Namespace, URIRef

from graphe.project import CHECKOUT, Project, current, read_prefix_table

G = TypeVar("G", bound=Graph)  # bind_all returns what it was given: a Graph or a Dataset


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


#: This ontology's namespaces (prefix → IRI), for constants: the same in every project built on
#: it. What a project binds and shows is its own table, :func:`prefixes`.
NAMESPACES: dict[str, str] = read_prefix_table(Project(CHECKOUT).prefixes_file)


def _ns(prefix: str) -> Namespace:
    return Namespace(NAMESPACES[prefix])


CDV = _ns("cdv")
CDVSH = _ns("cdvsh")
GRAPHE = _ns("graphe")
DOCUMENT = _ns("document")
OA = _ns("oa")
ORG = _ns("org")
CV = _ns("cv")
QB = _ns("qb")
IGEO = _ns("igeo")
ADMS = _ns("adms")
PROV = _ns("prov")
SD = _ns("sd")
VOID = _ns("void")
DCAT = _ns("dcat")
SPDX = _ns("spdx")

#: Base of every resource IRI (``…/id/{type}/{slug}``), the parent of the per-type namespaces.
ID_BASE = str(DOCUMENT)[: -len("document/")]

#: The service's own IRI: the base IRI relative IRIs in a query resolve against (``<s>`` is
#: then ``…/contrats-de-ville/s``, and ``<id/commune/94017>`` the commune's IRI).
SERVICE_IRI = str(GRAPHE)[: -len("graphe/")] + "sparql"

#: The public base of every address graphe answers (w3id.org redirects it to the server).
PUBLIC_BASE = ID_BASE[: -len("id/")]


def local_href(iri: str) -> str:
    """Where ``iri`` is answered on this server when it is one of ours (``/id/…``,
    ``/ontologie#Terme``, ``/formes#Forme``, ``/graphe/…``), else the IRI itself.

    >>> local_href(str(CDV) + "Commune"), local_href("http://x/y")
    ('/ontologie#Commune', 'http://x/y')
    """
    return "/" + iri[len(PUBLIC_BASE):] if iri.startswith(PUBLIC_BASE) and len(iri) > len(PUBLIC_BASE) else iri


#: The named graphs of the dataset (docs/architecture.md); the endpoint's default graph is their union.
GRAPH_ONTOLOGIE = URIRef(GRAPHE["ontologie"])
GRAPH_ANNEXE = URIRef(GRAPHE["annexe-1"])
GRAPH_REFERENTIEL = URIRef(GRAPHE["referentiel"])
GRAPH_INFERENCES = URIRef(GRAPHE["inferences"])
ANNEXE = URIRef(DOCUMENT["annexe-1"])
