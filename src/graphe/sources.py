"""The source documents and the check that every quote is at its offsets in its own document.

``data/source/`` may hold several documents. Each is a ``cdv:Document`` in the data whose
``dcterms:identifier`` is its path from the project root; every passage names its document
(``oa:hasSource``), so no file name is fixed in code. ``graphe validate`` and the curators'
commands run the check here (:func:`anchor_problems`, over rdflib graphs), ``graphe build`` over
its Oxigraph store (:mod:`graphe.build.ox_provenance`); both report with :func:`graphe.provenance.report`.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCTERMS

from graphe import dataset, provenance
from graphe.errors import DataError
from graphe.namespaces import CDV, readable
from graphe.project import Project, current


def documents(graph: Graph, project: Project | None = None) -> dict[URIRef, Path]:
    """Each ``cdv:Document`` with a file in the project (``dcterms:identifier``), and that file."""
    base = (project or current()).root
    found = {}
    for doc in graph.subjects(RDF.type, CDV.Document):
        for ident in graph.objects(doc, DCTERMS.identifier):
            if str(ident).startswith("data/source/"):
                found[doc] = base / str(ident)
    return dict(sorted(found.items()))


def check_documents(graph: Graph, project: Project | None = None) -> dict[URIRef, Path]:
    """:func:`documents`, every file present; a DataError names a missing one."""
    docs = documents(graph, project)
    for doc, path in docs.items():
        if not path.is_file():
            raise DataError(f"{path}: document source de {_name(doc)} introuvable (dcterms:identifier)")
    return docs


def anchor_problems(
    union: Graph, files: list[Path] | None = None, only: set[Path] | None = None, project: Project | None = None,
) -> tuple[int, list[str]]:
    """How many anchors hold, and one line per anchor whose quote is not at its offsets.

    Each line names the file stating the anchor, the resource it anchors, what is wrong and
    where the quote really is. ``only``: report the anchors stated in these files alone.
    """
    project = project or current()
    docs = check_documents(union, project)  # a missing document is said before an incomplete passage
    return provenance.report(
        provenance.anchors(union), docs, lambda target: provenance.describe(union, target),
        lambda path: provenance.anchors(dataset.parse_file(path)), files or [], project, only,
    )


def _name(term) -> str:
    return readable(str(term)) if term is not None else "(aucune)"
