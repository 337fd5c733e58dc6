"""The quotes' check of ``graphe build``, read from its Oxigraph store.

The same check and the same French lines (:func:`graphe.provenance.report`) as
:func:`graphe.sources.anchor_problems` (which ``graphe validate`` and the curators' commands run
over rdflib graphs): every passage's quote
must be at its offsets in its own source document. Here the anchors come out of the store in one
SPARQL query, grouped by passage, rather than through rdflib's per-node lookups over a copy of
the whole union (minutes and gigabytes at France's size); the text is checked at the offsets by
:meth:`graphe.provenance.Anchor.problem`, as before.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graphe import provenance
from graphe.build.skolem import GENID
from graphe.errors import DataError, ProvenanceError
from graphe.namespaces import CDV, OA, readable
from graphe.project import Project, current

DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

_DOCUMENTS = f"""
SELECT DISTINCT ?doc ?id WHERE {{ ?doc a <{CDV.Document}> ; <{DCTERMS}identifier> ?id . FILTER(STRSTARTS(STR(?id), "data/source/")) }}
"""


def anchors(store: ox.Store) -> list[provenance.Anchor]:
    """Every (quote, offsets) pair of the store's named graphs, one per ``oa:SpecificResource``.

    Five scans of one property each, joined here: Oxigraph took a minute at 30× over the same
    join written as one SPARQL query (its optional values come from two different selectors)."""

    def pairs(prop) -> dict:
        return {q.subject: q.object for q in store.quads_for_pattern(None, ox.NamedNode(str(prop)), None)}

    selectors: dict = {}
    for q in store.quads_for_pattern(None, ox.NamedNode(str(OA.hasSelector)), None):
        selectors.setdefault(q.subject, set()).add(q.object)
    source, exact, start, end = (pairs(p) for p in (OA.hasSource, OA.exact, OA.start, OA.end))
    found = []
    for target, sels in selectors.items():
        values = [next((v[s] for s in sels if s in v), None) for v in (exact, start, end)]
        if None in values:
            raise ProvenanceError(f"passage incomplet (citation ou positions manquantes): {_name(target)}")
        src = source.get(target)
        quote, first, last = values
        found.append(provenance.Anchor(target, quote.value, int(first.value), int(last.value),
                                       src if isinstance(src, ox.NamedNode) else None))
    return found


def documents(store: ox.Store, project: Project | None = None) -> dict[ox.NamedNode, Path]:
    """Each ``cdv:Document`` with a file under ``data/source/``, and that file; a DataError names a missing one."""
    base = (project or current()).root
    found = {doc: base / ident.value for doc, ident in store.query(_DOCUMENTS, use_default_graph_as_union=True)}
    docs = dict(sorted(found.items(), key=lambda kv: kv[0].value))
    for doc, path in docs.items():
        if not path.is_file():
            raise DataError(f"{path}: document source de {_name(doc)} introuvable (dcterms:identifier)")
    return docs


def problems(store: ox.Store, files: list[Path], project: Project | None = None) -> tuple[int, list[str]]:
    """How many anchors hold, and one French line per anchor whose quote is not at its offsets
    (the file stating it, the resource it anchors, what is wrong, where the quote really is)."""
    project = project or current()

    def anchors_in(path: Path) -> list[provenance.Anchor]:
        from graphe.build import oxstore

        return anchors(oxstore.load([path]))

    docs = documents(store, project)  # a missing document is said before an incomplete passage
    return provenance.report(anchors(store), docs, lambda target: describe(store, target), anchors_in, files, project)


def check(store: ox.Store, files: list[Path], project: Project | None = None) -> int:
    """How many anchors hold; a ProvenanceError listing every wrong one otherwise."""
    held, wrong = problems(store, files, project)
    if wrong:
        listing = "\n".join(f"  - {p}" for p in wrong)
        raise ProvenanceError(f"{len(wrong)} citation(s) absente(s) de leurs positions dans leur document source :\n{listing}")
    return held


def describe(store: ox.Store, target) -> str:
    """A readable name for a passage node, as :func:`graphe.provenance.describe` gives it."""
    owner = _subject(store, CDV.passage, target)
    if owner is not None:
        return f"{_short(owner)} › cdv:passage"
    mention = _subject(store, OA.hasTarget, target)
    if mention is not None:
        parent = _subject(store, CDV.mention, mention)
        body = next((q.object for q in store.quads_for_pattern(mention, ox.NamedNode(str(OA.hasBody)), None)), None)
        return f"{_short(parent)} › cdv:mention de {_short(body)}"
    return _short(target)


def _subject(store: ox.Store, predicate, obj):
    return next((q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(predicate)), obj)), None)


def _short(term) -> str:
    if isinstance(term, ox.NamedNode) and not term.value.startswith(GENID):
        return readable(term.value)
    return "[nœud anonyme]" if term is not None else "?"


def _name(term) -> str:
    return readable(term.value) if isinstance(term, ox.NamedNode) else "(aucune)" if term is None else str(term)
